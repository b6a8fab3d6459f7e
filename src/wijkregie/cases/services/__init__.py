"""Every write to cases, one module per topic; this package names them all.

Plain functions, keyword-only, `actor` first, one transaction each; permission checked on
the case (roles on it, `cases/roles.py`), timeline written (`events.py`) and the change
audited with the case as context. Missing and forbidden cases are both `NotFound`; a case
the actor sees but may not change this way is `PermissionDenied`.
"""

from wijkregie.cases.services._common import REASON_MAX_LENGTH
from wijkregie.cases.services.actions import (
    REMINDER_DAYS_BEFORE,
    EditConflict,
    action_create,
    action_reminders_queue,
    action_update,
)
from wijkregie.cases.services.agreements import agreement_answer, agreement_record
from wijkregie.cases.services.escalations import (
    escalation_answer,
    escalation_close,
    escalation_raise,
)
from wijkregie.cases.services.fragments import fragment_add
from wijkregie.cases.services.linking import case_report_link
from wijkregie.cases.services.meetings import (
    agenda_item_add,
    agenda_item_remove,
    decision_record,
    meeting_attendance_set,
    meeting_minutes_send,
    meeting_minutes_set,
    meeting_schedule,
)
from wijkregie.cases.services.opening import case_open
from wijkregie.cases.services.participants import (
    case_participant_add,
    case_participant_end,
    case_regie_move,
)
from wijkregie.cases.services.phases import phase_item_tick, phase_move

__all__ = [
    "REASON_MAX_LENGTH",
    "REMINDER_DAYS_BEFORE",
    "EditConflict",
    "action_create",
    "action_reminders_queue",
    "action_update",
    "agenda_item_add",
    "agenda_item_remove",
    "agreement_answer",
    "agreement_record",
    "case_open",
    "case_participant_add",
    "case_participant_end",
    "case_regie_move",
    "case_report_link",
    "decision_record",
    "escalation_answer",
    "escalation_close",
    "escalation_raise",
    "fragment_add",
    "meeting_attendance_set",
    "meeting_minutes_send",
    "meeting_minutes_set",
    "meeting_schedule",
    "phase_item_tick",
    "phase_move",
]
