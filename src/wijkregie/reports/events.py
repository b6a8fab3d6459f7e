"""Timeline-entry writers, one small function per event type (`core.timeline`).

Called by services inside their transaction. Parameters hold ids, slugs and short labels,
never the reporter's identity and never message bodies (those live in ReportMessage).
"""

from datetime import datetime

from wijkregie.core.access import Viewer
from wijkregie.core.timeline import event_record
from wijkregie.reports.models import Report, ReportEvent, ReportEventType


def _write(
    *,
    report: Report,
    type: str,
    actor: Viewer | None,
    organisation_id: int | None,
    at: datetime,
    parameters: dict | None = None,
) -> ReportEvent:
    return event_record(
        ReportEvent,
        report=report,
        type=type,
        actor=actor,
        at=at,
        parameters=parameters,
        organisation_id=organisation_id,
    )


def category_changed_event(
    *, report: Report, actor: Viewer, organisation_id, at, old_slug: str, new_slug: str
) -> ReportEvent:
    return _write(
        report=report,
        type=ReportEventType.CATEGORY_CHANGED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"old": old_slug, "new": new_slug},
    )


def forwarded_event(
    *,
    report: Report,
    actor: Viewer,
    organisation_id,
    at,
    to_organisation_id: int,
    to_organisation_name: str,
    identity_forwarded: bool,
) -> ReportEvent:
    return _write(
        report=report,
        type=ReportEventType.FORWARDED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={
            "to_organisation_id": to_organisation_id,
            "to_organisation": to_organisation_name,
            "identity_forwarded": identity_forwarded,
        },
    )


def linked_to_case_event(
    *, report: Report, actor: Viewer, organisation_id, at, case_id: int
) -> ReportEvent:
    return _write(
        report=report,
        type=ReportEventType.LINKED_TO_CASE,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"case_id": case_id},
    )


def message_to_reporter_event(
    *, report: Report, actor: Viewer, organisation_id, at, message_id: int
) -> ReportEvent:
    return _write(
        report=report,
        type=ReportEventType.MESSAGE_TO_REPORTER,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"message_id": message_id},
    )


def message_from_reporter_event(*, report: Report, at, message_id: int) -> ReportEvent:
    return _write(
        report=report,
        type=ReportEventType.MESSAGE_FROM_REPORTER,
        actor=None,
        organisation_id=None,
        at=at,
        parameters={"message_id": message_id},
    )


def photo_added_event(
    *, report: Report, actor: Viewer | None, at, photo_id: int, by_reporter: bool
) -> ReportEvent:
    return _write(
        report=report,
        type=ReportEventType.PHOTO_ADDED,
        actor=actor,
        organisation_id=None,
        at=at,
        parameters={"photo_id": photo_id, "by_reporter": by_reporter},
    )


def contact_updated_event(*, report: Report, at, fields: list[str]) -> ReportEvent:
    # Which fields, never their values.
    return _write(
        report=report,
        type=ReportEventType.CONTACT_UPDATED,
        actor=None,
        organisation_id=None,
        at=at,
        parameters={"fields": sorted(fields)},
    )


def contact_erased_events(*, report_ids: list[int], at) -> None:
    ReportEvent.objects.bulk_create(
        [
            ReportEvent(
                report_id=rid, type=ReportEventType.CONTACT_ERASED, parameters={}, created_at=at
            )
            for rid in report_ids
        ]
    )


def contact_linked_event(
    *, report: Report, actor: Viewer, organisation_id, at, resident_id: int
) -> ReportEvent:
    return _write(
        report=report,
        type=ReportEventType.CONTACT_LINKED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"resident_id": resident_id},
    )


def assigned_event(
    *, report: Report, actor: Viewer, organisation_id, at, membership_id, name: str
) -> ReportEvent:
    # The assignee is a professional of the organisation, not the reporter.
    return _write(
        report=report,
        type=ReportEventType.ASSIGNED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"membership_id": membership_id, "assignee": name},
    )


def marked_duplicate_event(
    *, report: Report, actor: Viewer, organisation_id, at, parent, internal_note: str = ""
) -> ReportEvent:
    """`parent` None: the mark was taken away."""
    parameters = {
        "duplicate_of": parent.pk if parent else None,
        "duplicate_of_code": parent.tracking_code if parent else "",
    }
    if internal_note:
        parameters["internal_note"] = internal_note
    return _write(
        report=report,
        type=ReportEventType.MARKED_DUPLICATE,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters=parameters,
    )


def duplicate_added_event(*, report: Report, actor: Viewer, organisation_id, at, child):
    return _write(
        report=report,
        type=ReportEventType.DUPLICATE_ADDED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"duplicate": child.pk, "duplicate_code": child.tracking_code},
    )
