"""The case of the story: "Aanpak De Horizon", and a restricted housing-fraud sub-case.

Idempotent: a case is looked up by its title first; everything is made through the cases
services, as the personas themselves (their viewers), so the timeline reads as it
happened: the corporation opened the case, the partners joined, the regie moved to the
municipality with a reason, intake linked reports.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from wijkregie.cases import services
from wijkregie.cases.models import (
    Case,
    CaseAction,
    CaseFragment,
    CaseParticipant,
    Escalation,
    Meeting,
    TaskAgreement,
)
from wijkregie.cases.workflows import CaseKind, CaseRole, Confidentiality
from wijkregie.partners.models import MandateLevel, Organisation
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building, Unit
from wijkregie.reports.models import Report
from wijkregie.reports.workflows import ReportStatus

CASE_TITLE = "Aanpak De Horizon"
SUBCASE_TITLE = "Onderzoek onderhuur Horizonlaan, portiek B"
REGIE_REASON = (
    "De problemen in en rond De Horizon gaan verder dan beheer van het complex: "
    "drugshandel in de bergingen, jongeren in de portieken en zorgen om kwetsbare "
    "bewoners. Op verzoek van de partners neemt de gemeente de regie over van de "
    "woningcorporatie."
)
# username: (organisation slug, role on the case)
PARTICIPANTS = {
    "leefbaarheid": ("de-vaart", CaseRole.HANDLER),
    "gebiedsregisseur": ("gemeente-rivierstad", CaseRole.INVOLVED),
    "wijkagent": ("politie-rivierstad", CaseRole.HANDLER),
    "boa": ("handhaving-rivierstad", CaseRole.HANDLER),
    "opbouwwerker": ("welzijn-rivierstad", CaseRole.HANDLER),
    "wijkteam": ("wijkteam-rivierstad", CaseRole.ADVISER),
}
LINKED_REPORTS = 3


def _viewer(username: str):
    return viewer_for(get_user_model().objects.get(username=username))


def _main_case(horizon: Building) -> Case:
    existing = Case.objects.filter(title=CASE_TITLE, building=horizon).first()
    if existing is not None:
        return existing
    corporation = _viewer("wijkbeheerder")
    case = services.case_open(
        actor=corporation,
        building_id=horizon.pk,
        title=CASE_TITLE,
        goal=(
            "Een veilig en leefbaar De Horizon: geen drugshandel en lachgasopslag in de "
            "bergingen, schone en veilige portieken, en bewoners die weten bij wie ze "
            "terechtkunnen. Binnen een jaar de helft minder meldingen van overlast."
        ),
        kind=CaseKind.BUILDING_APPROACH,
        level=MandateLevel.OPERATIONAL,
    )
    organisations = {o.slug: o for o in Organisation.objects.all()}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=PARTICIPANTS)}
    for username, (slug, role) in PARTICIPANTS.items():
        services.case_participant_add(
            actor=corporation,
            case_id=case.pk,
            organisation_id=organisations[slug].pk,
            user_id=users[username].pk,
            role=role,
        )
    municipality = CaseParticipant.objects.get(
        case=case, user__username="gebiedsregisseur", ended_at__isnull=True
    )
    services.case_regie_move(
        actor=corporation, case_id=case.pk, to_participant_id=municipality.pk, reason=REGIE_REASON
    )
    # Intake of the corporation links the latest reports it handled on the building (they
    # keep their status); the new ones stay in the queue for the daily intake.
    reports = Report.objects.filter(
        building=horizon,
        receiving_organisation=organisations["de-vaart"],
        status=ReportStatus.RESOLVED,
    ).order_by("-created_at", "-pk")[:LINKED_REPORTS]
    for report in reports:
        services.case_report_link(
            actor=corporation,
            case_id=case.pk,
            report_id=report.pk,
            note="Hoort bij de overlast in en rond de bergingen.",
        )
    case.refresh_from_db()
    return case


# (username recording it, topic, what exactly, whose task: organisation slug or None)
AGREEMENTS = [
    (
        "gebiedsregisseur",
        "Surveillance trappenhuis",
        "wekelijks in het trappenhuis surveilleren",
        "politie-rivierstad",
    ),
    (
        "wijkbeheerder",
        "Bergingen ontruimen",
        "illegale opslag en lachgas uit de bergingen halen en de sloten vervangen",
        "de-vaart",
    ),
    (
        "boa",
        "Handhaving lachgas",
        "twee avonden per week controle op lachgas rond de flat",
        "handhaving-rivierstad",
    ),
    (
        "opbouwwerker",
        "Bewonersavond",
        "elk kwartaal een bewonersavond in buurthuis De Steiger",
        "welzijn-rivierstad",
    ),
    (
        "wijkteam",
        "Huisbezoeken",
        "huisbezoek bij bewoners die zorg of schuldhulp nodig hebben",
        "wijkteam-rivierstad",
    ),
    (
        "gebiedsregisseur",
        "Jongerenwerk in de avond",
        "jongerenwerk in de avonduren in en rond de portieken",
        None,
    ),
]


def _agreements(case: Case) -> None:
    if TaskAgreement.objects.filter(case=case).exists():
        return
    organisations = {o.slug: o for o in Organisation.objects.all()}
    for username, topic, description, slug in AGREEMENTS:
        services.agreement_record(
            actor=_viewer(username),
            case_id=case.pk,
            topic=topic,
            description=description,
            organisation_id=organisations[slug].pk if slug else None,
        )


# (username agreeing it, what, owner username, owner organisation slug, due in days
#  from today (negative: past), status, outcome)
ACTIONS = [
    (
        "wijkbeheerder",
        "Sloten van alle bergingen in portiek B vervangen en de gangen leeghalen",
        "wijkbeheerder",
        "de-vaart",
        14,
        "in_progress",
        "",
    ),
    (
        "gebiedsregisseur",
        "Bewonersavond over veiligheid in De Horizon organiseren",
        "opbouwwerker",
        "welzijn-rivierstad",
        -10,
        "open",
        "",
    ),
    (
        "gebiedsregisseur",
        "Twee avonden per week controle op lachgas rond de bergingen",
        "boa",
        "handhaving-rivierstad",
        30,
        "open",
        "",
    ),
    (
        "gebiedsregisseur",
        "Huisbezoek bij de bewoners van portiek B die zorg nodig hebben",
        "wijkteam",
        "wijkteam-rivierstad",
        -20,
        "done",
        "Vier huishoudens bezocht; twee aangemeld voor schuldhulp.",
    ),
]


def _actions(case: Case) -> None:
    if CaseAction.objects.filter(case=case).exists():
        return
    organisations = {o.slug: o for o in Organisation.objects.all()}
    users = {u.username: u for u in get_user_model().objects.all()}
    today = timezone.localdate()
    for username, description, owner, slug, days, status, outcome in ACTIONS:
        action = services.action_create(
            actor=_viewer(username),
            case_id=case.pk,
            description=description,
            owner_organisation_id=organisations[slug].pk,
            owner_id=users[owner].pk,
            due_date=today + datetime.timedelta(days=days),
        )
        if status != action.status:
            services.action_update(
                actor=_viewer(owner),
                case_id=case.pk,
                action_id=action.pk,
                version=action.version,
                description=description,
                owner_organisation_id=action.owner_organisation_id,
                owner_id=action.owner_id,
                due_date=action.due_date,
                status=status,
                outcome=outcome,
            )


AT_THE_TABLE = ["gebiedsregisseur", "wijkbeheerder", "wijkagent", "boa", "opbouwwerker", "wijkteam"]


def _meetings(case: Case) -> None:
    """Two meetings held (one decision outside a mandate) and one coming up."""
    if Meeting.objects.filter(case=case).exists():
        return
    chair = _viewer("gebiedsregisseur")
    users = {u.username: u for u in get_user_model().objects.filter(username__in=AT_THE_TABLE)}
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    first = services.meeting_schedule(
        actor=chair,
        case_id=case.pk,
        title="Casusoverleg De Horizon",
        starts_at=now - datetime.timedelta(days=42),
        location="Buurthuis De Steiger",
        held=True,
    )
    services.meeting_attendance_set(
        actor=chair,
        case_id=case.pk,
        meeting_id=first.pk,
        user_ids=[users[u].pk for u in AT_THE_TABLE],
    )
    services.decision_record(
        actor=chair,
        case_id=case.pk,
        meeting_id=first.pk,
        text="De partners spreken af elke zes weken aan tafel te zitten, onder leiding van "
        "de gemeente.",
        decided_by_user_id=users["gebiedsregisseur"].pk,
        level="tactical",
    )
    second = services.meeting_schedule(
        actor=chair,
        case_id=case.pk,
        title="Casusoverleg De Horizon",
        starts_at=now - datetime.timedelta(days=14),
        location="Buurthuis De Steiger",
        held=True,
    )
    services.meeting_attendance_set(
        actor=chair,
        case_id=case.pk,
        meeting_id=second.pk,
        user_ids=[users[u].pk for u in AT_THE_TABLE if u != "wijkteam"],
    )
    # The neighbourhood manager may decide on repairs up to € 2,500: cameras are beyond.
    services.decision_record(
        actor=chair,
        case_id=case.pk,
        meeting_id=second.pk,
        text="Cameratoezicht in de bergingen van portiek B (circa € 18.000).",
        decided_by_user_id=users["wijkbeheerder"].pk,
        level="tactical",
        within_may_decide_on=False,
        action={
            "description": "Offerte voor camera's in de bergingen opvragen en het "
            "camerabesluit voorbereiden",
            "owner_organisation_id": Organisation.objects.get(slug="de-vaart").pk,
            "owner_id": users["wijkbeheerder"].pk,
            "due_date": timezone.localdate() + datetime.timedelta(days=7),
        },
    )
    services.meeting_schedule(
        actor=chair,
        case_id=case.pk,
        title="Casusoverleg De Horizon",
        starts_at=now + datetime.timedelta(days=10),
        location="Buurthuis De Steiger",
    )


def _phase(case: Case) -> None:
    """Phase 1 done (two items the data proves, two ticked with a note); now phase 2."""
    if case.phase != 1:
        return
    chair = _viewer("gebiedsregisseur")
    services.phase_item_tick(
        actor=chair,
        case_id=case.pk,
        item="shared_analysis",
        note="Analyse van meldingen, schouw en gesprekken met bewoners besproken in het "
        "eerste overleg.",
    )
    services.phase_item_tick(
        actor=chair,
        case_id=case.pk,
        item="commitment_recorded",
        note="Alle partners hebben hun inzet toegezegd in het eerste overleg.",
    )
    services.phase_move(
        actor=chair,
        case_id=case.pk,
        to_phase=2,
        note="De samenwerking staat; nu de rollen, afspraken en doelen scherp maken.",
    )


ESCALATION_QUESTION = (
    "Wie neemt het besluit over cameratoezicht in de bergingen van portiek B (circa "
    "€ 18.000) en wie betaalt het? In het casusoverleg viel dit buiten het mandaat van de "
    "wijkbeheerder; de tafel vraagt een besluit op strategisch niveau."
)


def _escalation(case: Case) -> None:
    """An open escalation to the strategic level, asked by the corporation's
    neighbourhood manager: it reaches the municipality's area director and the
    corporation's people with a strategic mandate."""
    if Escalation.objects.filter(case=case).exists():
        return
    services.escalation_raise(
        actor=_viewer("wijkbeheerder"),
        case_id=case.pk,
        level=MandateLevel.STRATEGIC,
        question=ESCALATION_QUESTION,
    )


# (username writing it, kind, title, text, audience, organisation slugs, residents may be
#  told, visited days ago, personal data category)
FRAGMENTS = [
    (
        "gebiedsregisseur",
        "note",
        "Bewonersavond in buurthuis De Steiger",
        "Het buurthuis is op dinsdagavond beschikbaar; de gemeente betaalt de zaalhuur.",
        "all",
        [],
        True,
        None,
        "",
    ),
    (
        "wijkteam",
        "visit_report",
        "Huisbezoeken portiek B",
        "Vier huishoudens bezocht. Twee hebben schulden en zijn aangemeld voor "
        "schuldhulp; één bewoner is eenzaam en krijgt een maatje.",
        "organisations",
        ["wijkteam-rivierstad", "gemeente-rivierstad"],
        False,
        20,
        "care",
    ),
    (
        "wijkagent",
        "note",
        "Signalen drugshandel bergingen",
        "Uit politie-informatie: dezelfde twee personen worden vaak 's avonds bij de "
        "bergingen van portiek B gezien. Alleen voor de regisseur.",
        "coordinator",
        [],
        False,
        None,
        "police_information",
    ),
]


def _fragments(case: Case) -> None:
    """A note for all; a visit report with care signals for the social team and the
    municipality, which have no agreement covering care signals, so only the social team
    receives it; a note with police information for the coordinator only, whose
    municipality has no agreement with the police covering that, so only the police
    have it."""
    if CaseFragment.objects.filter(case=case).exists():
        return
    organisations = {o.slug: o for o in Organisation.objects.all()}
    today = timezone.localdate()
    for username, kind, title, text, audience, slugs, tell, days, category in FRAGMENTS:
        services.fragment_add(
            actor=_viewer(username),
            case_id=case.pk,
            kind=kind,
            title=title,
            text=text,
            audience=audience,
            organisation_ids=[organisations[s].pk for s in slugs],
            residents_may_be_told=tell,
            data_category=category,
            visited_on=today - datetime.timedelta(days=days) if days else None,
        )


def _subcase(horizon: Building, parent: Case) -> Case:
    existing = Case.objects.filter(title=SUBCASE_TITLE, parent=parent).first()
    if existing is not None:
        return existing
    unit = (
        Unit.objects.filter(building=horizon, entrance="B", floor=4)
        .order_by("house_number", "pk")
        .first()
    )
    return services.case_open(
        actor=_viewer("woonfraude"),
        building_id=horizon.pk,
        unit_id=unit.pk if unit else None,
        parent_id=parent.pk,
        title=SUBCASE_TITLE,
        goal="Vaststellen of de woning wordt onderverhuurd, en zo ja de huur beëindigen.",
        kind=CaseKind.HOUSING_FRAUD,
        level=MandateLevel.OPERATIONAL,
        confidentiality=Confidentiality.RESTRICTED,
    )


def _roles_may_open_cases() -> None:
    """A demo database made before cases existed has the default roles without
    `cases.open_case` (migrate never changes an existing role); the demo adds it."""
    from django.contrib.auth.models import Permission

    from wijkregie.partners.models import Role
    from wijkregie.partners.roles import DEFAULT_ROLES

    permission = Permission.objects.get(content_type__app_label="cases", codename="open_case")
    for slug, (_name, codes) in DEFAULT_ROLES.items():
        if "cases.open_case" in codes:
            role = Role.objects.filter(slug=slug).first()
            if role is not None:
                role.permissions.add(permission)


def build_cases() -> dict:
    """Build (or find) the demo cases. Returns {"case": Case, "subcase": Case}."""
    _roles_may_open_cases()
    horizon = Building.objects.get(name="De Horizon")
    case = _main_case(horizon)
    _agreements(case)
    _actions(case)
    _meetings(case)
    _phase(case)
    _escalation(case)
    _fragments(case)
    case.refresh_from_db()
    return {"case": case, "subcase": _subcase(horizon, case)}
