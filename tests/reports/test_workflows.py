"""The status table, walked completely (Signalen tests/test_workflow.py)."""

import itertools

import pytest

from tests.reports.factories import submit
from wijkregie.core.exceptions import ApplicationError
from wijkregie.reports import services
from wijkregie.reports.models import Report, ReportStatusChange
from wijkregie.reports.workflows import (
    ALLOWED_TRANSITIONS,
    DEFAULT_RESIDENT_TEXTS,
    ReportStatus,
    is_transition_allowed,
)

S = ReportStatus
EXPECTED = {
    (S.RECEIVED, S.IN_TRIAGE),
    (S.IN_TRIAGE, S.FORWARDED),
    (S.IN_TRIAGE, S.LINKED_TO_CASE),
    (S.IN_TRIAGE, S.RESOLVED),
    (S.IN_TRIAGE, S.REJECTED),
    (S.FORWARDED, S.IN_TRIAGE),
    (S.LINKED_TO_CASE, S.RESOLVED),
    (S.RESOLVED, S.IN_TRIAGE),
}
ALL_PAIRS = list(itertools.product(ReportStatus.values, repeat=2))
FORBIDDEN = [pair for pair in ALL_PAIRS if pair not in EXPECTED]

# How to bring a fresh report into each status, through the services.
PATHS = {
    S.RECEIVED: [],
    S.IN_TRIAGE: ["in_triage"],
    S.FORWARDED: ["in_triage", "forward"],
    S.LINKED_TO_CASE: ["in_triage", "linked_to_case"],
    S.RESOLVED: ["in_triage", "resolved"],
    S.REJECTED: ["in_triage", "rejected"],
}


def test_table_is_exactly_the_domain_table():
    table = {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == EXPECTED


def test_every_status_has_a_resident_text():
    assert set(DEFAULT_RESIDENT_TEXTS) == set(ReportStatus.values)


def _bring(world, status):
    """A report in `status`; returns it and the viewer of its current intake."""
    report = submit(world).report
    viewer = world.viewer("intake")
    for step in PATHS[status]:
        if step == "forward":
            services.report_forward(
                actor=viewer, report_id=report.pk, to_organisation_id=world.police.pk
            )
            viewer = world.viewer("police_intake")
        elif step == "linked_to_case":
            # Only a case links a report (cases.services.case_report_link calls this).
            services.report_case_link(actor=viewer, report_id=report.pk, case_id=1)
        else:
            services.report_status_change(
                actor=viewer, report_id=report.pk, to_status=step, reason="Reden."
            )
    report.refresh_from_db()
    assert report.status == status
    return report, viewer


def _apply(world, report, viewer, to_status):
    if to_status == S.FORWARDED:
        target = (
            world.enforcement
            if report.receiving_organisation_id == world.police.pk
            else world.police
        )
        return services.report_forward(
            actor=viewer, report_id=report.pk, to_organisation_id=target.pk
        )
    if to_status == S.LINKED_TO_CASE and is_transition_allowed(report.status, to_status):
        return services.report_case_link(actor=viewer, report_id=report.pk, case_id=1)
    return services.report_status_change(
        actor=viewer, report_id=report.pk, to_status=to_status, reason="Reden."
    )


@pytest.mark.parametrize(("from_status", "to_status"), sorted(EXPECTED))
def test_allowed_transition(world, from_status, to_status):
    assert is_transition_allowed(from_status, to_status)
    report, viewer = _bring(world, from_status)
    _apply(world, report, viewer, to_status)
    report.refresh_from_db()
    assert report.status == to_status
    last = ReportStatusChange.objects.filter(report=report).last()
    assert (last.from_status, last.to_status) == (from_status, to_status)


@pytest.mark.parametrize(("from_status", "to_status"), sorted(FORBIDDEN))
def test_forbidden_transition(world, from_status, to_status):
    assert not is_transition_allowed(from_status, to_status)
    report, viewer = _bring(world, from_status)
    rows = ReportStatusChange.objects.filter(report=report).count()
    with pytest.raises(ApplicationError):
        _apply(world, report, viewer, to_status)
    assert Report.objects.get(pk=report.pk).status == from_status
    assert ReportStatusChange.objects.filter(report=report).count() == rows
