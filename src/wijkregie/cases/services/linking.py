"""Linking reports to a case (the report moves to `linked_to_case` through the
reports services)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.cases import events
from wijkregie.cases.models import (
    LINK_REPORT,
    CaseReport,
)
from wijkregie.cases.services._common import (
    _audit,
    _case_for,
    _open,
    _text,
)
from wijkregie.core.access import Viewer
from wijkregie.core.ids import parse_id
from wijkregie.reports import services as report_services
from wijkregie.reports.models import Report

# --- Reports ---------------------------------------------------------------------------------


def case_report_link(
    *, actor: Viewer, case_id, report_id, note: str = "", now: datetime | None = None
) -> CaseReport:
    """Link a report to the case (a report may be on several cases).

    The actor needs `cases.link_report` on the case and must be intake of the
    organisation receiving the report; the report lies in the case's building. The report
    moves to "linked to a case" through `reports.services.report_case_link` (the resident
    sees that status's text). Only the report travels, never its reporter.
    """
    now = now or timezone.now()
    note = _text(note, field="note", max_length=2000)
    with transaction.atomic():
        case = _case_for(actor, case_id, LINK_REPORT)
        _open(case)
        report = Report.objects.visible_to(actor).filter(pk=parse_id(report_id) or 0).first()
        if report is None:
            raise ValidationError({"report": _("Choose a report your organisation receives.")})
        if report.building_id != case.building_id:
            raise ValidationError({"report": _("This report is about another building.")})
        if CaseReport.objects.filter(case=case, report=report).exists():
            raise ValidationError({"report": _("This report is already linked to the case.")})
        report_services.report_case_link(actor=actor, report_id=report.pk, case_id=case.pk, now=now)
        link = CaseReport.objects.create(
            case=case,
            report=report,
            linked_by_organisation_id=report.receiving_organisation_id,
            linked_by_label=actor.label[:200],
            note=note,
            created_at=now,
            updated_at=now,
        )
        events.report_linked_event(
            case=case,
            actor=actor,
            organisation_id=report.receiving_organisation_id,
            at=now,
            report_id=report.pk,
        )
        _audit(actor, case, "create", "cases.casereport", [link.pk], ["report"])
    return link
