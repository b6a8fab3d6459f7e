"""Escalations: a question from the table to the tactical or strategic level of the
organisations at it, answered there and taken back down to the table."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.cases import events
from wijkregie.cases.models import (
    CHANGE_CASE,
    TEXT_MAX_LENGTH,
    Case,
    Escalation,
    EscalationAddressee,
)
from wijkregie.cases.selectors import escalation_levels_above, escalation_reach
from wijkregie.cases.services._common import _audit, _case_for, _open, _person_label, _text
from wijkregie.cases.services.agreements import _acting_on_case
from wijkregie.cases.workflows import EscalationStatus
from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import NotFound, PermissionDenied
from wijkregie.core.ids import parse_id
from wijkregie.partners.models import MandateLevel


def escalation_raise(
    *,
    actor: Viewer,
    case_id,
    level: str,
    question: str,
    organisation_id=None,
    now: datetime | None = None,
) -> Escalation:
    """Take a question from the table to a higher mandate level.

    Needs `cases.change_case` on the case (coordinator, chair, handler). The level lies
    above the case's own; the escalation is addressed to the people of the participating
    organisations who hold that mandate level (or a higher one), fixed now. A level
    nobody at the table's organisations holds is refused, in words.
    """
    now = now or timezone.now()
    question = _text(question, field="question", max_length=TEXT_MAX_LENGTH, required=True)
    if level not in MandateLevel.values:
        raise ValidationError({"level": _("Choose one of the options.")})
    with transaction.atomic():
        case = _case_for(actor, case_id, CHANGE_CASE)
        _open(case)
        if level not in escalation_levels_above(case.level):
            raise ValidationError(
                {
                    "level": _(
                        "This case is handled at %(level)s level; an escalation goes to a "
                        "higher level."
                    )
                    % {"level": MandateLevel(case.level).label.lower()}
                }
            )
        acting = _acting_on_case(actor, case, organisation_id)
        reach = escalation_reach(case=case, level=level, exclude_user_id=actor.user_id)
        if not reach:
            raise ValidationError(
                {
                    "level": _(
                        "Nobody at the organisations of this table holds a %(level)s "
                        "mandate, so the question would reach no one. Ask the "
                        "organisations to record who holds that mandate."
                    )
                    % {"level": MandateLevel(level).label.lower()}
                }
            )
        escalation = Escalation.objects.create(
            case=case,
            level=level,
            question=question,
            asked_by_id=actor.user_id,
            asked_by_label=actor.label[:200],
            asked_by_organisation_id=acting,
            created_at=now,
            updated_at=now,
        )
        EscalationAddressee.objects.bulk_create(
            [
                EscalationAddressee(
                    escalation=escalation,
                    user_id=m.user_id,
                    organisation_id=m.organisation_id,
                    mandate_level=m.mandate_level,
                )
                for m in reach
            ],
            ignore_conflicts=True,
        )
        events.escalated_event(
            case=case,
            actor=actor,
            organisation_id=acting,
            at=now,
            escalation_id=escalation.pk,
            level=level,
            addressees=[f"{_person_label(m.user)} ({m.organisation.name})" for m in reach][:20],
        )
        _audit(actor, case, "create", "cases.escalation", [escalation.pk], ["question", "level"])
    return escalation


def _escalation_locked(escalation_id) -> Escalation:
    escalation = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(pk=parse_id(escalation_id) or 0)
        .first()
    )
    if escalation is None:
        raise NotFound(_("Not found."))
    return escalation


def escalation_answer(
    *, actor: Viewer, escalation_id, answer: str, now: datetime | None = None
) -> Escalation:
    """Answer an escalation addressed to the actor; the answer goes back down to the
    table (timeline). Answered once: a second answer is refused, the first one stays."""
    now = now or timezone.now()
    answer = _text(answer, field="answer", max_length=TEXT_MAX_LENGTH, required=True)
    with transaction.atomic():
        escalation = _escalation_locked(escalation_id)
        mine = [
            a
            for a in escalation.addressees.all()
            if a.user_id == actor.user_id and a.organisation_id in actor.organisation_ids
        ]
        if not mine:
            sees_case = Case.objects.visible_to(actor).filter(pk=escalation.case_id).exists()
            if not sees_case:
                raise NotFound(_("Not found."))
            raise PermissionDenied(_("This escalation is not addressed to you."))
        if escalation.status != EscalationStatus.OPEN:
            raise ValidationError(
                {"answer": _("This escalation has been answered already; see the answer.")}
            )
        escalation.status = EscalationStatus.ANSWERED
        escalation.answer = answer
        escalation.answered_by_id = actor.user_id
        escalation.answered_by_label = actor.label[:200]
        escalation.answered_by_organisation_id = mine[0].organisation_id
        escalation.answered_at = now
        escalation.updated_at = now
        escalation.save()
        events.escalation_answered_event(
            case=escalation.case,
            actor=actor,
            organisation_id=mine[0].organisation_id,
            at=now,
            escalation_id=escalation.pk,
            level=escalation.level,
        )
        _audit(actor, escalation.case, "update", "cases.escalation", [escalation.pk], ["answer"])
    return escalation


def escalation_close(
    *, actor: Viewer, case_id, escalation_id, now: datetime | None = None
) -> Escalation:
    """The table takes the answer up: the escalation no longer waits for anyone. Needs
    `cases.change_case` on the case."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _case_for(actor, case_id, CHANGE_CASE)
        escalation = _escalation_locked(escalation_id)
        if escalation.case_id != case.pk:
            raise NotFound(_("Not found."))
        if escalation.status != EscalationStatus.ANSWERED:
            raise ValidationError(
                {
                    "escalation": _("This escalation has not been answered yet.")
                    if escalation.status == EscalationStatus.OPEN
                    else _("The table has taken this answer up already.")
                }
            )
        escalation.status = EscalationStatus.CLOSED
        escalation.closed_at = now
        escalation.updated_at = now
        escalation.save(update_fields=["status", "closed_at", "updated_at"])
        events.escalation_closed_event(
            case=case,
            actor=actor,
            organisation_id=None,
            at=now,
            escalation_id=escalation.pk,
            level=escalation.level,
        )
        _audit(actor, case, "update", "cases.escalation", [escalation.pk], ["status"])
    return escalation
