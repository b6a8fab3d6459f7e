"""The private thread between intake and the reporter, and what the proven reporter
adds afterwards (messages, photos, contact details)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.core.access import ResidentPrincipal, Viewer
from wijkregie.core.audit import AuditContext, DataOwner, audit_record
from wijkregie.core.changes import apply_changes
from wijkregie.core.exceptions import ApplicationError, NotFound
from wijkregie.core.ids import as_id
from wijkregie.partners.models import Membership
from wijkregie.reports import events, tasks
from wijkregie.reports.models import (
    MAX_PHOTOS_PER_REPORT,
    MESSAGE_MAX_LENGTH,
    ContactMode,
    MessageDirection,
    Report,
    ReporterIdentity,
    ReportIdempotencyKey,
    ReportMessage,
    ReportPhoto,
)
from wijkregie.reports.photos import SanitisedPhoto
from wijkregie.reports.services.common import IDENTITY_OBJECT, _photo_checked, _photo_store, _text
from wijkregie.reports.services.triage import _report_for_intake

# --- The thread with the reporter ---------------------------------------------------------


def report_message_to_reporter(
    *, actor: Viewer, report_id: int, body: str, now: datetime | None = None
) -> ReportMessage:
    """A question or message from intake to the reporter (read with the passphrase).

    E-mails the reporter a notice with the message if they left an address.
    """
    now = now or timezone.now()
    body = _text(body, field="body", max_length=MESSAGE_MAX_LENGTH, required=True)
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        identity = (
            ReporterIdentity.objects.filter(report_id=report.pk)
            .values_list("email", "contact_erased_at")
            .first()
        )
        if identity is None:
            raise ApplicationError(_("Nobody can be asked: this report has no reporter."))
        membership_id = None
        if actor.user_id is not None:
            membership_id = (
                Membership.objects.filter(
                    user_id=actor.user_id,
                    organisation_id=report.receiving_organisation_id,
                    is_active=True,
                )
                .values_list("pk", flat=True)
                .first()
            )
        message = ReportMessage.objects.create(
            report=report,
            direction=MessageDirection.TO_REPORTER,
            body=body,
            author_membership_id=membership_id,
            organisation_id=report.receiving_organisation_id,
            created_at=now,
            read_by_intake_at=now,
        )
        events.message_to_reporter_event(
            report=report,
            actor=actor,
            organisation_id=report.receiving_organisation_id,
            at=now,
            message_id=message.pk,
        )
        email, erased_at = identity
        if email and erased_at is None:
            tasks.report_message_notify_reporter.enqueue(message_id=message.pk)
    return message


def _require_reporter(actor: ResidentPrincipal, report: Report) -> None:
    """The reporter-side services act only for the reporter who proved this report."""
    if not (isinstance(actor, ResidentPrincipal) and actor.is_for(report)):
        raise NotFound(_("Not found."))


def _first_time(idempotency_key: str, report: Report) -> bool:
    """Record a reporter's action key in the current transaction: False when an action
    with this key was stored before (a double-click or a retry), so the caller does
    nothing again. The database's unique key decides, also between concurrent requests."""
    if not idempotency_key:
        return True
    try:
        with transaction.atomic():
            ReportIdempotencyKey.objects.create(key=idempotency_key, report=report)
    except IntegrityError:
        return False
    return True


def report_message_from_reporter(
    *,
    actor: ResidentPrincipal,
    report: Report,
    body: str,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> ReportMessage | None:
    """The reporter's answer or extra information; `actor` proved the report
    (`report_passphrase_check`). A second call with the same `idempotency_key` stores
    nothing and returns None."""
    _require_reporter(actor, report)
    now = now or timezone.now()
    body = _text(body, field="body", max_length=MESSAGE_MAX_LENGTH, required=True)
    with transaction.atomic():
        if not _first_time(idempotency_key, report):
            return None
        message = ReportMessage.objects.create(
            report=report,
            direction=MessageDirection.FROM_REPORTER,
            body=body,
            organisation_id=report.receiving_organisation_id,
            created_at=now,
            read_by_reporter_at=now,
        )
        # "Reply received": the queue and the home page show it until intake reads it.
        Report.objects.filter(pk=report.pk).update(reply_waiting=True)
        events.message_from_reporter_event(report=report, at=now, message_id=message.pk)
    return message


def report_messages_mark_read_by_reporter(*, report: Report, now: datetime | None = None) -> int:
    return ReportMessage.objects.filter(
        report=report, direction=MessageDirection.TO_REPORTER, read_by_reporter_at__isnull=True
    ).update(read_by_reporter_at=now or timezone.now())


def report_messages_mark_read_by_intake(
    *,
    actor: Viewer,
    report_id: int,
    now: datetime | None = None,
    shown=None,
    reply_waiting: bool = False,
) -> int:
    """The reporter's unread messages marked read by intake, and the reply waiting no
    longer; the number of messages marked.

    `shown`: the messages the page showed (`selectors.report_messages`): only those are
    marked, and nothing is looked up or written when none of them is unread and the page's
    report had no reply waiting (`reply_waiting`; the usual report page).
    """
    unread = None
    if shown is not None:
        report_pk = as_id(report_id)
        unread = [
            m.pk
            for m in shown
            if m.report_id == report_pk
            and m.direction == MessageDirection.FROM_REPORTER
            and m.read_by_intake_at is None
        ]
        if not unread and not reply_waiting:
            return 0
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        messages = ReportMessage.objects.filter(
            report=report,
            direction=MessageDirection.FROM_REPORTER,
            read_by_intake_at__isnull=True,
        )
        if unread is not None:
            messages = messages.filter(pk__in=unread)
        marked = messages.update(read_by_intake_at=now or timezone.now()) if unread != [] else 0
        if report.reply_waiting:
            report.reply_waiting = False
            report.save(update_fields=["reply_waiting"])
        return marked


def report_photo_add(
    *,
    actor: ResidentPrincipal,
    report: Report,
    photo: SanitisedPhoto,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> ReportPhoto | None:
    """The reporter adds one photo; `actor` proved the report. Only a `SanitisedPhoto`
    (photos.py did the stripping) is taken. A second call with the same
    `idempotency_key` stores nothing and returns None."""
    _require_reporter(actor, report)
    now = now or timezone.now()
    photo = _photo_checked(photo)
    with transaction.atomic():
        locked = Report.objects.select_for_update().filter(pk=report.pk).first()
        if locked is None:
            raise NotFound(_("Not found."))
        if not _first_time(idempotency_key, locked):
            return None
        if ReportPhoto.objects.filter(report_id=report.pk).count() >= MAX_PHOTOS_PER_REPORT:
            raise ValidationError(
                {
                    "photos": _("A report has at most %(max)d photos.")
                    % {"max": MAX_PHOTOS_PER_REPORT}
                }
            )
        stored = _photo_store(report=locked, photo=photo, uploaded_by_reporter=True, at=now)
        events.photo_added_event(
            report=locked, actor=None, at=now, photo_id=stored.pk, by_reporter=True
        )
    return stored


def reporter_contact_update(
    *,
    actor: ResidentPrincipal,
    report: Report,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    consent_to_forward: bool | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> None:
    """The reporter (`actor`, who proved the report) leaves or changes contact details.

    Leaving an e-mail address or phone number on an anonymous report makes it shielded:
    intake of the receiving organisation can then see it. The pseudonym stays the same.
    `""` clears a field; None leaves it.
    """
    _require_reporter(actor, report)
    now = now or timezone.now()
    with transaction.atomic():
        identity = ReporterIdentity.objects.select_for_update().filter(report_id=report.pk).first()
        if identity is None:
            raise NotFound(_("Not found."))
        changed = apply_changes(
            identity,
            {
                field: _text(value, field=field, max_length=max_length)
                for field, value, max_length in (
                    ("name", name, 200),
                    ("email", email, 254),
                    ("phone", phone, 40),
                )
                if value is not None
            },
        )
        if identity.email:
            try:
                validate_email(identity.email)
            except ValidationError:
                raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
        if consent_to_forward is not None and identity.consent_to_forward != consent_to_forward:
            identity.consent_to_forward = consent_to_forward
            changed.append("consent_to_forward")
        if language and identity.language != language[:8]:
            identity.language = language[:8]
            changed.append("language")
        if not changed:
            return
        if identity.name or identity.email or identity.phone:
            identity.contact_erased_at = None
            changed.append("contact_erased_at")
        identity.updated_at = now
        identity.save(update_fields=[*changed, "updated_at"])
        if report.contact_mode == ContactMode.ANONYMOUS and (identity.email or identity.phone):
            Report.objects.filter(pk=report.pk).update(
                contact_mode=ContactMode.SHIELDED, updated_at=now
            )
            report.contact_mode = ContactMode.SHIELDED
        personal = [f for f in changed if f in ReporterIdentity.IDENTITY_FIELDS]
        if personal:
            audit_record(
                viewer=actor.audit_viewer(),
                action="update",
                object_type=IDENTITY_OBJECT,
                object_ids=[identity.pk],
                fields=personal,
                data_owner=DataOwner(identity.visible_to_organisation_id),
                context=AuditContext(
                    type="reports.report", id=str(report.pk), label=f"report {report.pk}"
                ),
            )
        events.contact_updated_event(report=report, at=now, fields=changed)
