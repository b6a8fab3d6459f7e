"""Timeline-entry writers, one small function per event type (`core.timeline`).

Called by services inside their transaction. Parameters hold ids and short labels
(organisation names, a reason given for the regie), never a reporter and never residents'
data.
"""

from wijkregie.cases.models import Case, CaseEvent, CaseEventType
from wijkregie.core.access import Viewer
from wijkregie.core.timeline import event_record


def _write(*, case: Case, type: str, actor: Viewer | None, organisation_id, at, parameters):
    return event_record(
        CaseEvent,
        case=case,
        type=type,
        actor=actor,
        at=at,
        parameters=parameters,
        organisation_id=organisation_id,
    )


def case_opened_event(*, case: Case, actor, organisation_id, at) -> CaseEvent:
    return _write(
        case=case,
        type=CaseEventType.OPENED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"kind": case.kind, "level": case.level},
    )


def subcase_opened_event(*, case: Case, actor, organisation_id, at, subcase_id) -> CaseEvent:
    return _write(
        case=case,
        type=CaseEventType.SUBCASE_OPENED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"subcase_id": subcase_id},
    )


def participant_added_event(
    *, case: Case, actor, organisation_id, at, participant_id, role, organisation_name, person
) -> CaseEvent:
    return _write(
        case=case,
        type=CaseEventType.PARTICIPANT_ADDED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={
            "participant_id": participant_id,
            "role": role,
            "organisation": organisation_name,
            "person": person,
        },
    )


def participant_ended_event(
    *, case: Case, actor, organisation_id, at, participant_id, organisation_name, person
) -> CaseEvent:
    return _write(
        case=case,
        type=CaseEventType.PARTICIPANT_ENDED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={
            "participant_id": participant_id,
            "organisation": organisation_name,
            "person": person,
        },
    )


def regie_moved_event(
    *, case: Case, actor, organisation_id, at, from_name, to_name, to_person, reason
) -> CaseEvent:
    return _write(
        case=case,
        type=CaseEventType.REGIE_MOVED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"from": from_name, "to": to_name, "to_person": to_person, "reason": reason},
    )


def report_linked_event(*, case: Case, actor, organisation_id, at, report_id) -> CaseEvent:
    return _write(
        case=case,
        type=CaseEventType.REPORT_LINKED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"report_id": report_id},
    )


def agreement_recorded_event(
    *, case: Case, actor, organisation_id, at, agreement_id, topic, whose, status
) -> CaseEvent:
    return _write(
        case=case,
        type=CaseEventType.AGREEMENT_RECORDED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={
            "agreement_id": agreement_id,
            "topic": topic,
            "organisation": whose,
            "status": status,
        },
    )


def agreement_answered_event(
    *, case: Case, actor, organisation_id, at, agreement_id, topic, whose, status
) -> CaseEvent:
    return _write(
        case=case,
        type=CaseEventType.AGREEMENT_ANSWERED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={
            "agreement_id": agreement_id,
            "topic": topic,
            "organisation": whose,
            "status": status,
        },
    )


def action_event(*, case: Case, actor, organisation_id, at, type, action_id, status) -> CaseEvent:
    return _write(
        case=case,
        type=type,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"action_id": action_id, "status": status},
    )


def meeting_scheduled_event(*, case: Case, actor, organisation_id, at, meeting_id, starts_at):
    return _write(
        case=case,
        type=CaseEventType.MEETING_SCHEDULED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"meeting_id": meeting_id, "starts_at": starts_at.isoformat()},
    )


def decision_recorded_event(
    *, case: Case, actor, organisation_id, at, decision_id, outside_mandate
) -> CaseEvent:
    return _write(
        case=case,
        type=CaseEventType.DECISION_RECORDED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"decision_id": decision_id, "outside_mandate": outside_mandate},
    )


def phase_item_ticked_event(*, case: Case, actor, organisation_id, at, item) -> CaseEvent:
    return _write(
        case=case,
        type=CaseEventType.PHASE_ITEM_TICKED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"item": item},
    )


def phase_moved_event(
    *, case: Case, actor, organisation_id, at, from_phase, to_phase, note, skipped, reason
) -> CaseEvent:
    return _write(
        case=case,
        type=CaseEventType.PHASE_MOVED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={
            "from": from_phase,
            "to": to_phase,
            "note": note,
            "skipped": skipped,
            "reason": reason,
        },
    )


def escalated_event(*, case: Case, actor, organisation_id, at, escalation_id, level, addressees):
    return _write(
        case=case,
        type=CaseEventType.ESCALATED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"escalation_id": escalation_id, "level": level, "addressees": addressees},
    )


def escalation_answered_event(*, case: Case, actor, organisation_id, at, escalation_id, level):
    return _write(
        case=case,
        type=CaseEventType.ESCALATION_ANSWERED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"escalation_id": escalation_id, "level": level},
    )


def escalation_closed_event(*, case: Case, actor, organisation_id, at, escalation_id, level):
    return _write(
        case=case,
        type=CaseEventType.ESCALATION_CLOSED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"escalation_id": escalation_id, "level": level},
    )


def fragment_added_event(*, case: Case, actor, organisation_id, at, fragment_id, kind, title):
    """Only for a fragment all participants see (the timeline is everyone's)."""
    return _write(
        case=case,
        type=CaseEventType.FRAGMENT_ADDED,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"fragment_id": fragment_id, "kind": kind, "title": title},
    )


def minutes_sent_event(*, case: Case, actor, organisation_id, at, meeting_id):
    return _write(
        case=case,
        type=CaseEventType.MINUTES_SENT,
        actor=actor,
        organisation_id=organisation_id,
        at=at,
        parameters={"meeting_id": meeting_id},
    )
