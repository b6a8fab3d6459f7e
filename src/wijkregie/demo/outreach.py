"""Door to door and the residents' evening of the demo flat.

"Alle deuren langs De Horizon": a completed round of every door, walked by the
corporation's liveability consultant, the community worker and the security guard; 80 %
of the doors tried, a list of doors to revisit. "Bewonersavond De Horizon": invitations
issued, the attendance and notes, inputs of which two became reports and one an action
on the case. Idempotent: a round and an evening are looked up by title first; every visit
has a fixed idempotency key, so a second run replays instead of doubling. Everything goes
through the outreach services, as the personas themselves.
"""

import datetime
import random
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from wijkregie.cases.models import Case
from wijkregie.outreach import services
from wijkregie.outreach.models import Evening, EveningInput, Invitation, Round, Topic, VisitOutcome
from wijkregie.partners.models import Membership
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building
from wijkregie.reports.models import Category
from wijkregie.residents.models import current_occupancies

ROUND_TITLE = "Alle deuren langs De Horizon"
EVENING_TITLE = "Bewonersavond De Horizon"
TEAM = ("leefbaarheid", "opbouwwerker", "beveiliger")
SEED = 16
KEY_NAMESPACE = uuid.UUID("5f0c1a8e-16a0-4f57-9a3e-0e2d6b7c9a16")
TRIED_SHARE = 0.8  # of the 120 doors
INPUTS = [
    (
        "In de berging van portiek B liggen weer lachgasflessen; ik durf er 's avonds niet heen.",
        ["storage", "drugs"],
        "nitrous-oxide",
    ),
    ("De verlichting in de galerij op de zesde is al weken kapot.", ["maintenance"], "vandalism"),
    (
        "Fijn dat jullie langs de deuren gaan. Kunnen we een schoonmaakdag organiseren?",
        ["cleanliness", "positive"],
        None,
    ),
    (
        "Bij de fietsenstalling wordt 's avonds gedeald, iedereen weet het.",
        ["drugs", "safety"],
        "action",
    ),
    ("Mijn bovenburen maken elke nacht lawaai.", ["nuisance"], None),
]


def _viewer(username: str):
    return viewer_for(get_user_model().objects.get(username=username))


def _membership(username: str) -> Membership:
    return Membership.objects.filter(user__username=username, is_active=True).first()


def _round(horizon: Building, start: datetime.date) -> Round:
    existing = Round.objects.filter(title=ROUND_TITLE, building=horizon).first()
    if existing is not None:
        return existing
    team = [m.pk for m in (_membership(u) for u in TEAM) if m is not None]
    return services.round_create(
        actor=_viewer("leefbaarheid"),
        building_id=horizon.pk,
        title=ROUND_TITLE,
        starts_on=start,
        ends_on=start + datetime.timedelta(days=13),
        team_membership_ids=team,
    )


def _walk(round_: Round, start: datetime.date) -> int:
    """Visit 80 % of the doors: most spoken with, some nobody home, some to revisit."""
    rng = random.Random(SEED)
    doors = list(round_.doors.select_related("unit").order_by("position"))
    tried = doors[: round(len(doors) * TRIED_SHARE)]
    viewers = {u: _viewer(u) for u in TEAM}
    occupants: dict[int, list[int]] = {}
    for o in current_occupancies(timezone.localdate()).filter(unit__building_id=round_.building_id):
        occupants.setdefault(o.unit_id, []).append(o.resident_id)
    stored = 0
    for n, door in enumerate(tried):
        # Entrances A and B: the consultant; C: the community worker; D: the security guard.
        who = {"A": "leefbaarheid", "B": "leefbaarheid", "C": "opbouwwerker"}.get(
            door.unit.entrance, "beveiliger"
        )
        roll = rng.random()
        outcome = (
            VisitOutcome.SPOKE
            if roll < 0.62
            else VisitOutcome.NOT_HOME
            if roll < 0.82
            else VisitOutcome.NO_ANSWER
            if roll < 0.9
            else VisitOutcome.LETTER_LEFT
            if roll < 0.97
            else VisitOutcome.VACANT
        )
        revisit = outcome in (VisitOutcome.NOT_HOME, VisitOutcome.NO_ANSWER) and rng.random() < 0.5
        resident_id = None
        if outcome == VisitOutcome.SPOKE and who == "leefbaarheid" and occupants.get(door.unit_id):
            resident_id = occupants[door.unit_id][0]
        topics = (
            rng.sample(Topic.values[:8], k=rng.randint(1, 2))
            if outcome == VisitOutcome.SPOKE
            else []
        )
        day = start + datetime.timedelta(days=n // 10)
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(17, 0)))
        at += datetime.timedelta(minutes=4 * (n % 10))
        _visit, created = services.visit_record(
            actor=viewers[who],
            round_id=round_.pk,
            idempotency_key=uuid.uuid5(KEY_NAMESPACE, f"horizon-{door.unit_id}"),
            unit_id=door.unit_id,
            outcome=outcome,
            recorded_at=at,
            revisit=revisit,
            topics=topics,
            resident_id=resident_id,
            contact_again=resident_id is not None and rng.random() < 0.4,
            contact_channel="email" if resident_id is not None else "",
        )
        stored += created
    return stored


def _evening(horizon: Building, at: datetime.datetime) -> Evening:
    existing = Evening.objects.filter(title=EVENING_TITLE).first()
    if existing is not None:
        return existing
    worker = _viewer("opbouwwerker")
    evening = services.evening_create(
        actor=worker,
        title=EVENING_TITLE,
        starts_at=at,
        place="Buurthuis De Steiger, Horizonlaan 2",
        building_ids=[horizon.pk],
        inputs_until=at + datetime.timedelta(days=30),
    )
    services.evening_invitations_issue(actor=worker, evening_id=evening.pk)
    services.evening_update(
        actor=worker,
        evening_id=evening.pk,
        attendance=34,
        notes=(
            "34 bewoners, vooral uit portiek B en C. Grootste zorgen: de bergingen, de "
            "verlichting en de handel bij de fietsenstalling. Afgesproken: een schoonmaakdag "
            "in het voorjaar en terugkoppeling in de nieuwsbrief."
        ),
    )
    return evening


def _inputs(evening: Evening, horizon: Building) -> None:
    worker = _viewer("opbouwwerker")
    invitations = list(Invitation.objects.filter(evening=evening).order_by("pk")[: len(INPUTS)])
    categories = {c.slug: c for c in Category.objects.filter(active=True)}
    case = Case.objects.filter(building=horizon, parent__isnull=True).order_by("pk").first()
    for n, (text, topics, target) in enumerate(INPUTS):
        if n >= len(invitations):
            return
        entry, created = services.evening_input_submit(
            invitation=invitations[n],
            text=text,
            topics=topics,
            idempotency_key=f"demo-evening-{n}",
            now=evening.starts_at + datetime.timedelta(hours=1, minutes=n),
        )
        if not created or entry.report_id or entry.case_action_id:
            continue
        if target in categories:
            services.evening_input_to_report(
                actor=worker,
                evening_id=evening.pk,
                input_id=entry.pk,
                category_id=categories[target].pk,
            )
        elif target == "action" and case is not None:
            services.evening_input_to_action(
                actor=worker, evening_id=evening.pk, input_id=entry.pk, case_id=case.pk
            )


def build_outreach() -> dict:
    horizon = Building.objects.filter(name="De Horizon").first()
    if horizon is None or _membership("leefbaarheid") is None:
        return {"rounds": 0, "visits": 0, "evenings": 0}
    today = timezone.localdate()
    start = today - datetime.timedelta(days=42)
    round_ = _round(horizon, start)
    visits = _walk(round_, start)
    if round_.completed_at is None:
        services.round_complete(actor=_viewer("leefbaarheid"), round_id=round_.pk)
    at = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=21), datetime.time(19, 30))
    )
    evening = _evening(horizon, at)
    _inputs(evening, horizon)
    return {
        "rounds": 1,
        "visits": visits,
        "evenings": 1,
        "inputs": EveningInput.objects.filter(evening=evening).count(),
    }
