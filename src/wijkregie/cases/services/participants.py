"""Participants of a case and the regie: who sits at the table, in which role."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.cases import events
from wijkregie.cases.models import (
    MANAGE_PARTICIPANTS,
    MOVE_REGIE,
    Case,
    CaseParticipant,
)
from wijkregie.cases.roles import grant_role
from wijkregie.cases.services._common import (
    REASON_MAX_LENGTH,
    _audit,
    _case_for,
    _choice,
    _granting,
    _open,
    _person_label,
    _text,
)
from wijkregie.cases.workflows import (
    SINGLE_ROLES,
    CaseRole,
)
from wijkregie.core.access import Viewer, object_grant_add, object_grant_revoke
from wijkregie.core.ids import parse_id
from wijkregie.partners.models import Membership, Organisation

# --- Participants -------------------------------------------------------------------------


def _participant_add(
    *, actor: Viewer, case: Case, organisation_id, user_id, role: str, now: datetime
) -> CaseParticipant:
    role = _choice(role, CaseRole, field="role")
    organisation = Organisation.objects.filter(pk=parse_id(organisation_id) or 0).first()
    if organisation is None or not organisation.is_active:
        raise ValidationError({"organisation": _("Choose an active organisation.")})
    user = None
    if user_id not in (None, ""):
        membership = (
            Membership.objects.filter(
                user_id=parse_id(user_id) or 0,
                organisation=organisation,
                is_active=True,
                is_service_account=False,
                user__is_active=True,
            )
            .select_related("user")
            .first()
        )
        if membership is None:
            raise ValidationError(
                {"user": _("This person does not work for %(org)s.") % {"org": organisation}}
            )
        user = membership.user
    active = CaseParticipant.objects.active().filter(case=case)
    if active.filter(organisation=organisation, user=user).exists():
        raise ValidationError({"user": _("Already a participant of this case.")})
    if role in SINGLE_ROLES and active.filter(role=role).exists():
        raise ValidationError(
            {
                "role": _("This case already has a %(role)s. Move the regie instead.")
                % {"role": CaseRole(role).label.lower()}
                if role == CaseRole.COORDINATOR
                else _("This case already has a chair.")
            }
        )
    participant = CaseParticipant(
        case=case, organisation=organisation, user=user, role=role, created_at=now
    )
    if user is not None:
        participant.grant = object_grant_add(
            actor=_granting(actor),
            obj=case,
            user_id=user.pk,
            role=grant_role(role),
            organisation_id=organisation.pk,
            valid_from=now,
        )
    try:
        with transaction.atomic():
            participant.save()
    except IntegrityError as exc:
        raise ValidationError({"user": _("Already a participant of this case.")}) from exc
    events.participant_added_event(
        case=case,
        actor=actor,
        organisation_id=organisation.pk,
        at=now,
        participant_id=participant.pk,
        role=role,
        organisation_name=organisation.name,
        person=_person_label(user),
    )
    return participant


def _participant_role_set(
    *, actor: Viewer, case: Case, participant: CaseParticipant, role: str, now: datetime
) -> None:
    if participant.grant_id:
        object_grant_revoke(actor=_granting(actor), grant_id=participant.grant_id, now=now)
    participant.role = role
    participant.grant = None
    if participant.user_id:
        participant.grant = object_grant_add(
            actor=_granting(actor),
            obj=case,
            user_id=participant.user_id,
            role=grant_role(role),
            organisation_id=participant.organisation_id,
            valid_from=now,
        )
    participant.updated_at = now
    participant.save(update_fields=["role", "grant", "updated_at"])


def case_participant_add(
    *,
    actor: Viewer,
    case_id,
    organisation_id,
    user_id=None,
    role: str = CaseRole.INVOLVED,
    now: datetime | None = None,
) -> CaseParticipant:
    """Add an organisation (with a named person, or as such) to the case with a role.

    Needs `cases.manage_participants` (coordinator, chair). A person must work for the
    organisation; a person named twice, a second coordinator or chair is refused (the
    coordinator changes with `case_regie_move`).
    """
    now = now or timezone.now()
    with transaction.atomic():
        case = _case_for(actor, case_id, MANAGE_PARTICIPANTS)
        _open(case)
        participant = _participant_add(
            actor=actor,
            case=case,
            organisation_id=organisation_id,
            user_id=user_id,
            role=role,
            now=now,
        )
        _audit(actor, case, "create", "cases.caseparticipant", [participant.pk], ["role"])
    return participant


def case_participant_end(*, actor: Viewer, case_id, participant_id, now=None) -> CaseParticipant:
    """Take a participant off the case (their role on it ends). The coordinator stays
    until the regie has moved."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _case_for(actor, case_id, MANAGE_PARTICIPANTS)
        participant = (
            CaseParticipant.objects.active()
            .select_related("organisation", "user")
            .filter(case=case, pk=parse_id(participant_id) or 0)
            .first()
        )
        if participant is None:
            raise ValidationError({"participant": _("This is not a participant of the case.")})
        if participant.role == CaseRole.COORDINATOR:
            raise ValidationError(
                {"participant": _("Move the regie to another participant first.")}
            )
        if participant.grant_id:
            object_grant_revoke(actor=_granting(actor), grant_id=participant.grant_id, now=now)
        participant.ended_at = now
        participant.updated_at = now
        participant.save(update_fields=["ended_at", "updated_at"])
        events.participant_ended_event(
            case=case,
            actor=actor,
            organisation_id=participant.organisation_id,
            at=now,
            participant_id=participant.pk,
            organisation_name=participant.organisation.name,
            person=_person_label(participant.user),
        )
        _audit(actor, case, "update", "cases.caseparticipant", [participant.pk], ["ended_at"])
    return participant


def case_regie_move(
    *, actor: Viewer, case_id, to_participant_id, reason: str, now: datetime | None = None
) -> Case:
    """Move the regie (the coordinator role) to another participant, with a reason.

    Needs `cases.move_regie` (the coordinator). The previous coordinator stays on the case
    as handler. The move is on the timeline and in the case's header.
    """
    now = now or timezone.now()
    reason = _text(reason, field="reason", max_length=REASON_MAX_LENGTH, required=True)
    with transaction.atomic():
        case = _case_for(actor, case_id, MOVE_REGIE)
        _open(case)
        active = (
            CaseParticipant.objects.active()
            .filter(case=case)
            .select_related("organisation", "user")
        )
        target = active.filter(pk=parse_id(to_participant_id) or 0).first()
        if target is None:
            raise ValidationError({"to_participant": _("Choose a participant of this case.")})
        if target.role == CaseRole.COORDINATOR:
            raise ValidationError({"to_participant": _("This participant holds the regie.")})
        current = active.filter(role=CaseRole.COORDINATOR).first()
        from_name = case.regie_organisation.name if case.regie_organisation_id else ""
        if current is not None:
            _participant_role_set(
                actor=actor, case=case, participant=current, role=CaseRole.HANDLER, now=now
            )
        _participant_role_set(
            actor=actor, case=case, participant=target, role=CaseRole.COORDINATOR, now=now
        )
        case.regie_organisation_id = target.organisation_id
        case.regie_since = now
        case.regie_reason = reason
        case.updated_at = now
        case.save(update_fields=["regie_organisation", "regie_since", "regie_reason", "updated_at"])
        events.regie_moved_event(
            case=case,
            actor=actor,
            organisation_id=(actor.primary_grant.organisation_id if actor.primary_grant else None),
            at=now,
            from_name=from_name,
            to_name=target.organisation.name,
            to_person=_person_label(target.user),
            reason=reason,
        )
        _audit(actor, case, "update", "cases.case", [case.pk], ["regie_organisation"])
    return case
