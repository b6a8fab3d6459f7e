"""Report statuses and the transitions between them (plain data; DOMAIN.md "Reports").

`report_status_change` and `report_forward` in services.py are the only code that
changes a report's status; they check `ALLOWED_TRANSITIONS` and the reopen limit.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_TRIAGE = "in_triage", _("In triage")
    FORWARDED = "forwarded", _("Forwarded")
    LINKED_TO_CASE = "linked_to_case", _("Linked to a case")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")


S = ReportStatus

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.IN_TRIAGE}),
    S.IN_TRIAGE: frozenset({S.FORWARDED, S.LINKED_TO_CASE, S.RESOLVED, S.REJECTED}),
    # The organisation the report was forwarded to takes it into its own triage; it may
    # forward it again (BRIEF 3: "forwarding to another organisation").
    S.FORWARDED: frozenset({S.IN_TRIAGE}),
    # A case takes over the handling; the report is resolved when the case says so.
    S.LINKED_TO_CASE: frozenset({S.RESOLVED}),
    # The one reopen (DOMAIN.md): a resolved report may go back to triage once
    # (MAX_REOPENS); rejected is final.
    S.RESOLVED: frozenset({S.IN_TRIAGE}),
    S.REJECTED: frozenset(),
}

# How often a resolved report may be reopened.
MAX_REOPENS = 1

# Statuses in which the receiving organisation still owes the reporter an answer: only
# these become late (`Report.lateness`).
OPEN_STATUSES: frozenset[str] = frozenset({S.RECEIVED, S.IN_TRIAGE, S.FORWARDED})

# Statuses that close the report (`Report.closed_at` is set; retention counts from it).
CLOSED_STATUSES: frozenset[str] = frozenset({S.RESOLVED, S.REJECTED})

# The resident-facing text (ZGW "statustekst") each status carries by default, in plain
# language (B1). Intake may replace it per change.
DEFAULT_RESIDENT_TEXTS: dict[str, str] = {
    S.RECEIVED: _("We have received your report. We will look at it soon."),
    S.IN_TRIAGE: _("We are looking at your report and deciding who will handle it."),
    S.FORWARDED: _(
        "We have passed your report on to the organisation that can do something about it."
    ),
    S.LINKED_TO_CASE: _(
        "Your report is part of a wider approach to problems in your building. "
        "We are working on it together with other organisations."
    ),
    S.RESOLVED: _("We have dealt with your report. Thank you for letting us know."),
    S.REJECTED: _("We will not take further action on your report. The reason is below."),
}


def is_transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED_TRANSITIONS.get(from_status, frozenset())


def default_resident_text(status: str) -> str:
    return str(DEFAULT_RESIDENT_TEXTS[status])


def is_reopen(from_status: str, to_status: str) -> bool:
    return from_status == S.RESOLVED and to_status == S.IN_TRIAGE
