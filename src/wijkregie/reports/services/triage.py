"""Intake's work on a report: status changes, forwarding, category changes."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import ApplicationError, NotFound
from wijkregie.core.ids import as_id
from wijkregie.partners.models import Organisation
from wijkregie.reports import events, tasks
from wijkregie.reports.models import (
    Category,
    Report,
    ReporterIdentity,
    ReportStatusChange,
)
from wijkregie.reports.predicates import RECEIVE_REPORTS
from wijkregie.reports.services.common import (
    INTERNAL_NOTE_MAX_LENGTH,
    RESIDENT_TEXT_MAX_LENGTH,
    _lateness_at,
    _set_due,
    _text,
)
from wijkregie.reports.workflows import (
    CLOSED_STATUSES,
    MAX_REOPENS,
    OPEN_STATUSES,
    ReportStatus,
    default_resident_text,
    is_reopen,
    is_transition_allowed,
)

# --- Triage -------------------------------------------------------------------------------


def _report_for_intake(actor: Viewer, report_id) -> Report:
    """The report, locked, if the actor is intake of its receiving organisation.

    Missing and forbidden give the same NotFound (a probe learns nothing).
    """
    report = Report.objects.select_for_update().filter(pk=as_id(report_id)).first()
    if report is None or not actor.has_perm(RECEIVE_REPORTS, obj=report):
        raise NotFound(_("Not found."))
    return report


def _reporter_email_on_file(report_id: int) -> bool:
    return (
        ReporterIdentity.objects.filter(report_id=report_id, contact_erased_at__isnull=True)
        .exclude(email="")
        .exists()
    )


def _transition(
    *,
    actor: Viewer,
    report: Report,
    to_status: str,
    internal_note: str,
    resident_text: str | None,
    reason: str = "",
    to_organisation_id: int | None = None,
    extra_fields: dict | None = None,
    now: datetime,
) -> ReportStatusChange:
    from_status = report.status
    if not is_transition_allowed(from_status, to_status):
        raise ApplicationError(
            _("A report cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": ReportStatus(from_status).label,
                "to": ReportStatus(to_status).label,
            }
        )
    if is_reopen(from_status, to_status) and report.reopen_count >= MAX_REOPENS:
        raise ApplicationError(_("This report has already been reopened once."))
    internal_note = _text(internal_note, field="internal_note", max_length=INTERNAL_NOTE_MAX_LENGTH)
    reason = _text(reason, field="reason", max_length=RESIDENT_TEXT_MAX_LENGTH)
    if to_status == ReportStatus.REJECTED and not reason:
        raise ValidationError({"reason": _("Give the reason for rejecting this report.")})
    text = _text(resident_text, field="resident_text", max_length=RESIDENT_TEXT_MAX_LENGTH)
    is_default = not text or text == default_resident_text(to_status)
    text = text or default_resident_text(to_status)

    organisation_id = report.receiving_organisation_id
    changed = ["status", "lateness", "closed_at", "updated_at"]
    if is_reopen(from_status, to_status):
        report.reopen_count += 1
        changed.append("reopen_count")
    report.status = to_status
    report.closed_at = now if to_status in CLOSED_STATUSES else None
    report.lateness = _lateness_at(report, now)
    report.updated_at = now
    for name, value in (extra_fields or {}).items():
        setattr(report, name, value)
        changed.append(name)
    report.save(update_fields=changed)
    change = ReportStatusChange.objects.create(
        report=report,
        from_status=from_status,
        to_status=to_status,
        internal_note=internal_note,
        resident_text=text,
        resident_text_is_default=is_default,
        reason=reason,
        actor_id=actor.user_id,
        actor_label=actor.label[:200],
        organisation_id=organisation_id,
        to_organisation_id=to_organisation_id,
        created_at=now,
    )
    if _reporter_email_on_file(report.pk):
        tasks.report_status_notify_reporter.enqueue(status_change_id=change.pk)
    return change


def report_status_change(
    *,
    actor: Viewer,
    report_id: int,
    to_status: str,
    internal_note: str = "",
    resident_text: str | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Report:
    """Move a report along ALLOWED_TRANSITIONS (workflows.py).

    The actor needs `reports.receive_reports` in the receiving organisation (else
    NotFound). A forbidden transition, a second reopen or a rejection without `reason`
    raise and change nothing. Forwarding has its own service (`report_forward`). The
    reporter is e-mailed the resident text if they left an address.
    """
    now = now or timezone.now()
    if to_status not in ReportStatus.values:
        raise ApplicationError(_("Unknown status."))
    if to_status == ReportStatus.FORWARDED:
        raise ApplicationError(_("Forward a report by choosing the organisation to send it to."))
    if to_status == ReportStatus.LINKED_TO_CASE:
        raise ApplicationError(_("Link a report to a case from the case it belongs to."))
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        change = _transition(
            actor=actor,
            report=report,
            to_status=to_status,
            internal_note=internal_note,
            resident_text=resident_text,
            reason=reason,
            now=now,
        )
        _duplicates_follow(actor=actor, parent=report, change=change, now=now)
    return report


def _duplicates_follow(*, actor: Viewer, parent: Report, change, now) -> None:
    """The parent's status change, applied to its open duplicates that may take it: each
    reporter reads the same resident text in their own report (Signalen's parent and
    child reports). A duplicate in another status than the parent's is left alone."""
    children = (
        Report.objects.select_for_update()
        .filter(duplicate_of_id=parent.pk, closed_at__isnull=True)
        .order_by("pk")
    )
    for child in children:
        if not is_transition_allowed(child.status, change.to_status):
            continue
        _transition(
            actor=actor,
            report=child,
            to_status=change.to_status,
            internal_note=_("Follows report %(code)s, of which it is a duplicate.")
            % {"code": parent.tracking_code},
            resident_text=None if change.resident_text_is_default else change.resident_text,
            reason=change.reason,
            now=now,
        )


# Statuses from which a link to a case takes the report into the case's handling (through
# triage, as the transition table requires); a closed report keeps its status.
_LINK_THROUGH_TRIAGE = frozenset({ReportStatus.RECEIVED, ReportStatus.FORWARDED})


def report_case_link(
    *,
    actor: Viewer,
    report_id: int,
    case_id: int,
    now: datetime | None = None,
) -> Report:
    """Record that a case took the report up (called by the cases app's link service).

    The actor needs `reports.receive_reports` in the receiving organisation (else
    NotFound). An open report moves to `linked_to_case` (through `in_triage` when it was
    received or forwarded), with the standard resident text; a report already linked, or
    closed, keeps its status. Either way the timeline says which case took it up. Nothing
    of the reporter travels with it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        if report.status in _LINK_THROUGH_TRIAGE:
            _transition(
                actor=actor,
                report=report,
                to_status=ReportStatus.IN_TRIAGE,
                internal_note="",
                resident_text=None,
                now=now,
            )
        if report.status == ReportStatus.IN_TRIAGE:
            _transition(
                actor=actor,
                report=report,
                to_status=ReportStatus.LINKED_TO_CASE,
                internal_note="",
                resident_text=None,
                now=now,
            )
        events.linked_to_case_event(
            report=report,
            actor=actor,
            organisation_id=report.receiving_organisation_id,
            at=now,
            case_id=case_id,
        )
    return report


def report_forward(
    *,
    actor: Viewer,
    report_id: int,
    to_organisation_id: int,
    internal_note: str = "",
    resident_text: str | None = None,
    now: datetime | None = None,
) -> Report:
    """Pass a report in triage on to another organisation (status `forwarded`).

    The new organisation becomes the receiving organisation; the previous one keeps a
    read-only view (`selectors.report_forwarded_get`: status and resident texts). The
    reporter's identity goes along only if the reporter consented (`consent_to_forward`);
    otherwise the new organisation's intake sees a pseudonym that cannot be joined to its
    own reports of that reporter (reports/pseudonyms.py).
    """
    now = now or timezone.now()
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        to_organisation = Organisation.objects.filter(
            pk=as_id(to_organisation_id), is_active=True
        ).first()
        if to_organisation is None:
            raise ValidationError({"to_organisation": _("Choose an active organisation.")})
        if to_organisation.pk == report.receiving_organisation_id:
            raise ValidationError(
                {"to_organisation": _("This organisation already receives the report.")}
            )
        from_organisation_id = report.receiving_organisation_id
        _transition(
            actor=actor,
            report=report,
            to_status=ReportStatus.FORWARDED,
            internal_note=internal_note,
            resident_text=resident_text,
            to_organisation_id=to_organisation.pk,
            # The assignee belongs to the forwarding organisation.
            extra_fields={"receiving_organisation_id": to_organisation.pk, "assigned_to": None},
            now=now,
        )
        # BRIEF 2: the identity travels only with the reporter's consent.
        moved = ReporterIdentity.objects.filter(
            report_id=report.pk, consent_to_forward=True
        ).update(visible_to_organisation=to_organisation, updated_at=now)
        events.forwarded_event(
            report=report,
            actor=actor,
            organisation_id=from_organisation_id,
            at=now,
            to_organisation_id=to_organisation.pk,
            to_organisation_name=to_organisation.name,
            identity_forwarded=bool(moved),
        )
    return report


def report_category_change(
    *,
    actor: Viewer,
    report_id: int,
    category_id: int,
    internal_note: str = "",
    now: datetime | None = None,
) -> Report:
    """Change the category of an open report; its response target follows the category."""
    now = now or timezone.now()
    internal_note = _text(internal_note, field="internal_note", max_length=INTERNAL_NOTE_MAX_LENGTH)
    with transaction.atomic():
        report = _report_for_intake(actor, report_id)
        category = Category.objects.filter(pk=as_id(category_id), active=True).first()
        if category is None:
            raise ValidationError({"category": _("Choose an active category.")})
        if report.is_closed:
            raise ApplicationError(_("The category of a closed report cannot be changed."))
        if category.pk == report.category_id:
            return report
        old_slug = report.category.slug
        report.category = category
        _set_due(report, category)
        if report.status in OPEN_STATUSES:
            report.lateness = _lateness_at(report, now)
        report.updated_at = now
        report.save(update_fields=["category", "due_at", "very_late_at", "lateness", "updated_at"])
        event = events.category_changed_event(
            report=report,
            actor=actor,
            organisation_id=report.receiving_organisation_id,
            at=now,
            old_slug=old_slug,
            new_slug=category.slug,
        )
        if internal_note:
            event.parameters["internal_note"] = internal_note
            event.save(update_fields=["parameters"])
    return report
