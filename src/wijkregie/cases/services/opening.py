"""Opening a case or a sub-case."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.cases import events
from wijkregie.cases.models import (
    OPEN_CASE,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Case,
    CaseParticipant,
)
from wijkregie.cases.services._common import (
    _acting_organisation,
    _audit,
    _choice,
    _may,
    _text,
)
from wijkregie.cases.services.participants import _participant_add
from wijkregie.cases.workflows import (
    CaseKind,
    CaseRole,
    Confidentiality,
)
from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import PermissionDenied
from wijkregie.core.ids import parse_id
from wijkregie.partners.models import MandateLevel
from wijkregie.places.models import Building, Unit

# --- Opening a case -------------------------------------------------------------------------


def _may_add_subcase(actor: Viewer, parent: Case, organisation_id: int, confidentiality) -> bool:
    """A participant whose role changes the parent adds sub-cases; a colleague of a
    participating organisation (an investigator who is not at the table) may add a
    restricted one, which the parent's participants then do not see."""
    if _may(actor, "cases.change_case", parent):
        return True
    return (
        confidentiality == Confidentiality.RESTRICTED
        and CaseParticipant.objects.active()
        .filter(case=parent, organisation_id=organisation_id)
        .exists()
    )


def case_open(
    *,
    actor: Viewer,
    building_id,
    title: str,
    goal: str,
    kind: str,
    level: str = MandateLevel.OPERATIONAL,
    confidentiality: str = Confidentiality.NORMAL,
    unit_id=None,
    parent_id=None,
    organisation_id=None,
    now: datetime | None = None,
) -> Case:
    """Open a case on a building (and optionally one home) with a goal.

    The actor needs `cases.open_case` in the organisation they act for; that
    organisation takes the regie and the actor becomes its coordinator on the case. A
    sub-case (`parent_id`) needs `cases.change_case` on the parent, or, when restricted,
    an organisation that takes part in the parent; it lies in the same building. A
    restricted sub-case is seen only by its own participants.
    """
    now = now or timezone.now()
    title = _text(title, field="title", max_length=TITLE_MAX_LENGTH, required=True)
    goal = _text(goal, field="goal", max_length=TEXT_MAX_LENGTH, required=True)
    kind = _choice(kind, CaseKind, field="kind")
    level = _choice(level, MandateLevel, field="level")
    confidentiality = _choice(confidentiality, Confidentiality, field="confidentiality")
    if not (actor.is_superuser or actor.has_perm(OPEN_CASE)):
        raise PermissionDenied(_("Your roles do not allow opening a case."))
    organisation_id = _acting_organisation(actor, organisation_id, OPEN_CASE)
    with transaction.atomic():
        building = Building.objects.visible_to(actor).filter(pk=parse_id(building_id) or 0).first()
        if building is None:
            raise ValidationError({"building": _("Choose a building you work on.")})
        unit = None
        if unit_id not in (None, ""):
            unit = Unit.objects.filter(pk=parse_id(unit_id) or 0, building=building).first()
            if unit is None:
                raise ValidationError({"unit": _("Choose a home in this building.")})
        parent = None
        if parent_id not in (None, ""):
            parent = Case.objects.select_for_update().filter(pk=parse_id(parent_id) or 0).first()
            if parent is None or not _may_add_subcase(
                actor, parent, organisation_id, confidentiality
            ):
                raise ValidationError(
                    {"parent": _("Choose a case on which you may add a sub-case.")}
                )
            if parent.building_id != building.pk:
                raise ValidationError(
                    {"parent": _("A sub-case lies in the same building as its case.")}
                )
        case = Case.objects.create(
            building=building,
            unit=unit,
            parent=parent,
            title=title,
            goal=goal,
            kind=kind,
            level=level,
            confidentiality=confidentiality,
            regie_organisation_id=organisation_id,
            regie_since=now,
            opened_by_organisation_id=organisation_id,
            created_at=now,
            updated_at=now,
        )
        events.case_opened_event(case=case, actor=actor, organisation_id=organisation_id, at=now)
        _participant_add(
            actor=actor,
            case=case,
            organisation_id=organisation_id,
            user_id=actor.user_id,
            role=CaseRole.COORDINATOR,
            now=now,
        )
        if parent is not None and confidentiality == Confidentiality.NORMAL:
            events.subcase_opened_event(
                case=parent,
                actor=actor,
                organisation_id=organisation_id,
                at=now,
                subcase_id=case.pk,
            )
        _audit(actor, case, "create", "cases.case", [case.pk], ["title", "goal", "unit"])
    return case
