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
