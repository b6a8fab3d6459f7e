"""Every write to reports: submission, triage, forwarding, the thread, retention.

Contracts in docs/reports.md. Each service runs in one transaction, checks permission,
validates, writes with `update_fields`, records the timeline and audit rows and enqueues
its e-mail tasks inside that transaction (django-tasks' database backend makes the
enqueue part of the commit)."""

# The passphrase functions, for the public side.
from wijkregie.reports.passphrases import (  # noqa: F401  (re-exported for the public side)
    MIN_PASSPHRASE_LENGTH,
    FollowUpRefused,
    FollowUpThrottled,
    passphrase_generate,
    passphrase_hash,
    passphrase_normalise,
    report_follow_up_link_check,
    report_passphrase_check,
    reporter_principal_resume,
    reporter_principal_seal,
)
from wijkregie.reports.services.common import (  # noqa: F401
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDENTITY_OBJECT,
    INTERNAL_NOTE_MAX_LENGTH,
    REPORTER_KEY_SALT,
    RESIDENT_TEXT_MAX_LENGTH,
    IdempotencyKeyReused,
    ReporterDetails,
    SubmitResult,
    add_working_days,
    reporter_key_for,
)
from wijkregie.reports.services.contact import (  # noqa: F401
    report_contact_link,
)
from wijkregie.reports.services.queue import (  # noqa: F401
    report_assign,
    report_mark_duplicate,
    report_unmark_duplicate,
    saved_queue_filter_delete,
    saved_queue_filter_save,
)
from wijkregie.reports.services.retention import (  # noqa: F401
    report_lateness_refresh,
    report_retention_purge,
    reporter_contact_erase_due,
    reporter_contacts_erase,
)
from wijkregie.reports.services.routing import (  # noqa: F401
    report_route,
    routing_rule_set,
)
from wijkregie.reports.services.submission import (  # noqa: F401
    report_log_observation,
    report_submit,
)
from wijkregie.reports.services.texts import (  # noqa: F401
    standard_text_create,
    standard_text_update,
)
from wijkregie.reports.services.thread import (  # noqa: F401
    report_message_from_reporter,
    report_message_to_reporter,
    report_messages_mark_read_by_intake,
    report_messages_mark_read_by_reporter,
    report_photo_add,
    reporter_contact_update,
)
from wijkregie.reports.services.triage import (  # noqa: F401
    report_case_link,
    report_category_change,
    report_forward,
    report_status_change,
)
