"""Every write to cases: opening, participants and regie, linking reports.

Plain functions, keyword-only, `actor` first, one transaction each; permission checked on
the case (roles on it, `cases/roles.py`), timeline written (`events.py`) and the change
audited with the case as context. Missing and forbidden cases are both `NotFound`; a case
the actor sees but may not change this way is `PermissionDenied`.
"""

import datetime as dt
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.cases import events, tasks
from wijkregie.cases.models import (
    ACTION_MAX_LENGTH,
    LINK_REPORT,
    MANAGE_PARTICIPANTS,
    MOVE_REGIE,
    OPEN_CASE,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    VIEW_CASE,
    ActionReminder,
    AgendaItem,
    Attendance,
    Case,
    CaseAction,
    CaseEventType,
    CaseParticipant,
    CaseReport,
    Decision,
    Meeting,
    PhaseCheck,
    TaskAgreement,
    topic_key,
)
from wijkregie.cases.roles import MANAGE_ACTIONS, MANAGE_MEETINGS, grant_role
from wijkregie.cases.selectors import (
    _agreements,
    _meetings,
    _participants,
    agreement_mismatches,
    case_context,
    case_organisations_of,
    phase_checklist,
)
from wijkregie.cases.workflows import (
    ACTION_OPEN_STATUSES,
    AUTO_ITEMS,
    MANDATE_RANK,
    PHASE_ITEMS,
    SINGLE_ROLES,
    ActionStatus,
    AgendaSource,
    AgreementStatus,
    CaseKind,
    CaseRole,
    CaseStatus,
    Confidentiality,
    Phase,
    ReminderKind,
)
from wijkregie.core.access import Viewer, object_grant_add, object_grant_revoke
from wijkregie.core.audit import audit_record
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.ids import as_id, parse_id
from wijkregie.partners.models import MandateLevel, Membership, Organisation
from wijkregie.places.models import Building, Unit
from wijkregie.reports import services as report_services
from wijkregie.reports.models import Report

REASON_MAX_LENGTH = 2000


def _text(value, *, field: str, max_length: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise ValidationError({field: _("This text contains a character that is not allowed.")})
    if len(text) > max_length:
        raise ValidationError({field: _("At most %(n)d characters, please.") % {"n": max_length}})
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    return text


def _choice(value, choices, *, field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: _("Choose one of the options.")})
    return value


def _may(actor: Viewer, permission: str, case: Case) -> bool:
    return actor.is_superuser or actor.has_perm(permission, obj=case)


def _case_for(actor: Viewer, case_id, permission: str) -> Case:
    """The case, locked; NotFound if the actor may not see it, PermissionDenied if their
    role on it does not include `permission`."""
    case = Case.objects.select_for_update().filter(pk=as_id(case_id)).first()
    if case is None or not _may(actor, VIEW_CASE, case):
        raise NotFound(_("Not found."))
    if permission != VIEW_CASE and not _may(actor, permission, case):
        raise PermissionDenied(_("Your role on this case does not allow this."))
    return case


def _open(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise ApplicationError(_("This case is closed."))


def _acting_organisation(actor: Viewer, organisation_id, permission: str) -> int:
    """The organisation the actor acts for: the one given, or their only one holding
    `permission`; the platform (system) may act for any."""
    if actor.is_superuser:
        if parse_id(organisation_id) is None:
            raise ValidationError({"organisation": _("Choose the organisation.")})
        return parse_id(organisation_id)
    allowed = actor.organisations_with(permission)
    if organisation_id in (None, ""):
        if len(allowed) == 1:
            return next(iter(allowed))
        raise ValidationError({"organisation": _("Choose the organisation you act for.")})
    chosen = parse_id(organisation_id)
    if chosen not in allowed:
        raise ValidationError({"organisation": _("You cannot do this for that organisation.")})
    return chosen


def _granting(actor: Viewer) -> Viewer:
    """The actor as `object_grant_add` sees them once a service has checked the change
    itself: the grant is recorded in their name."""
    return Viewer(
        user_id=actor.user_id,
        label=actor.label,
        grants=actor.grants,
        origin=actor.origin,
        request_id=actor.request_id,
        is_superuser=True,
        extra=actor.extra,
    )


def _person_label(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _audit(actor: Viewer, case: Case, action: str, object_type: str, ids, fields) -> None:
    audit_record(
        viewer=actor,
        action=action,
        object_type=object_type,
        object_ids=ids,
        fields=fields,
        context=case_context(case),
    )


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


# --- Task agreements ------------------------------------------------------------------------


def _acting_on_case(actor: Viewer, case: Case, organisation_id=None) -> int:
    """The organisation the actor takes part in the case for (the one given when they
    take part for several); the platform may name any participating organisation."""
    if actor.is_superuser:
        chosen = parse_id(organisation_id)
        if (
            chosen is None
            or not CaseParticipant.objects.active()
            .filter(case=case, organisation_id=chosen)
            .exists()
        ):
            raise ValidationError({"organisation": _("Choose an organisation on the case.")})
        return chosen
    mine = case_organisations_of(viewer=actor, case=case)
    if organisation_id not in (None, ""):
        chosen = parse_id(organisation_id)
        if chosen not in mine:
            raise ValidationError(
                {"organisation": _("You do not take part in this case for that organisation.")}
            )
        return chosen
    if not mine:
        raise PermissionDenied(_("Only people named on the case can do this."))
    return mine[0]


def agreement_record(
    *,
    actor: Viewer,
    case_id,
    topic: str,
    description: str = "",
    organisation_id=None,
    acting_for=None,
    now: datetime | None = None,
) -> TaskAgreement:
    """Record a task agreement on the case.

    For the actor's own organisation it is taken on (accepted); for another participating
    organisation it is what the actor's organisation expects of it, until that one
    answers; without an organisation it is a topic on the table nobody was asked to take.
    Any participant says what their own organisation takes on; expecting a task of
    another, or putting a topic on the table, needs `cases.change_case`. The same topic
    for the same organisation twice is refused.
    """
    now = now or timezone.now()
    topic = _text(topic, field="topic", max_length=200, required=True)
    description = _text(description, field="description", max_length=2000)
    with transaction.atomic():
        case = _case_for(actor, case_id, VIEW_CASE)
        _open(case)
        acting = _acting_on_case(actor, case, acting_for)
        whose = None
        if organisation_id not in (None, ""):
            whose = Organisation.objects.filter(
                pk=parse_id(organisation_id) or 0,
                pk__in=CaseParticipant.objects.active().filter(case=case).values("organisation_id"),
            ).first()
            if whose is None:
                raise ValidationError(
                    {"organisation": _("Choose an organisation that takes part in the case.")}
                )
        key = topic_key(topic)
        if TaskAgreement.objects.filter(case=case, topic_key=key, organisation=whose).exists():
            raise ValidationError(
                {"topic": _("This topic is already recorded for this organisation.")}
            )
        own = whose is not None and whose.pk == acting
        if not own and not _may(actor, "cases.change_case", case):
            raise PermissionDenied(_("Your role on this case does not allow this."))
        agreement = TaskAgreement.objects.create(
            case=case,
            topic=topic,
            topic_key=key,
            description=description,
            organisation=whose,
            expected_by=None if own else Organisation.objects.get(pk=acting),
            status=AgreementStatus.ACCEPTED if own else AgreementStatus.EXPECTED,
            answered_at=now if own else None,
            created_at=now,
        )
        events.agreement_recorded_event(
            case=case,
            actor=actor,
            organisation_id=acting,
            at=now,
            agreement_id=agreement.pk,
            topic=topic,
            whose=whose.name if whose else "",
            status=agreement.status,
        )
        _audit(actor, case, "create", "cases.taskagreement", [agreement.pk], ["topic", "status"])
    return agreement


def agreement_answer(
    *, actor: Viewer, case_id, agreement_id, accept: bool, note: str = "", now=None
) -> TaskAgreement:
    """The organisation a task is expected of accepts or declines it (with a note).

    Only a person named on the case for that organisation answers; a topic without an
    organisation is taken on by recording it for one's own organisation instead.
    """
    now = now or timezone.now()
    note = _text(note, field="note", max_length=2000)
    with transaction.atomic():
        case = _case_for(actor, case_id, VIEW_CASE)
        _open(case)
        agreement = (
            TaskAgreement.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .filter(case=case, pk=parse_id(agreement_id) or 0)
            .first()
        )
        if agreement is None:
            raise NotFound(_("Not found."))
        if agreement.organisation_id is None:
            raise ValidationError(
                {"agreement": _("Nobody was asked this yet: record it for your organisation.")}
            )
        if not actor.is_superuser and agreement.organisation_id not in case_organisations_of(
            viewer=actor, case=case
        ):
            raise PermissionDenied(
                _("Only %(org)s answers what is expected of it.")
                % {"org": agreement.organisation.name}
            )
        if not accept and not note:
            raise ValidationError({"note": _("Say why your organisation does not take this on.")})
        agreement.status = AgreementStatus.ACCEPTED if accept else AgreementStatus.DECLINED
        agreement.answer_note = note
        agreement.answered_at = now
        agreement.save(update_fields=["status", "answer_note", "answered_at", "updated_at"])
        events.agreement_answered_event(
            case=case,
            actor=actor,
            organisation_id=agreement.organisation_id,
            at=now,
            agreement_id=agreement.pk,
            topic=agreement.topic,
            whose=agreement.organisation.name,
            status=agreement.status,
        )
        _audit(actor, case, "update", "cases.taskagreement", [agreement.pk], ["status"])
    return agreement


# --- Shared actions -------------------------------------------------------------------------

# Reminders: this many days before the due date, and once the day after it has passed.
REMINDER_DAYS_BEFORE = 2


class EditConflict(ApplicationError):
    """Someone else changed the object since the editor loaded it."""


def _date(value, *, field: str) -> dt.date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: _("Give a date, e.g. 2026-12-31.")}) from None


def _owner(case: Case, organisation_id, owner_id):
    """The owner organisation (on the case) and person (named on it for that one)."""
    organisation = Organisation.objects.filter(
        pk=parse_id(organisation_id) or 0,
        pk__in=CaseParticipant.objects.active().filter(case=case).values("organisation_id"),
    ).first()
    if organisation is None:
        raise ValidationError(
            {"owner_organisation": _("Choose an organisation that takes part in the case.")}
        )
    person = None
    if owner_id not in (None, ""):
        participant = (
            CaseParticipant.objects.active()
            .filter(case=case, organisation=organisation, user_id=parse_id(owner_id) or 0)
            .select_related("user")
            .first()
        )
        if participant is None:
            raise ValidationError(
                {
                    "owner": _("Choose a person named on the case for %(org)s.")
                    % {"org": organisation.name}
                }
            )
        person = participant.user
    return organisation, person


def _may_change_action(actor: Viewer, case: Case, action: CaseAction) -> bool:
    if _may(actor, MANAGE_ACTIONS, case):
        return True
    return action.owner_organisation_id in case_organisations_of(viewer=actor, case=case)


def action_create(
    *,
    actor: Viewer,
    case_id,
    description: str,
    owner_organisation_id,
    due_date,
    owner_id=None,
    now: datetime | None = None,
) -> CaseAction:
    """Agree a shared action: what, which organisation (and person) does it, by when.

    Needs `cases.manage_actions`. A due date in the past is allowed: the action is
    overdue at once, and the page says so.
    """
    now = now or timezone.now()
    description = _text(
        description, field="description", max_length=ACTION_MAX_LENGTH, required=True
    )
    due_date = _date(due_date, field="due_date")
    with transaction.atomic():
        case = _case_for(actor, case_id, MANAGE_ACTIONS)
        _open(case)
        organisation, person = _owner(case, owner_organisation_id, owner_id)
        mine = case_organisations_of(viewer=actor, case=case)
        action = CaseAction.objects.create(
            case=case,
            description=description,
            owner_organisation=organisation,
            owner=person,
            due_date=due_date,
            created_by_organisation_id=mine[0] if mine else None,
            created_at=now,
        )
        events.action_event(
            case=case,
            actor=actor,
            organisation_id=mine[0] if mine else None,
            at=now,
            type=CaseEventType.ACTION_CREATED,
            action_id=action.pk,
            status=action.status,
        )
        _audit(actor, case, "create", "cases.caseaction", [action.pk], ["owner", "due_date"])
    return action


def action_update(
    *,
    actor: Viewer,
    case_id,
    action_id,
    version,
    description: str,
    owner_organisation_id,
    due_date,
    status: str,
    outcome: str = "",
    owner_id=None,
    now: datetime | None = None,
) -> CaseAction:
    """Change an action, from the `version` the editor started from.

    Those who manage actions and the owner organisation's people on the case may. When
    someone else changed the action in between, `EditConflict` and nothing is saved:
    the second editor sees the action as it is now and makes their change again.
    """
    now = now or timezone.now()
    description = _text(
        description, field="description", max_length=ACTION_MAX_LENGTH, required=True
    )
    outcome = _text(outcome, field="outcome", max_length=ACTION_MAX_LENGTH)
    status = _choice(status, ActionStatus, field="status")
    due_date = _date(due_date, field="due_date")
    version = parse_id(version)
    if version is None:
        raise ValidationError({"version": _("This form is incomplete: reload the page.")})
    with transaction.atomic():
        case = _case_for(actor, case_id, VIEW_CASE)
        action = (
            CaseAction.objects.select_for_update()
            .filter(case=case, pk=parse_id(action_id) or 0)
            .first()
        )
        if action is None:
            raise NotFound(_("Not found."))
        if not _may_change_action(actor, case, action):
            raise PermissionDenied(_("Your role on this case does not allow this."))
        if action.version != version:
            raise EditConflict(
                _(
                    "Someone else changed this action while you were editing it. Your "
                    "change has not been saved: check the action as it is now, then make "
                    "your change again."
                ),
                extra={"current_version": action.version},
            )
        if status == ActionStatus.DONE and not outcome:
            raise ValidationError({"outcome": _("Say what came of it.")})
        organisation, person = _owner(case, owner_organisation_id, owner_id)
        was = action.status
        action.description = description
        action.owner_organisation = organisation
        action.owner = person
        action.due_date = due_date
        action.status = status
        action.outcome = outcome
        action.done_at = now if status == ActionStatus.DONE else None
        action.version = version + 1
        action.updated_at = now
        # The version in the WHERE as well: no lost update even without the row lock.
        changed = CaseAction.objects.filter(pk=action.pk, version=version).update(
            description=description,
            owner_organisation=organisation,
            owner=person,
            due_date=due_date,
            status=status,
            outcome=outcome,
            done_at=action.done_at,
            version=version + 1,
            updated_at=now,
        )
        if changed != 1:
            raise EditConflict(_("Someone else changed this action. Reload the page."))
        mine = case_organisations_of(viewer=actor, case=case)
        events.action_event(
            case=case,
            actor=actor,
            organisation_id=mine[0] if mine else None,
            at=now,
            type=CaseEventType.ACTION_DONE
            if status == ActionStatus.DONE and was != ActionStatus.DONE
            else CaseEventType.ACTION_CHANGED,
            action_id=action.pk,
            status=status,
        )
        _audit(actor, case, "update", "cases.caseaction", [action.pk], ["status", "outcome"])
    return action


def action_reminders_queue(*, now: datetime | None = None) -> int:
    """Queue the reminders that are due (run it from a scheduler, e.g. every hour).

    Before: from REMINDER_DAYS_BEFORE days ahead of the due date up to the day itself;
    after: once the due date has passed. Each (action, kind, due date) gets one marker
    row (a unique constraint), and only a new marker enqueues its e-mail task, so a
    reminder goes once however often this runs. Returns the number queued.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = CaseAction.objects.filter(
        status__in=ACTION_OPEN_STATUSES,
        case__status=CaseStatus.OPEN,
        due_date__lte=today + dt.timedelta(days=REMINDER_DAYS_BEFORE),
    ).values_list("pk", "due_date")
    queued = 0
    for action_id, due_date in candidates:
        kind = ReminderKind.AFTER if due_date < today else ReminderKind.BEFORE
        with transaction.atomic():
            marker, created = ActionReminder.objects.get_or_create(
                action_id=action_id, kind=kind, due_date=due_date
            )
            if created:
                tasks.action_reminder_notify.enqueue(reminder_id=marker.pk)
                queued += 1
    return queued


# --- Meetings, agenda, attendance, decisions -----------------------------------------------


def _meeting_for(actor: Viewer, case_id, meeting_id, permission: str) -> tuple[Case, Meeting]:
    case = _case_for(actor, case_id, permission)
    meeting = (
        Meeting.objects.select_for_update().filter(case=case, pk=parse_id(meeting_id) or 0).first()
    )
    if meeting is None:
        raise NotFound(_("Not found."))
    return case, meeting


def _agenda_generate(case: Case, meeting: Meeting, now: datetime) -> int:
    """The items that need the table: reports linked since the previous meeting,
    overdue actions, diverging expectations. All of it is the case's own (what every
    participant sees); a restricted sub-case never contributes."""
    previous = (
        Meeting.objects.filter(case=case, starts_at__lt=meeting.starts_at)
        .exclude(pk=meeting.pk)
        .order_by("-starts_at")
        .first()
    )
    links = CaseReport.objects.filter(case=case).select_related("report__category")
    if previous is not None:
        links = links.filter(created_at__gte=previous.starts_at)
    items = [
        (
            AgendaSource.REPORT,
            _("New report #%(id)s: %(category)s")
            % {"id": link.report_id, "category": link.report.category.name_in(None)},
            link.report_id,
        )
        for link in links.order_by("created_at", "id")
    ]
    moment = min(now, meeting.starts_at)
    today = timezone.localdate(moment)
    for action in (
        CaseAction.objects.overdue(today)
        .filter(case=case)
        .select_related("owner_organisation")
        .order_by("due_date", "id")
    ):
        items.append(
            (
                AgendaSource.ACTION,
                _("Overdue action of %(org)s (due %(date)s): %(what)s")
                % {
                    "org": action.owner_organisation.name,
                    "date": action.due_date.isoformat(),
                    "what": action.description[:300],
                },
                action.pk,
            )
        )
    for mismatch in agreement_mismatches(_agreements(case)):
        items.append((AgendaSource.MISMATCH, mismatch.text[:500], None))
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(meeting=meeting, position=n, title=title[:500], source=source, ref_id=ref)
            for n, (source, title, ref) in enumerate(items, start=1)
        ]
    )
    return len(items)


def meeting_schedule(
    *,
    actor: Viewer,
    case_id,
    title: str,
    starts_at: datetime,
    location: str = "",
    held: bool = False,
    now: datetime | None = None,
) -> Meeting:
    """Schedule a meeting; its agenda is generated from what needs the table.

    Needs `cases.manage_meetings` (coordinator, chair). A moment in the past is refused
    unless the meeting is recorded afterwards (`held=True`).
    """
    now = now or timezone.now()
    title = _text(title, field="title", max_length=200, required=True)
    location = _text(location, field="location", max_length=200)
    if not isinstance(starts_at, datetime):
        raise ValidationError({"starts_at": _("Give a date and time.")})
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if starts_at < now and not held:
        raise ValidationError(
            {
                "starts_at": _(
                    "This moment has passed. To record a meeting that took place, say "
                    "that it has been held."
                )
            }
        )
    if starts_at > now and held:
        raise ValidationError({"starts_at": _("A meeting that has been held lies in the past.")})
    with transaction.atomic():
        case = _case_for(actor, case_id, MANAGE_MEETINGS)
        _open(case)
        meeting = Meeting.objects.create(
            case=case, title=title, starts_at=starts_at, location=location, created_at=now
        )
        _agenda_generate(case, meeting, now)
        mine = case_organisations_of(viewer=actor, case=case)
        events.meeting_scheduled_event(
            case=case,
            actor=actor,
            organisation_id=mine[0] if mine else None,
            at=now,
            meeting_id=meeting.pk,
            starts_at=starts_at,
        )
        _audit(actor, case, "create", "cases.meeting", [meeting.pk], ["starts_at"])
    return meeting


def agenda_item_add(*, actor: Viewer, case_id, meeting_id, title: str) -> AgendaItem:
    title = _text(title, field="title", max_length=500, required=True)
    with transaction.atomic():
        _case, meeting = _meeting_for(actor, case_id, meeting_id, MANAGE_MEETINGS)
        last = meeting.agenda.order_by("-position").values_list("position", flat=True).first()
        return AgendaItem.objects.create(
            meeting=meeting, title=title, source=AgendaSource.MANUAL, position=(last or 0) + 1
        )


def agenda_item_remove(*, actor: Viewer, case_id, meeting_id, item_id) -> None:
    with transaction.atomic():
        _case, meeting = _meeting_for(actor, case_id, meeting_id, MANAGE_MEETINGS)
        deleted, _rows = AgendaItem.objects.filter(
            meeting=meeting, pk=parse_id(item_id) or 0
        ).delete()
        if not deleted:
            raise NotFound(_("Not found."))


def meeting_attendance_set(*, actor: Viewer, case_id, meeting_id, user_ids) -> list[Attendance]:
    """Who attended: people named on the case, each with their organisation and the
    mandate of their membership there (copied). Someone who took a decision stays."""
    with transaction.atomic():
        case, meeting = _meeting_for(actor, case_id, meeting_id, MANAGE_MEETINGS)
        wanted = {parse_id(u) for u in user_ids or []}
        if None in wanted:
            raise ValidationError({"attendees": _("Choose people named on the case.")})
        named = {
            p.user_id: p
            for p in CaseParticipant.objects.active()
            .filter(case=case, user_id__in=wanted)
            .order_by("created_at", "id")
        }
        if set(named) != wanted:
            raise ValidationError({"attendees": _("Choose people named on the case.")})
        present = {a.user_id: a for a in meeting.attendance.all()}
        leaving = [a for uid, a in present.items() if uid not in wanted]
        deciders = set(
            Decision.objects.filter(decided_by__in=leaving).values_list(
                "decided_by__user_id", flat=True
            )
        )
        if deciders:
            raise ValidationError(
                {"attendees": _("Someone who took a decision in this meeting was present.")}
            )
        Attendance.objects.filter(pk__in=[a.pk for a in leaving]).delete()
        memberships = {
            (m.user_id, m.organisation_id): m
            for m in Membership.objects.filter(user_id__in=wanted, is_active=True)
        }
        for uid in sorted(wanted - set(present)):
            p = named[uid]
            m = memberships.get((uid, p.organisation_id))
            Attendance.objects.create(
                meeting=meeting,
                user_id=uid,
                organisation_id=p.organisation_id,
                mandate_level=m.mandate_level if m else MandateLevel.OPERATIONAL,
                may_decide_on=m.may_decide_on if m else "",
            )
        _audit(actor, case, "update", "cases.meeting", [meeting.pk], ["attendance"])
    return list(meeting.attendance.select_related("user", "organisation"))


def meeting_minutes_set(*, actor: Viewer, case_id, meeting_id, minutes: str) -> Meeting:
    minutes = _text(minutes, field="minutes", max_length=20000)
    with transaction.atomic():
        case, meeting = _meeting_for(actor, case_id, meeting_id, MANAGE_MEETINGS)
        meeting.minutes = minutes
        meeting.save(update_fields=["minutes", "updated_at"])
        _audit(actor, case, "update", "cases.meeting", [meeting.pk], ["minutes"])
    return meeting


def _outside_mandate(attendance: Attendance, level: str, within: bool) -> str:
    reasons = []
    if MANDATE_RANK[attendance.mandate_level] < MANDATE_RANK[level]:
        reasons.append(
            _("%(person)s has a mandate at %(held)s level; this decision is at %(level)s level.")
            % {
                "person": attendance.person_name,
                "held": MandateLevel(attendance.mandate_level).label.lower(),
                "level": MandateLevel(level).label.lower(),
            }
        )
    if not within:
        reasons.append(
            _("This lies outside what %(person)s may decide on (“%(scope)s”).")
            % {
                "person": attendance.person_name,
                "scope": attendance.may_decide_on or _("nothing recorded"),
            }
        )
    return " ".join(str(r) for r in reasons)


def decision_record(
    *,
    actor: Viewer,
    case_id,
    meeting_id,
    text: str,
    decided_by_user_id,
    level: str | None = None,
    within_may_decide_on: bool = True,
    action: dict | None = None,
    now: datetime | None = None,
) -> Decision:
    """Record a decision of a meeting that has started, by someone present.

    `level` (default: the case's) against the decider's mandate level, and whether it
    falls within what they may decide on: outside either, the decision is recorded and
    flagged, with the reason in words. `action` ({"description", "owner_organisation_id",
    "owner_id", "due_date"}) creates the shared action that follows from it, in the same
    step.
    """
    now = now or timezone.now()
    text = _text(text, field="text", max_length=5000, required=True)
    with transaction.atomic():
        case, meeting = _meeting_for(actor, case_id, meeting_id, MANAGE_MEETINGS)
        level = _choice(level or case.level, MandateLevel, field="level")
        if meeting.starts_at > now:
            raise ValidationError({"text": _("The meeting has not started yet.")})
        attendance = (
            meeting.attendance.select_related("user")
            .filter(user_id=parse_id(decided_by_user_id) or 0)
            .first()
        )
        if attendance is None:
            raise ValidationError(
                {
                    "decided_by": _(
                        "Only someone present at the meeting decides: record who attended first."
                    )
                }
            )
        reason = _outside_mandate(attendance, level, bool(within_may_decide_on))
        decision = Decision.objects.create(
            meeting=meeting,
            text=text,
            decided_by=attendance,
            level=level,
            within_may_decide_on=bool(within_may_decide_on),
            outside_mandate=bool(reason),
            outside_reason=reason,
            created_at=now,
        )
        events.decision_recorded_event(
            case=case,
            actor=actor,
            organisation_id=attendance.organisation_id,
            at=now,
            decision_id=decision.pk,
            outside_mandate=decision.outside_mandate,
        )
        _audit(actor, case, "create", "cases.decision", [decision.pk], ["text", "decided_by"])
        if action:
            created = action_create(
                actor=actor,
                case_id=case.pk,
                description=action.get("description") or text,
                owner_organisation_id=action.get("owner_organisation_id"),
                owner_id=action.get("owner_id"),
                due_date=action.get("due_date"),
                now=now,
            )
            CaseAction.objects.filter(pk=created.pk).update(decision=decision)
    return decision


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
