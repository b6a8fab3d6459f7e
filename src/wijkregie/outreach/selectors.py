"""Reads of rounds, visits and evenings, each for one viewer (docs/outreach.md).

Need-to-know: a round is seen by its organisation's planners and by its team
(`Round.objects.visible_to`); resident names on a round's list come from
`residents.selectors.resident_list`, so each visitor sees exactly the residents they may see
today (community work: only those who consented to contact by partners; a security guard:
none). A visit keeps the resident only when its visitor could see the resident.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.cases.models import Case
from wijkregie.cases.roles import MANAGE_ACTIONS
from wijkregie.cases.workflows import CaseStatus
from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import NotFound
from wijkregie.core.ids import parse_id
from wijkregie.outreach.models import (
    PLAN_OUTREACH,
    VISIT_DOORS,
    Coverage,
    Evening,
    EveningInput,
    Invitation,
    Round,
    RoundDoor,
    Topic,
    Visit,
    VisitOutcome,
)
from wijkregie.partners.models import Membership
from wijkregie.places.models import Unit
from wijkregie.places.selectors import floor_label
from wijkregie.reports.selectors import category_list
from wijkregie.residents.selectors import MAX_PAGE_SIZE, resident_list

NOT_HOME_OUTCOMES = (VisitOutcome.NOT_HOME, VisitOutcome.NO_ANSWER, VisitOutcome.LETTER_LEFT)


def not_found() -> NotFound:
    return NotFound(_("Round not found."))


# --- Rounds -------------------------------------------------------------------------------


def round_list(*, viewer: Viewer) -> QuerySet[Round]:
    return (
        Round.objects.visible_to(viewer)
        .select_related("building", "organisation")
        .order_by("-starts_on", "-pk")
    )


def round_get(*, viewer: Viewer, id) -> Round:
    """A round the viewer plans or walks; NotFound for missing and forbidden alike."""
    pk = parse_id(id)
    found = round_list(viewer=viewer).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise not_found()
    return found


def may_plan(viewer: Viewer, round_or_organisation_id) -> bool:
    organisation_id = getattr(round_or_organisation_id, "organisation_id", round_or_organisation_id)
    return viewer.is_superuser or viewer.has_perm(PLAN_OUTREACH, organisation_id)


def team_membership(viewer: Viewer, round_: Round):
    """The viewer's membership on the round's team, or None."""
    if viewer.user_id is None:
        return None
    return round_.team.filter(user_id=viewer.user_id, is_active=True).first()


def may_visit(viewer: Viewer, round_: Round) -> bool:
    if may_plan(viewer, round_):
        return True
    return viewer.has_perm(VISIT_DOORS) and team_membership(viewer, round_) is not None


def may_plan_any(viewer: Viewer) -> bool:
    return viewer.is_superuser or viewer.has_perm(PLAN_OUTREACH)


@dataclass
class Door:
    id: int  # the RoundDoor
    position: int
    unit_id: int
    address: str
    entrance: str
    floor: int
    floor_label: str
    residents: list[dict]  # [{"id", "name"}] only those the viewer may see
    state: str  # a Coverage value
    state_label: str
    last_outcome: str = ""
    last_outcome_label: str = ""
    visits: int = 0


def _latest_visits(round_id: int) -> tuple[dict[int, Visit], Counter]:
    """unit -> its latest visit by phone time (ties: the later stored), and visit counts."""
    latest: dict[int, Visit] = {}
    counts: Counter = Counter()
    for visit in Visit.objects.filter(round_id=round_id).order_by("recorded_at", "pk"):
        latest[visit.unit_id] = visit
        counts[visit.unit_id] += 1
    return latest, counts


def _state(visit: Visit | None, spoken_ever: bool) -> str:
    if visit is None:
        return Coverage.NOT_TRIED
    if visit.revisit:
        return Coverage.REVISIT
    if visit.outcome == VisitOutcome.SPOKE or spoken_ever:
        return Coverage.SPOKEN
    return Coverage.NOT_HOME


def _names_by_unit(viewer: Viewer, building_id: int) -> dict[int, list[dict]]:
    """Residents the viewer may see today, per unit of the building (audited as a list)."""
    names: dict[int, list[dict]] = defaultdict(list)
    page = 1
    while True:
        result = resident_list(
            viewer=viewer, building_id=building_id, page=page, page_size=MAX_PAGE_SIZE
        )
        for item in result.items:
            if "given_name" not in item:
                continue
            for unit in item.get("units", []):
                names[unit["unit_id"]].append(
                    {"id": item["id"], "name": f"{item['given_name']} {item['family_name']}"}
                )
        if not result.has_next:
            return names
        page += 1


def round_doors(*, viewer: Viewer, round_: Round, with_names: bool = True) -> list[Door]:
    """The round's doors in walking order, each with its coverage state, and the names of
    the residents the viewer may see today."""
    latest, counts = _latest_visits(round_.pk)
    spoken = set(
        Visit.objects.filter(round_id=round_.pk, outcome=VisitOutcome.SPOKE).values_list(
            "unit_id", flat=True
        )
    )
    names = _names_by_unit(viewer, round_.building_id) if with_names else {}
    labels = dict(Coverage.choices)
    doors = []
    for door in RoundDoor.objects.filter(round_id=round_.pk).select_related("unit"):
        unit = door.unit
        visit = latest.get(unit.pk)
        state = _state(visit, unit.pk in spoken)
        doors.append(
            Door(
                id=door.pk,
                position=door.position,
                unit_id=unit.pk,
                address=unit.address,
                entrance=unit.entrance,
                floor=unit.floor,
                floor_label=floor_label(unit.floor),
                residents=names.get(unit.pk, []),
                state=state,
                state_label=str(labels[state]),
                last_outcome=visit.outcome if visit else "",
                last_outcome_label=visit.get_outcome_display() if visit else "",
                visits=counts[unit.pk],
            )
        )
    return doors


@dataclass
class CoverageRow:
    entrance: str
    floor: int
    floor_label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class RoundCoverage:
    doors: list[Door]
    rows: list[CoverageRow]  # per entrance and floor, in walking order
    totals: dict[str, int]
    by_entrance: dict[str, dict[str, int]]

    @property
    def door_count(self) -> int:
        return len(self.doors)

    @property
    def tried(self) -> int:
        return self.door_count - self.totals.get(Coverage.NOT_TRIED, 0)

    @property
    def percent(self) -> int:
        """Doors tried at least once, of all doors on the list (rounded down)."""
        return (100 * self.tried // self.door_count) if self.doors else 0

    @property
    def to_try_again(self) -> list[Door]:
        """The doors without a conversation: the list a follow-up round starts with."""
        return [d for d in self.doors if d.state != Coverage.SPOKEN]

    @property
    def states(self) -> list[tuple[str, str]]:
        return list(Coverage.choices)


def round_coverage(*, viewer: Viewer, round_: Round, with_names: bool = False) -> RoundCoverage:
    doors = round_doors(viewer=viewer, round_=round_, with_names=with_names)
    rows: dict[tuple[str, int], CoverageRow] = {}
    totals = dict.fromkeys(Coverage.values, 0)
    by_entrance: dict[str, dict[str, int]] = {}
    for door in doors:
        key = (door.entrance, door.floor)
        if key not in rows:
            rows[key] = CoverageRow(
                door.entrance, door.floor, door.floor_label, dict.fromkeys(Coverage.values, 0)
            )
        rows[key].counts[door.state] += 1
        totals[door.state] += 1
        by_entrance.setdefault(door.entrance, dict.fromkeys(Coverage.values, 0))[door.state] += 1
    return RoundCoverage(
        doors=doors,
        rows=sorted(rows.values(), key=lambda r: (r.entrance, r.floor)),
        totals=totals,
        by_entrance=by_entrance,
    )


def visit_list(*, viewer: Viewer, round_: Round) -> list[dict]:
    """The round's visits, newest first by phone time. A resident's name only when the
    viewer may see that resident today; a visit by someone who could not see the residents
    (a security guard) has none to give."""
    visible = {
        r["id"]: r["name"]
        for names in _names_by_unit(viewer, round_.building_id).values()
        for r in names
    }
    rows = []
    for visit in (
        Visit.objects.filter(round_id=round_.pk)
        .select_related("unit", "organisation")
        .order_by("-recorded_at", "-pk")
    ):
        rows.append(
            {
                "id": visit.pk,
                "idempotency_key": str(visit.idempotency_key),
                "unit_id": visit.unit_id,
                "address": visit.unit.address,
                "outcome": visit.outcome,
                "outcome_label": visit.get_outcome_display(),
                "revisit": visit.revisit,
                "topics": visit.topics,
                "topic_labels": [str(Topic(t).label) for t in visit.topics if t in Topic.values],
                "topics_other": visit.topics_other,
                "note": visit.note,
                "resident_name": visible.get(visit.resident_id, ""),
                "contact_again": visit.contact_again,
                "contact_channel": visit.contact_channel,
                "recorded_at": visit.recorded_at,
                "organisation": visit.organisation.name,
                "report_id": visit.report_id,
                "case_action_id": visit.case_action_id,
            }
        )
    return rows


def round_offline_data(*, viewer: Viewer, round_: Round) -> dict:
    """What the phone keeps for offline use: the doors in walking order with their state."""
    doors = round_doors(viewer=viewer, round_=round_)
    return {
        "round": {"id": round_.pk, "title": round_.title, "building": round_.building.name},
        "doors": [
            {
                "unit_id": d.unit_id,
                "address": d.address,
                "entrance": d.entrance,
                "floor": d.floor,
                "floor_label": d.floor_label,
                "residents": d.residents,
                "state": d.state,
                "state_label": d.state_label,
            }
            for d in doors
        ],
    }


def round_unit(round_: Round, unit_id) -> Unit | None:
    """The unit on the round's list, or None (an unknown unit or one not on the list)."""
    pk = parse_id(unit_id)
    if pk is None:
        return None
    door = RoundDoor.objects.filter(round_id=round_.pk, unit_id=pk).select_related("unit").first()
    return door.unit if door else None


# --- Evenings -----------------------------------------------------------------------------


def evening_list(*, viewer: Viewer) -> QuerySet[Evening]:
    return Evening.objects.visible_to(viewer).prefetch_related("buildings").order_by("-starts_at")


def evening_get(*, viewer: Viewer, id) -> Evening:
    pk = parse_id(id)
    found = evening_list(viewer=viewer).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotFound(_("Residents' evening not found."))
    return found


def evening_inputs(*, evening: Evening) -> list[EveningInput]:
    return list(
        EveningInput.objects.filter(evening=evening)
        .select_related("building", "report", "case_action")
        .order_by("received_at", "pk")
    )


def evening_invitation_count(*, evening: Evening) -> int:
    return Invitation.objects.filter(evening=evening).count()


def invitation_by_code(code: str) -> Invitation | None:
    """The invitation of a code on a letter (the anonymous form's key), or None."""
    code = (code or "").strip()
    if not code or len(code) > 32:
        return None
    return Invitation.objects.select_related("evening").filter(code=code).first()


def evening_invitation_path(invitation: Invitation) -> str:
    return reverse("outreach_public:evening_form", args=[invitation.code])


def evening_invitation_url(*, evening_id: int, resident_id: int) -> str:
    """The personal link of a resident's invitation (a letter's merge field), or "" when
    none was issued. Its QR code is at the same path with `qr.svg` appended."""
    invitation = Invitation.objects.filter(evening_id=evening_id, resident_id=resident_id).first()
    if invitation is None:
        return ""
    return settings.SITE_URL.rstrip("/") + evening_invitation_path(invitation)


def next_evening_invitation_url(
    *, resident_id: int | None, building_id: int | None, now=None
) -> str:
    """The personal invitation link of a resident to the next residents' evening of their
    building whose input is still open (a letter's merge field), or "" when none was issued.
    No viewer: the letter is made by the landlord's letter job for its own residents."""
    if resident_id is None:
        return ""
    invitation = (
        Invitation.objects.filter(
            resident_id=resident_id,
            evening__buildings=building_id,
            evening__inputs_until__gte=now or timezone.now(),
        )
        .order_by("evening__starts_at", "pk")
        .first()
    )
    return settings.SITE_URL.rstrip("/") + evening_invitation_path(invitation) if invitation else ""


# --- Choices for the forms ----------------------------------------------------------------


def team_choices(*, viewer: Viewer) -> list[tuple[int, str]]:
    """People who may walk rounds (their role grants outreach.visit_doors), by organisation:
    the planner's colleagues and the partners' people (no personal data beyond the name
    the partner directory shows too)."""
    app_label, codename = VISIT_DOORS.split(".")
    members = (
        Membership.objects.filter(
            is_active=True,
            is_service_account=False,
            roles__permissions__content_type__app_label=app_label,
            roles__permissions__codename=codename,
        )
        .select_related("user", "organisation")
        .distinct()
        .order_by("organisation__name", "user__last_name", "user__first_name", "pk")
    )
    return [
        (m.pk, f"{m.user.get_full_name() or m.user.get_username()} ({m.organisation.name})")
        for m in members
    ]


def round_team(*, round_: Round) -> list[str]:
    return [
        f"{m.user.get_full_name() or m.user.get_username()} ({m.organisation.name})"
        for m in round_.team.select_related("user", "organisation").order_by(
            "organisation__name", "user__last_name"
        )
    ]


def concern_categories() -> list[tuple[int, str]]:
    return [(c.pk, str(c)) for c in category_list()]


def action_cases(*, viewer: Viewer, building_id: int) -> list[tuple[int, str]]:
    """Open cases on the building where the viewer may add actions."""
    return [
        (c.pk, c.title)
        for c in Case.objects.visible_to(viewer, permission=MANAGE_ACTIONS)
        .filter(status=CaseStatus.OPEN, building_id=building_id)
        .order_by("title")
    ]
