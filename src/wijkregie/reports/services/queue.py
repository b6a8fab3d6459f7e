"""The work queue: who handles a report, duplicates, and each person's saved filters."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.core.access import Viewer
from wijkregie.core.audit import AuditContext, audit_record
from wijkregie.core.exceptions import ApplicationError, NotFound
from wijkregie.core.ids import as_id, parse_id
from wijkregie.reports import events
from wijkregie.reports.models import Report, SavedQueueFilter
from wijkregie.reports.predicates import RECEIVE_REPORTS
from wijkregie.reports.selectors import QUEUE_FILTERS, assignees_of
from wijkregie.reports.services.common import INTERNAL_NOTE_MAX_LENGTH, _text
from wijkregie.reports.services.triage import _report_for_intake

SAVED_FILTER_NAME_MAX_LENGTH = 80
SAVED_FILTERS_PER_PERSON = 20


def _audit_report_change(actor: Viewer, report: Report, fields: list[str]) -> None:
    audit_record(
        viewer=actor,
        action="update",
        object_type="reports.report",
        object_ids=[report.pk],
        fields=fields,
        organisation_id=report.receiving_organisation_id,
        context=AuditContext(type="reports.report", id=str(report.pk), label=f"report {report.pk}"),
    )


def report_assign(
    *, actor: Viewer, report_id: int, membership_id: int | None, now: datetime | None = None
) -> Report:
    """Give a report to a person of its receiving organisation (`membership_id`), or to
    nobody (None). The person must be an active member with `reports.receive_reports`
    in that organisation; the actor must be intake there (else NotFound). Audited, and a
    timeline entry."""
    now = now or timezone.now()
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        membership = None
        if membership_id not in (None, ""):
            pk = parse_id(membership_id)
            membership = (
                assignees_of(report.receiving_organisation_id).filter(pk=pk).first()
                if pk is not None
                else None
            )
            if membership is None:
                raise ValidationError(
                    {"assignee": _("Choose a person of the organisation that receives the report.")}
                )
        new_id = membership.pk if membership else None
        if report.assigned_to_id == new_id:
            return report
        report.assigned_to = membership
        report.updated_at = now
        report.save(update_fields=["assigned_to", "updated_at"])
        events.assigned_event(
            report=report,
            actor=actor,
            organisation_id=report.receiving_organisation_id,
            at=now,
            membership_id=new_id,
            name=_person_label(membership) if membership else "",
        )
        _audit_report_change(actor, report, ["assigned_to"])
    return report


def _person_label(membership) -> str:
    user = membership.user
    return (user.get_full_name() or user.get_username())[:200]


def report_mark_duplicate(
    *,
    actor: Viewer,
    report_id: int,
    duplicate_of_id: int,
    internal_note: str = "",
    now: datetime | None = None,
) -> Report:
    """Mark a report as a duplicate of another (its parent). Both must be received by an
    organisation in which the actor is intake. Each reporter keeps their own report,
    tracking code and thread; the parent's later status changes are applied to its open
    duplicates too (`report_status_change`), so their reporters read them. A parent is
    never itself a duplicate: marking a duplicate of a duplicate links to that one's
    parent. A report that has duplicates cannot become one."""
    now = now or timezone.now()
    note = _text(internal_note, field="internal_note", max_length=INTERNAL_NOTE_MAX_LENGTH)
    with transaction.atomic():
        first, second = sorted((as_id(report_id), as_id(duplicate_of_id)))
        if first == second:
            _report_for_intake(actor, first)  # NotFound before anything about the input
            raise ValidationError({"duplicate_of": _("A report cannot duplicate itself.")})
        # Lock both in id order, so two intake staff marking each other wait, not deadlock.
        report_pk = as_id(report_id)
        locked = {pk: _locked_or_none(actor, pk) for pk in (first, second)}
        report, parent = locked[report_pk], locked[second if first == report_pk else first]
        if report is None:
            raise NotFound(_("Not found."))
        if parent is not None and parent.duplicate_of_id:
            parent = _locked_or_none(actor, parent.duplicate_of_id)
        if parent is None:
            raise ValidationError(
                {"duplicate_of": _("No report of your organisation has this code or number.")}
            )
        if parent.pk == report.pk:
            raise ValidationError({"duplicate_of": _("A report cannot duplicate itself.")})
        if report.is_closed:
            raise ApplicationError(_("A closed report cannot be marked as a duplicate."))
        if Report.objects.filter(duplicate_of_id=report.pk).exists():
            raise ApplicationError(
                _("Other reports are duplicates of this one: it cannot become a duplicate itself.")
            )
        if report.duplicate_of_id == parent.pk:
            return report
        report.duplicate_of = parent
        report.updated_at = now
        report.save(update_fields=["duplicate_of", "updated_at"])
        events.marked_duplicate_event(
            report=report,
            actor=actor,
            organisation_id=report.receiving_organisation_id,
            at=now,
            parent=parent,
            internal_note=note,
        )
        events.duplicate_added_event(
            report=parent,
            actor=actor,
            organisation_id=parent.receiving_organisation_id,
            at=now,
            child=report,
        )
        _audit_report_change(actor, report, ["duplicate_of"])
    return report


def _locked_or_none(actor: Viewer, report_id) -> Report | None:
    try:
        return _report_for_intake(actor, report_id)
    except NotFound:
        return None


def report_unmark_duplicate(*, actor: Viewer, report_id: int, now: datetime | None = None):
    """The report is not a duplicate after all: it follows its own statuses again."""
    now = now or timezone.now()
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        if report.duplicate_of_id is None:
            return report
        report.duplicate_of = None
        report.updated_at = now
        report.save(update_fields=["duplicate_of", "updated_at"])
        events.marked_duplicate_event(
            report=report,
            actor=actor,
            organisation_id=report.receiving_organisation_id,
            at=now,
            parent=None,
        )
        _audit_report_change(actor, report, ["duplicate_of"])
    return report


def _clean_query(query: str) -> str:
    """Only the queue's own filters survive, in their order; no page."""
    from django.http import QueryDict

    given = QueryDict(query or "", mutable=False)
    kept = QueryDict(mutable=True)
    for name in (*QUEUE_FILTERS, "page_size"):
        for value in given.getlist(name):
            if value.strip():
                kept.appendlist(name, value.strip()[:200])
    return kept.urlencode()[:1000]


def saved_queue_filter_save(*, actor: Viewer, name: str, query: str) -> SavedQueueFilter:
    """Save the queue's current filters under a name for the actor (the same name
    replaces the earlier one). Only intake has a queue."""
    if actor.user_id is None or not actor.has_perm(RECEIVE_REPORTS):
        raise NotFound(_("Not found."))
    name = _text(name, field="name", max_length=SAVED_FILTER_NAME_MAX_LENGTH, required=True)
    query = _clean_query(query)
    with transaction.atomic():
        existing = SavedQueueFilter.objects.filter(user_id=actor.user_id, name=name).first()
        if existing is not None:
            existing.query = query
            existing.save(update_fields=["query", "updated_at"])
            return existing
        if SavedQueueFilter.objects.filter(user_id=actor.user_id).count() >= (
            SAVED_FILTERS_PER_PERSON
        ):
            raise ValidationError(
                {
                    "name": _("You can keep at most %(max)d filters. Delete one first.")
                    % {"max": SAVED_FILTERS_PER_PERSON}
                }
            )
        try:
            with transaction.atomic():
                return SavedQueueFilter.objects.create(
                    user_id=actor.user_id, name=name, query=query
                )
        except IntegrityError:  # saved at the same moment in another tab
            return SavedQueueFilter.objects.get(user_id=actor.user_id, name=name)


def saved_queue_filter_delete(*, actor: Viewer, filter_id) -> None:
    """Delete one of the actor's own saved filters; NotFound for anyone else's."""
    deleted, _n = SavedQueueFilter.objects.filter(
        pk=as_id(filter_id), user_id=actor.user_id or 0
    ).delete()
    if not deleted:
        raise NotFound(_("Not found."))
