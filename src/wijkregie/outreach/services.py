"""Every write of outreach: rounds, visits (idempotent, offline-safe), evenings.

Plain keyword-only functions, `actor` first, one transaction each, permission checked.
A visit's contact goes into the contact history through
`residents.services.contact_moment_record`; a concern becomes a report through
`reports.services.report_submit` (the same shielding as a resident's own report) or an
action on a case through `cases.services.action_create`, in the same transaction.
"""

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.cases import services as case_services
from wijkregie.core.access import Viewer, system_viewer
from wijkregie.core.audit import DataOwner, audit_record
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.ids import parse_id
from wijkregie.outreach.models import (
    INPUT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    PLAN_OUTREACH,
    TITLE_MAX_LENGTH,
    VISIT_DOORS,
    ContactAgainChannel,
    Evening,
    EveningInput,
    Invitation,
    Round,
    RoundDoor,
    Topic,
    Visit,
    VisitOutcome,
)
from wijkregie.outreach.selectors import (
    evening_get,
    may_plan,
    may_visit,
    round_coverage,
    round_get,
    round_unit,
    team_membership,
)
from wijkregie.partners.models import Membership
from wijkregie.places.models import VIEW_BUILDING, Building, Unit
from wijkregie.places.selectors import building_get
from wijkregie.reports import services as report_services
from wijkregie.reports.models import Category, Channel, ContactMode, LocationKind
from wijkregie.residents import services as resident_services
from wijkregie.residents.models import (
    CONTACT,
    IDENTITY,
    TENANCY,
    ConsentPurpose,
    ConsentSource,
    ContactChannel,
    OccupancyKind,
    current_occupancies,
)
from wijkregie.residents.selectors import resident_access

VISIT_SOURCE = "outreach.visit"
EVENING_SOURCE = "outreach.evening"
MAX_TEAM = 50
FOLLOW_UP_DAYS = 14
ACTION_DUE_DAYS = 14


class IdempotencyKeyConflict(ApplicationError):
    """The key was used before, for another door or round."""

    status_code = 409


def _text(value, *, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ValidationError({field: _("Enter text.")})
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > max_length:
        raise ValidationError({field: _("Use at most %(max)d characters.") % {"max": max_length}})
    if "\x00" in text:
        raise ValidationError({field: _("Enter text without control characters.")})
    return text


def _membership(actor: Viewer, organisation_id: int) -> Membership | None:
    if actor.user_id is None:
        return None
    return Membership.objects.filter(
        user_id=actor.user_id, organisation_id=organisation_id, is_active=True
    ).first()


def _planning_organisation(actor: Viewer, organisation_id) -> int:
    if organisation_id is not None:
        organisation_id = parse_id(organisation_id)
        if organisation_id is None or not may_plan(actor, organisation_id):
            raise PermissionDenied(_("You may not plan outreach for this organisation."))
        return organisation_id
    planners = sorted(actor.organisations_with(PLAN_OUTREACH))
    if not planners:
        raise PermissionDenied(_("You may not plan door-to-door rounds or evenings."))
    return planners[0]


def _visible_building(actor: Viewer, building_id, field: str = "building_id") -> Building:
    """A building the actor may see; else a field error (missing and forbidden alike)."""
    try:
        return building_get(viewer=actor, id=building_id, permission=VIEW_BUILDING)
    except NotFound:
        raise ValidationError({field: _("Building not found.")}) from None


# --- Rounds -------------------------------------------------------------------------------


def _walking_order(units: Iterable[Unit]) -> list[Unit]:
    return sorted(
        units,
        key=lambda u: (
            u.entrance,
            u.floor,
            u.house_number,
            u.house_letter,
            u.house_number_addition,
        ),
    )


def _team(actor: Viewer, organisation_id: int, team_membership_ids: Sequence) -> list[Membership]:
    ids = set()
    for raw in team_membership_ids or ():
        pk = parse_id(raw)
        if pk is None:
            raise ValidationError({"team": _("Choose people from the list.")})
        ids.add(pk)
    if len(ids) > MAX_TEAM:
        raise ValidationError({"team": _("A team has at most %(max)d people.") % {"max": MAX_TEAM}})
    members = list(Membership.objects.filter(pk__in=ids, is_active=True).select_related("user"))
    if len(members) != len(ids):
        raise ValidationError({"team": _("Choose people from the list.")})
    own = _membership(actor, organisation_id)
    if own is not None and own not in members:
        members.append(own)
    return members


def round_create(
    *,
    actor: Viewer,
    building_id,
    title: str,
    starts_on,
    ends_on,
    organisation_id=None,
    entrances: Sequence[str] = (),
    floors: Sequence[int] = (),
    team_membership_ids: Sequence = (),
    unit_ids: Sequence | None = None,
    follows: Round | None = None,
) -> Round:
    """Plan a round: every unit of the building (or of some entrances or floors, or the
    doors given in `unit_ids`) on its list in walking order: entrance, floor, number."""
    title = _text(title, field="title", max_length=TITLE_MAX_LENGTH, required=True)
    starts_on = _date(starts_on, field="starts_on")
    ends_on = _date(ends_on, field="ends_on")
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The round cannot end before it starts.")})
    with transaction.atomic():
        organisation_id = _planning_organisation(actor, organisation_id)
        building = _visible_building(actor, building_id)
        units = Unit.objects.filter(building_id=building.pk)
        entrances = [str(e).strip() for e in entrances or () if str(e).strip()]
        if entrances:
            unknown = set(entrances) - set(units.values_list("entrance", flat=True))
            if unknown:
                raise ValidationError({"entrances": _("This building has no such entrance.")})
            units = units.filter(entrance__in=entrances)
        floor_numbers = []
        for raw in floors or ():
            try:
                floor_numbers.append(int(raw))
            except (TypeError, ValueError):
                raise ValidationError({"floors": _("Choose floors of this building.")}) from None
        if floor_numbers:
            units = units.filter(floor__in=floor_numbers)
        if unit_ids is not None:
            ids = {parse_id(u) for u in unit_ids}
            units = units.filter(pk__in=ids - {None})
            if units.count() != len(ids):
                raise ValidationError({"units": _("Choose units of this building.")})
        units = _walking_order(units)
        if not units:
            raise ValidationError({"units": _("There are no doors to visit in this choice.")})
        team = _team(actor, organisation_id, team_membership_ids)
        round_ = Round.objects.create(
            organisation_id=organisation_id,
            building=building,
            title=title,
            starts_on=starts_on,
            ends_on=ends_on,
            entrances=entrances,
            floors=sorted(set(floor_numbers)),
            follows=follows,
            created_by_membership=_membership(actor, organisation_id),
        )
        round_.team.set(team)
        RoundDoor.objects.bulk_create(
            RoundDoor(round=round_, unit=unit, position=n) for n, unit in enumerate(units, 1)
        )
    return round_


def round_follow_up_create(*, actor: Viewer, round_id, starts_on=None) -> Round:
    """A follow-up round of every door without a conversation yet, same team."""
    with transaction.atomic():
        previous = round_get(viewer=actor, id=round_id)
        if not may_plan(actor, previous):
            raise PermissionDenied(_("You may not plan rounds for this organisation."))
        doors = round_coverage(viewer=actor, round_=previous).to_try_again
        if not doors:
            raise ApplicationError(_("Every door on this round was spoken with."))
        starts_on = _date(starts_on, field="starts_on") if starts_on else timezone.localdate()
        return round_create(
            actor=actor,
            building_id=previous.building_id,
            organisation_id=previous.organisation_id,
            title=_("%(title)s — second try") % {"title": previous.title}
            if previous.follows_id is None
            else previous.title,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=FOLLOW_UP_DAYS),
            team_membership_ids=list(previous.team.values_list("pk", flat=True)),
            unit_ids=[d.unit_id for d in doors],
            follows=previous,
        )


def round_complete(*, actor: Viewer, round_id, now: datetime | None = None) -> Round:
    with transaction.atomic():
        round_ = round_get(viewer=actor, id=round_id)
        if not may_plan(actor, round_):
            raise PermissionDenied(_("You may not plan rounds for this organisation."))
        if round_.completed_at is None:
            round_.completed_at = now or timezone.now()
            round_.save(update_fields=["completed_at", "updated_at"])
    return round_


def _date(value, *, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a date as YYYY-MM-DD.")}) from None


# --- Visits -------------------------------------------------------------------------------


def _key(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError(
            {"idempotency_key": _("The outcome has no valid idempotency key (a UUID).")}
        ) from None


def _topics(topics: Sequence) -> list[str]:
    chosen = []
    for topic in topics or ():
        if topic not in Topic.values:
            raise ValidationError({"topics": _("Choose topics from the list.")})
        if topic not in chosen:
            chosen.append(topic)
    return chosen


def _visit_checked(
    *,
    outcome: str,
    recorded_at: datetime,
    contact_again: bool,
    contact_channel: str,
    now: datetime,
) -> None:
    if outcome not in VisitOutcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if recorded_at > now + timedelta(minutes=5):
        raise ValidationError({"recorded_at": _("A visit cannot lie in the future.")})
    if contact_channel and contact_channel not in ContactAgainChannel.values:
        raise ValidationError({"contact_channel": _("Choose how the resident wants contact.")})
    if contact_again and not contact_channel:
        raise ValidationError({"contact_channel": _("Choose how the resident wants contact.")})
    if contact_again and outcome != VisitOutcome.SPOKE:
        raise ValidationError(
            {"contact_again": _("Consent to be contacted again is given in a conversation.")}
        )


def _replayed(key: uuid.UUID, round_id: int, unit_id: int) -> Visit:
    existing = Visit.objects.filter(idempotency_key=key).first()
    if existing is None:  # the first one rolled back: nothing to replay
        raise ApplicationError(_("The outcome could not be stored; please send it again."))
    if existing.round_id != round_id or existing.unit_id != unit_id:
        raise IdempotencyKeyConflict(
            _("This outcome's key was already used for another door; it was not stored.")
        )
    return existing


def visit_record(
    *,
    actor: Viewer,
    round_id,
    idempotency_key,
    unit_id,
    outcome: str,
    recorded_at: datetime | None = None,
    revisit: bool = False,
    topics: Sequence[str] = (),
    topics_other: str = "",
    note: str = "",
    resident_id=None,
    contact_again: bool = False,
    contact_channel: str = "",
    concern: str = "",
    concern_category_id=None,
    concern_case_id=None,
    now: datetime | None = None,
) -> tuple[Visit, bool]:
    """Store one outcome at a door; returns (visit, created).

    Idempotent: a replay with the same `idempotency_key` (a phone syncing its outbox
    twice, two syncs racing) returns the first visit and writes nothing; the same key for
    another door raises IdempotencyKeyConflict. Outcomes may arrive in any order: the
    coverage follows `recorded_at` (the phone's time), not the order of arrival.

    A `concern` with a category becomes a report on the resident's behalf; with a case, an
    action on that case. "Spoke" and "letter left" go into the contact history.
    """
    now = now or timezone.now()
    key = _key(idempotency_key)
    recorded_at = recorded_at or now
    contact_channel = contact_channel or ""
    _visit_checked(
        outcome=outcome,
        recorded_at=recorded_at,
        contact_again=bool(contact_again),
        contact_channel=contact_channel,
        now=now,
    )
    topics = _topics(topics)
    topics_other = _text(topics_other, field="topics_other", max_length=200)
    note = _text(note, field="note", max_length=NOTE_MAX_LENGTH)
    concern = _text(concern, field="concern", max_length=INPUT_MAX_LENGTH)
    if concern and concern_category_id is None and concern_case_id is None:
        raise ValidationError(
            {"concern": _("Choose a category for a report or a case for an action.")}
        )
    with transaction.atomic():
        round_ = round_get(viewer=actor, id=round_id)
        if not may_visit(actor, round_):
            raise PermissionDenied(_("You are not on this round's team."))
        unit = round_unit(round_, unit_id)
        if unit is None:
            raise ValidationError({"unit_id": _("This door is not on the round's list.")})
        membership = team_membership(actor, round_) or _membership(actor, round_.organisation_id)
        organisation_id = membership.organisation_id if membership else round_.organisation_id
        resident, access = None, None
        if resident_id not in (None, ""):
            try:
                resident, access = resident_access(viewer=actor, resident_id=resident_id)
            except NotFound:
                raise ValidationError({"resident_id": _("Resident not found.")}) from None
            if not any(o.unit_id == unit.pk for o in resident.current_occupancies):
                raise ValidationError({"resident_id": _("This resident does not live here.")})
        visit = Visit(
            idempotency_key=key,
            round=round_,
            unit=unit,
            outcome=outcome,
            revisit=bool(revisit),
            topics=topics,
            topics_other=topics_other,
            note=note,
            resident=resident,
            contact_again=bool(contact_again),
            contact_channel=contact_channel,
            recorded_at=recorded_at,
            by_membership=membership,
            organisation_id=organisation_id,
        )
        # The key first, before anything else is written: a concurrent duplicate waits on
        # the unique index and then finds the key taken; nothing it would write is lost.
        try:
            with transaction.atomic():
                visit.save(force_insert=True)
        except IntegrityError:
            return _replayed(key, round_.pk, unit.pk), False
        fields = []
        if concern and concern_category_id is not None:
            visit.report = _concern_report(
                actor, visit, resident, access, concern, concern_category_id
            )
            fields.append("report")
        if concern and concern_case_id is not None:
            visit.case_action = case_services.action_create(
                actor=actor,
                case_id=concern_case_id,
                description=concern,
                owner_organisation_id=organisation_id,
                due_date=timezone.localdate() + timedelta(days=ACTION_DUE_DAYS),
                now=now,
            )
            fields.append("case_action")
        if fields:
            visit.save(update_fields=fields)
        if outcome in (VisitOutcome.SPOKE, VisitOutcome.LETTER_LEFT):
            _contact(actor, visit, resident, access)
        if contact_again and resident is not None:
            _consent(actor, visit, resident, access)
    return visit, True


def _concern_report(actor, visit: Visit, resident, access, concern: str, category_id):
    category = Category.objects.filter(pk=parse_id(category_id), active=True).first()
    if category is None:
        raise ValidationError({"concern_category_id": _("Choose a category.")})
    reporter = None
    mode = ContactMode.ANONYMOUS
    if resident is not None and IDENTITY in access.categories:
        mode = ContactMode.SHIELDED
        reporter = report_services.ReporterDetails(
            name=resident.full_name,
            email=resident.email if CONTACT in access.categories else "",
            phone=resident.phone if CONTACT in access.categories else "",
            language=resident.preferred_language,
        )
    result = report_services.report_submit(
        actor=actor,
        building=visit.round.building,
        category=category,
        description=concern,
        location_kind=LocationKind.OWN_UNIT,
        unit=visit.unit,
        contact_mode=mode,
        reporter=reporter,
        channel=Channel.DOOR,
        idempotency_key=f"visit-{visit.idempotency_key}",
        occurred_when=_("told at the door on %(day)s") % {"day": visit.recorded_at.date()},
    )
    return result.report


def _summary(visit: Visit) -> str:
    words = _("Door-to-door round “%(round)s”: %(outcome)s.") % {
        "round": visit.round.title,
        "outcome": visit.get_outcome_display().lower(),
    }
    topics = [str(Topic(t).label) for t in visit.topics]
    if visit.topics_other:
        topics.append(visit.topics_other)
    if topics:
        words += " " + _("Topics: %(topics)s.") % {"topics": ", ".join(topics)}
    return words


def _contact(actor: Viewer, visit: Visit, resident, access) -> None:
    """The contact into the resident's contact history. When the visitor may not see the
    residents (a security guard), it is written for the unit's main tenants by the
    platform, so the history is complete and the visitor still sees no name."""
    channel = ContactChannel.VISIT if visit.outcome == VisitOutcome.SPOKE else ContactChannel.LETTER
    source = (VISIT_SOURCE, visit.pk)
    if resident is not None:
        organisation_id = visit.organisation_id
        if not actor.is_superuser and organisation_id not in access.organisation_ids:
            organisation_id = min(access.organisation_ids)
        resident_services.contact_moment_record(
            actor=actor,
            resident_id=resident.pk,
            channel=channel,
            summary=_summary(visit),
            occurred_at=visit.recorded_at,
            organisation_id=organisation_id,
            source=source,
        )
        return
    tenants = (
        current_occupancies(timezone.localdate())
        .filter(unit_id=visit.unit_id, kind=OccupancyKind.MAIN_TENANT)
        .select_related("resident")
    )
    platform = system_viewer(label=f"outreach visit {visit.pk}", origin="web")
    for occupancy in tenants:
        resident_services.contact_moment_record(
            actor=platform,
            resident_id=occupancy.resident_id,
            channel=channel,
            summary=_summary(visit),
            occurred_at=visit.recorded_at,
            organisation_id=occupancy.resident.landlord_id,
            source=source,
        )


def _consent(actor: Viewer, visit: Visit, resident, access) -> None:
    """Consent to be contacted again (and how) as a consent record, the visit its source.
    Consents are the landlord's administration: a partner's visitor (who sees the resident
    but not the tenancy) hands it to the landlord, recorded by the platform."""
    giver = actor
    if not actor.is_superuser and TENANCY not in access.categories:
        giver = system_viewer(label=f"outreach visit {visit.pk}", origin="web")
    resident_services.contact_consent_give(
        actor=giver,
        resident_id=resident.pk,
        purpose=ConsentPurpose.CONTACT_AGAIN,
        source=ConsentSource.DOOR,
        channel=visit.contact_channel,
        source_type=VISIT_SOURCE,
        source_id=visit.pk,
    )


# --- Residents' evenings ------------------------------------------------------------------


def evening_create(
    *,
    actor: Viewer,
    title: str,
    starts_at: datetime,
    place: str,
    building_ids: Sequence,
    organisation_id=None,
    inputs_until: datetime | None = None,
) -> Evening:
    title = _text(title, field="title", max_length=TITLE_MAX_LENGTH, required=True)
    place = _text(place, field="place", max_length=TITLE_MAX_LENGTH, required=True)
    if not isinstance(starts_at, datetime):
        raise ValidationError({"starts_at": _("Enter a date and time.")})
    inputs_until = inputs_until or starts_at + timedelta(days=14)
    if inputs_until < starts_at:
        raise ValidationError({"inputs_until": _("Input closes after the evening starts.")})
    if not building_ids:
        raise ValidationError({"building_ids": _("Choose at least one building.")})
    with transaction.atomic():
        organisation_id = _planning_organisation(actor, organisation_id)
        buildings = [
            _visible_building(actor, b, "building_ids") for b in dict.fromkeys(building_ids)
        ]
        evening = Evening.objects.create(
            organisation_id=organisation_id,
            title=title,
            starts_at=starts_at,
            place=place,
            inputs_until=inputs_until,
        )
        evening.buildings.set(buildings)
    return evening


def _evening_for_planner(actor: Viewer, evening_id) -> Evening:
    evening = evening_get(viewer=actor, id=evening_id)
    if not may_plan(actor, evening):
        raise PermissionDenied(_("You may not change this evening."))
    return evening


def evening_update(
    *, actor: Viewer, evening_id, attendance: int | None = None, notes: str | None = None
) -> Evening:
    with transaction.atomic():
        evening = _evening_for_planner(actor, evening_id)
        fields = []
        if attendance is not None:
            if not isinstance(attendance, int) or attendance < 0 or attendance > 100000:
                raise ValidationError({"attendance": _("Enter the number of people present.")})
            evening.attendance = attendance
            fields.append("attendance")
        if notes is not None:
            evening.notes = _text(notes, field="notes", max_length=10000)
            fields.append("notes")
        if fields:
            evening.save(update_fields=[*fields, "updated_at"])
    return evening


def evening_invitations_issue(*, actor: Viewer, evening_id, now: datetime | None = None) -> int:
    """A personal invitation code for every current resident of the evening's buildings
    (once per resident; issuing again adds only new residents). Returns how many were new.
    The letters carry `selectors.evening_invitation_url` as a merge field."""
    now = now or timezone.now()
    with transaction.atomic():
        evening = _evening_for_planner(actor, evening_id)
        building_ids = list(evening.buildings.values_list("pk", flat=True))
        have = set(Invitation.objects.filter(evening=evening).values_list("resident_id", flat=True))
        new = []
        by_owner: dict[int, list[int]] = {}
        for occupancy in (
            current_occupancies(timezone.localdate())
            .filter(unit__building_id__in=building_ids)
            .select_related("resident")
            .order_by("unit_id", "pk")
        ):
            if occupancy.resident_id in have:
                continue
            have.add(occupancy.resident_id)
            by_owner.setdefault(occupancy.resident.landlord_id, []).append(occupancy.resident_id)
            new.append(
                Invitation(
                    evening=evening,
                    resident_id=occupancy.resident_id,
                    unit_id=occupancy.unit_id,
                    issued_at=now,
                )
            )
        Invitation.objects.bulk_create(new)
        for landlord_id, ids in sorted(by_owner.items()):
            audit_record(
                viewer=actor,
                action="create",
                object_type="residents.resident",
                object_ids=ids,
                fields=["evening_invitation"],
                organisation_id=evening.organisation_id,
                data_owner=DataOwner(landlord_id),
            )
    return len(new)


def evening_input_submit(
    *,
    invitation: Invitation,
    text: str,
    topics: Sequence[str] = (),
    idempotency_key: str,
    now: datetime | None = None,
) -> tuple[EveningInput, bool]:
    """An anonymous input for the invitation's evening; the input keeps the building but
    not the code or the resident. A replay with the same key stores nothing new."""
    now = now or timezone.now()
    text = _text(text, field="text", max_length=INPUT_MAX_LENGTH, required=True)
    topics = _topics(topics)
    evening = invitation.evening
    if now > evening.inputs_until:
        raise ApplicationError(_("Input for this evening has closed."))
    building_id = (
        Unit.objects.filter(pk=invitation.unit_id).values_list("building_id", flat=True).first()
    )
    try:
        with transaction.atomic():
            entry = EveningInput.objects.create(
                evening=evening,
                building_id=building_id,
                text=text,
                topics=topics,
                idempotency_key=idempotency_key[:64],
                received_at=now,
            )
    except IntegrityError:
        return EveningInput.objects.get(idempotency_key=idempotency_key[:64]), False
    return entry, True


def _input_for_planner(actor: Viewer, evening_id, input_id) -> tuple[Evening, EveningInput]:
    evening = _evening_for_planner(actor, evening_id)
    entry = (
        EveningInput.objects.select_for_update()
        .filter(evening=evening, pk=parse_id(input_id))
        .first()
    )
    if entry is None:
        raise NotFound(_("Input not found."))
    if entry.report_id or entry.case_action_id:
        raise ApplicationError(_("This input was already turned into a report or an action."))
    return evening, entry


def evening_input_to_report(
    *, actor: Viewer, evening_id, input_id, category_id, building_id=None, description=None
) -> EveningInput:
    """Turn an evening's input into a report (logged as heard at the evening, no reporter
    identity: the input is anonymous); the input keeps which report it became."""
    with transaction.atomic():
        evening, entry = _input_for_planner(actor, evening_id, input_id)
        category = Category.objects.filter(pk=parse_id(category_id), active=True).first()
        if category is None:
            raise ValidationError({"category_id": _("Choose a category.")})
        building_id = parse_id(building_id) if building_id else entry.building_id
        if building_id not in set(evening.buildings.values_list("pk", flat=True)):
            raise ValidationError({"building_id": _("Choose one of the evening's buildings.")})
        text = _("From the residents' evening “%(title)s”: %(text)s") % {
            "title": evening.title,
            "text": description or entry.text,
        }
        entry.report = report_services.report_log_observation(
            actor=actor,
            organisation_id=evening.organisation_id,
            building=Building.objects.get(pk=building_id),
            category=category,
            description=text[:4000],
            channel=Channel.EVENING,
            occurred_when=_("residents' evening of %(day)s") % {"day": evening.starts_at.date()},
        )
        entry.handled_at = timezone.now()
        entry.handled_by_membership = _membership(actor, evening.organisation_id)
        entry.save(update_fields=["report", "handled_at", "handled_by_membership"])
    return entry


def evening_input_to_action(
    *, actor: Viewer, evening_id, input_id, case_id, owner_organisation_id=None, due_date=None
) -> EveningInput:
    with transaction.atomic():
        evening, entry = _input_for_planner(actor, evening_id, input_id)
        entry.case_action = case_services.action_create(
            actor=actor,
            case_id=case_id,
            description=_("From the residents' evening “%(title)s”: %(text)s")
            % {"title": evening.title, "text": entry.text},
            owner_organisation_id=owner_organisation_id or evening.organisation_id,
            due_date=due_date or timezone.localdate() + timedelta(days=ACTION_DUE_DAYS),
        )
        entry.handled_at = timezone.now()
        entry.handled_by_membership = _membership(actor, evening.organisation_id)
        entry.save(update_fields=["case_action", "handled_at", "handled_by_membership"])
    return entry


__all__ = [
    "VISIT_DOORS",
    "IdempotencyKeyConflict",
    "evening_create",
    "evening_input_submit",
    "evening_input_to_action",
    "evening_input_to_report",
    "evening_invitations_issue",
    "evening_update",
    "round_complete",
    "round_create",
    "round_follow_up_create",
    "visit_record",
]
