"""The Platform31 phases: checklist items ticked by hand, and moving phase."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.cases import events
from wijkregie.cases.models import (
    MANAGE_PARTICIPANTS,
    Case,
    PhaseCheck,
)
from wijkregie.cases.selectors import (
    _agreements,
    _meetings,
    _participants,
    phase_checklist,
)
from wijkregie.cases.services._common import (
    _audit,
    _case_for,
    _open,
    _text,
)
from wijkregie.cases.workflows import (
    AUTO_ITEMS,
    PHASE_ITEMS,
    Phase,
)
from wijkregie.core.access import Viewer
from wijkregie.core.ids import parse_id

# --- Phases ---------------------------------------------------------------------------------


def phase_item_tick(*, actor: Viewer, case_id, item: str, note: str = "", now=None) -> PhaseCheck:
    """Tick a checklist item by hand, with a note. Items the data proves tick themselves
    and cannot be ticked by hand. Needs `cases.manage_participants` (coordinator, chair)."""
    now = now or timezone.now()
    note = _text(note, field="note", max_length=2000, required=True)
    manual = {i for items in PHASE_ITEMS.values() for i, _label in items} - AUTO_ITEMS
    if item in AUTO_ITEMS:
        raise ValidationError({"item": _("This item ticks itself when the case shows it.")})
    if item not in manual:
        raise ValidationError({"item": _("Choose one of the options.")})
    with transaction.atomic():
        case = _case_for(actor, case_id, MANAGE_PARTICIPANTS)
        check, created = PhaseCheck.objects.get_or_create(
            case=case, item=item, defaults={"note": note, "ticked_by_label": actor.label[:200]}
        )
        if not created:
            raise ValidationError({"item": _("This item has been ticked already.")})
        events.phase_item_ticked_event(
            case=case, actor=actor, organisation_id=None, at=now, item=item
        )
    return check


def phase_move(
    *, actor: Viewer, case_id, to_phase, note: str, skip_reason: str = "", now=None
) -> Case:
    """Move the case to another phase: a deliberate act with a note. Leaving a phase with
    unfinished items needs a reason; the items skipped and the reason are on the timeline.
    Needs `cases.manage_participants` (coordinator, chair)."""
    now = now or timezone.now()
    note = _text(note, field="note", max_length=2000, required=True)
    skip_reason = _text(skip_reason, field="skip_reason", max_length=2000)
    to_phase = parse_id(to_phase)
    if to_phase not in Phase.values:
        raise ValidationError({"to_phase": _("Choose one of the options.")})
    with transaction.atomic():
        case = _case_for(actor, case_id, MANAGE_PARTICIPANTS)
        _open(case)
        if to_phase == case.phase:
            raise ValidationError({"to_phase": _("The case is in this phase already.")})
        unfinished = []
        if to_phase > case.phase:
            unfinished = [
                i.label
                for i in phase_checklist(
                    case=case,
                    participants=_participants(case),
                    agreements=_agreements(case),
                    meetings=_meetings(case),
                )
                if not i.done
            ]
        if unfinished and not skip_reason:
            raise ValidationError(
                {
                    "skip_reason": _(
                        "Not done yet in this phase: %(items)s. Give a reason to move on anyway."
                    )
                    % {"items": ", ".join(unfinished)}
                }
            )
        from_phase = case.phase
        case.phase = to_phase
        case.save(update_fields=["phase", "updated_at"])
        events.phase_moved_event(
            case=case,
            actor=actor,
            organisation_id=None,
            at=now,
            from_phase=from_phase,
            to_phase=to_phase,
            note=note,
            skipped=unfinished,
            reason=skip_reason if unfinished else "",
        )
        _audit(actor, case, "update", "cases.case", [case.pk], ["phase"])
    return case
