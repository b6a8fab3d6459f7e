"""The reports of the demo flat: routing for De Horizon and ~40 reports of recent months.

Idempotent and built through the reports services: each report carries an idempotency key
(`demo-horizon-NN`), so a second run returns the existing report and its triage steps,
thread and observations are applied only when the report was just created. Randomness is
seeded, so every run tells the same story. Missing buildings or personas are skipped.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from wijkregie.core.access import ANONYMOUS, Viewer, system_viewer
from wijkregie.core.exceptions import PermissionDenied
from wijkregie.partners.models import Membership, Organisation
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building, CommonArea, CommonAreaKind, Unit
from wijkregie.reports import services
from wijkregie.reports.models import (
    Category,
    Channel,
    ContactMode,
    LocationKind,
    Report,
    StandardText,
)
from wijkregie.residents.models import Resident

SEED = 3
COUNT = 40

# category slug → organisation slug, for De Horizon (the rest goes to De Vaart, the owner)
ROUTING = {
    "drug-dealing": "politie-rivierstad",
    "crime-in-progress": "politie-rivierstad",
    "litter": "handhaving-rivierstad",
}

DESCRIPTIONS = {
    "nitrous-oxide": [
        "In de berging van ingang B staan weer grote lachgasflessen.",
        "Jongeren gebruiken lachgas in de hal, overal lege patronen.",
    ],
    "drug-dealing": [
        "Elke avond rond 22 uur wordt er bij de fietsenstalling gedeald.",
        "Steeds andere mensen bellen aan bij dezelfde woning en zijn binnen een minuut weer weg.",
    ],
    "litter": [
        "Vuilniszakken naast de containers, er zitten ratten bij.",
        "Grofvuil in het trappenhuis, je kunt er bijna niet langs.",
    ],
    "vandalism": [
        "De lift is weer kapotgemaakt, de knoppen zijn eruit getrokken.",
        "De lamp in de galerij is kapotgegooid, het is er 's avonds donker.",
    ],
    "arson-fire-risk": ["Iemand heeft papier in brand gestoken in de hal."],
    "threats": ["Ik word bedreigd als ik iets zeg over de handel in de hal."],
    "illegal-subletting": ["In de woning naast mij wonen steeds andere mensen."],
    "noise-nuisance": ["Elke nacht harde muziek en geschreeuw tot 4 uur."],
    "unsafe-common-area": ["De achterdeur sluit niet meer, er komen vreemden binnen."],
    "other": ["De brievenbussen zijn opengebroken."],
    "contact": ["Ik wil graag een keer praten over hoe het gaat in de flat."],
}
WEIGHTS = {
    "nitrous-oxide": 6,
    "drug-dealing": 5,
    "litter": 7,
    "vandalism": 6,
    "arson-fire-risk": 2,
    "threats": 2,
    "illegal-subletting": 2,
    "noise-nuisance": 4,
    "unsafe-common-area": 3,
    "other": 2,
    "contact": 1,
}
NAMES = ["Fatma", "Jan", "Anna", "Mohamed", "Kasia", "Priya", "Joost", "Samira"]


def _viewer(username: str) -> Viewer:
    user = get_user_model().objects.filter(username=username).first()
    return viewer_for(user) if user is not None else system_viewer("demo")


def _intake_for(report: Report) -> Viewer:
    """De Vaart's neighbourhood manager for De Vaart's reports, else the system."""
    viewer = _viewer("wijkbeheerder")
    if viewer.has_perm("reports.receive_reports", report.receiving_organisation_id):
        return viewer
    return system_viewer("demo")


def build_reports() -> dict:
    horizon = Building.objects.filter(name="De Horizon").first()
    if horizon is None:
        return {"reports": 0, "created": 0}
    system = system_viewer("demo")
    categories = {c.slug: c for c in Category.objects.all()}
    organisations = {o.slug: o for o in Organisation.objects.all()}
    for slug, organisation_slug in ROUTING.items():
        if slug in categories and organisation_slug in organisations:
            services.routing_rule_set(
                actor=system,
                category=categories[slug],
                organisation=organisations[organisation_slug],
                building=horizon,
            )

    rng = random.Random(SEED)
    units = list(Unit.objects.filter(building=horizon).order_by("entrance", "floor", "pk"))
    areas = list(CommonArea.objects.filter(building=horizon).order_by("pk"))
    slugs = [s for s in WEIGHTS if s in categories]
    weights = [WEIGHTS[s] for s in slugs]
    now = timezone.now()
    created = 0
    reports = []
    fresh: list[services.SubmitResult] = []
    for n in range(1, COUNT + 1):
        slug = rng.choices(slugs, weights)[0]
        category = categories[slug]
        days_ago = int(150 * (COUNT - n) / COUNT) + rng.randint(0, 3)
        at = now - timedelta(days=days_ago, hours=rng.randint(0, 10))
        where = _where(rng, slug, units, areas)
        mode = rng.choice(
            [ContactMode.ANONYMOUS, ContactMode.ANONYMOUS, ContactMode.SHIELDED, ContactMode.OPEN]
        )
        name = rng.choice(NAMES)
        reporter = None
        if mode != ContactMode.ANONYMOUS:
            number = rng.randint(1, 9)  # a few reporters report more than once
            reporter = services.ReporterDetails(
                name=f"{name} (demo)",
                email=f"melder{number}@example.org",
                # A Turkish reader: the report page warns before writing to them.
                language=rng.choice(["nl", "tr", "en"]),
                ip=f"192.0.2.{number}",
            )
        channel = rng.choice([Channel.WEB] * 5 + [Channel.PHONE, Channel.OPEN311])
        result = services.report_submit(
            actor=ANONYMOUS,
            building=horizon,
            category=category,
            description=rng.choice(DESCRIPTIONS[slug]),
            occurred_when=rng.choice(["gisteravond", "vannacht", "vanmiddag", ""]),
            contact_mode=mode,
            reporter=reporter,
            channel=channel,
            idempotency_key=f"demo-horizon-{n:02d}",
            now=at,
            **where,
        )
        reports.append(result.report)
        if result.created:
            created += 1
            _triage(rng, result, at, now, n)
            fresh.append(result)

    created += _observations(horizon, categories, now)
    _standard_texts(organisations.get("de-vaart"))
    created += _contact_request_linked(horizon, categories.get("contact"), now)
    if fresh:  # built now, not on a second run
        _work_queue(fresh, now)
    return {"reports": len(reports), "created": created}


def _contact_request_linked(horizon: Building, category, now) -> int:
    """A tenant of De Horizon asks to be called; the neighbourhood manager has found her
    and added the request to her contact history."""
    tenant = (
        Resident.objects.filter(occupancies__unit__building=horizon, occupancies__end_date=None)
        .exclude(email="")
        .order_by("pk")
        .first()
    )
    if category is None or tenant is None:
        return 0
    result = services.report_submit(
        actor=ANONYMOUS,
        building=horizon,
        category=category,
        description="Kunt u mij bellen? Ik wil iets vertellen over wat er 's avonds in de "
        "fietsenstalling gebeurt, maar liever niet op papier.",
        location_kind=LocationKind.NOT_APPLICABLE,
        contact_mode=ContactMode.SHIELDED,
        reporter=services.ReporterDetails(
            name=f"{tenant.given_name} {tenant.family_name}", email=tenant.email, language="nl"
        ),
        channel=Channel.WEB,
        idempotency_key="demo-horizon-contact-request",
        now=now - timedelta(days=2),
    )
    intake = _intake_for(result.report)
    if result.created and intake.user_id is not None:
        services.report_contact_link(
            actor=intake, report_id=result.report.pk, resident_id=tenant.pk
        )
    return int(result.created)


def _work_queue(submitted: list[services.SubmitResult], now) -> None:
    """The queue as intake finds it in the morning: a reporter's reply nobody has read
    yet, and a report assigned to the neighbourhood manager."""
    intake = _viewer("wijkbeheerder")
    waiting = list(
        Report.objects.visible_to(intake)
        .filter(closed_at__isnull=True)
        .order_by("-created_at", "-pk")
    )
    by_pk = {r.pk: r for r in waiting}
    replied = next((s for s in submitted if s.report.pk in by_pk and s.passphrase), None)
    if replied is not None:
        services.report_message_to_reporter(
            actor=intake,
            report_id=replied.report.pk,
            body="Kunt u een foto sturen van de plek?",
            now=now - timedelta(hours=20),
        )
        services.report_message_from_reporter(
            actor=services.report_passphrase_check(
                tracking_code=replied.tracking_code, passphrase=replied.passphrase
            ),
            report=replied.report,
            body="Ik stuur vanavond een foto. Het was vannacht weer raak.",
            now=now - timedelta(hours=2),
        )
    other = next((r for r in waiting if replied is None or r.pk != replied.report.pk), None)
    if other is None:
        return
    assignee = (
        Membership.objects.filter(
            user__username="wijkbeheerder",
            organisation_id=other.receiving_organisation_id,
            is_active=True,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if assignee is not None:
        services.report_assign(actor=intake, report_id=other.pk, membership_id=assignee)


def _where(rng: random.Random, slug: str, units: list, areas: list) -> dict:
    if slug == "contact":
        return {"location_kind": LocationKind.NOT_APPLICABLE}
    if slug in ("illegal-subletting", "noise-nuisance") and units:
        unit = rng.choice(units)
        return {"location_kind": LocationKind.OTHER_UNIT, "unit": unit}
    if slug == "litter" and rng.random() < 0.5:
        return {"location_kind": LocationKind.OUTSIDE}
    preferred = {
        "nitrous-oxide": {CommonAreaKind.STORAGE, CommonAreaKind.HALL},
        "drug-dealing": {CommonAreaKind.BICYCLE_SHED, CommonAreaKind.HALL},
        "vandalism": {CommonAreaKind.LIFT, CommonAreaKind.GALLERY, CommonAreaKind.HALL},
    }.get(slug)
    candidates = [a for a in areas if preferred is None or a.kind in preferred] or areas
    if candidates:
        area = rng.choice(candidates)
        return {"location_kind": LocationKind.COMMON_AREA, "common_area": area}
    return {"location_kind": LocationKind.OUTSIDE}


def _triage(rng: random.Random, submitted: services.SubmitResult, at, now, n: int) -> None:
    """Older reports have moved on: in triage, resolved, forwarded, rejected."""
    report = submitted.report
    age = (now - at).days
    intake = _intake_for(report)
    step = at + timedelta(hours=rng.randint(2, 30))
    if age < 3 or step >= now:
        return
    services.report_status_change(
        actor=intake,
        report_id=report.pk,
        to_status="in_triage",
        internal_note="Opgepakt bij de dagelijkse intake.",
        now=step,
    )
    if n == 7:  # the thread with a question and an answer
        question_at = step + timedelta(hours=1)
        services.report_message_to_reporter(
            actor=intake,
            report_id=report.pk,
            body="Dank voor uw melding. Weet u op welke dagen dit meestal gebeurt?",
            now=question_at,
        )
        reporter = services.report_passphrase_check(
            tracking_code=submitted.tracking_code, passphrase=submitted.passphrase
        )
        services.report_message_from_reporter(
            actor=reporter,
            report=report,
            body="Vooral op vrijdag en zaterdag, na tienen.",
            now=question_at + timedelta(hours=5),
        )
    if age < 10:
        return
    later = step + timedelta(days=rng.randint(1, 5))
    roll = rng.random()
    if report.category.slug == "illegal-subletting" or (
        roll < 0.15 and report.receiving_organisation.slug == "de-vaart"
    ):
        target = Organisation.objects.filter(
            slug="handhaving-rivierstad"
            if report.category.slug != "illegal-subletting"
            else "gemeente-rivierstad"
        ).first()
        if target is not None and target.pk != report.receiving_organisation_id:
            services.report_forward(
                actor=intake,
                report_id=report.pk,
                to_organisation_id=target.pk,
                internal_note="Hoort bij de gemeente/handhaving; doorgestuurd.",
                now=later,
            )
        return
    if roll < 0.25:
        services.report_status_change(
            actor=intake,
            report_id=report.pk,
            to_status="rejected",
            reason="Deze melding gaat over hetzelfde als een eerdere melding die we al oppakken.",
            internal_note="Dubbele melding.",
            now=later,
        )
        return
    services.report_status_change(
        actor=intake,
        report_id=report.pk,
        to_status="resolved",
        resident_text=None,
        internal_note="Afgehandeld; controle bij de volgende ronde.",
        now=later,
    )


def _observations(horizon: Building, categories: dict, now) -> int:
    """What the BOA and the community police officer saw or heard themselves."""
    items = [
        (
            "boa",
            "handhaving-rivierstad",
            "litter",
            Channel.PROFESSIONAL_OBSERVATION,
            40,
            "Bij de surveillance: grofvuil bij de containers van ingang C.",
        ),
        (
            "wijkagent",
            "politie-rivierstad",
            "nitrous-oxide",
            Channel.EVENING,
            20,
            "Op de bewonersavond gehoord: lachgasflessen in de bergingen van ingang B.",
        ),
        (
            "wijkbeheerder",
            "de-vaart",
            "vandalism",
            Channel.DOOR,
            8,
            "Bij het huisbezoek: bewoners melden dat de lift van ingang A vaak kapot is.",
        ),
    ]
    created = 0
    for username, organisation_slug, slug, channel, days_ago, text in items:
        if slug not in categories:
            continue
        if Report.objects.filter(
            building=horizon,
            category=categories[slug],
            channel=channel,
            created_by_membership__user__username=username,
        ).exists():
            continue
        viewer = _viewer(username)
        organisation = Organisation.objects.filter(slug=organisation_slug).first()
        if organisation is None:
            continue
        try:
            services.report_log_observation(
                actor=viewer,
                organisation_id=organisation.pk,
                building=horizon,
                category=categories[slug],
                description=text,
                channel=channel,
                location_kind=LocationKind.COMMON_AREA,
                now=now - timedelta(days=days_ago),
            )
        except PermissionDenied:
            continue
        created += 1
    return created


STANDARD_TEXTS = {
    "Wanneer gebeurt het?": {
        "nl": "Dank voor uw melding. Op welke dagen en tijden gebeurt dit meestal?",
        "en": "Thank you for your report. On which days and at what times does this usually "
        "happen?",
        "tr": "Bildiriminiz için teşekkür ederiz. Bu genellikle hangi günlerde ve saatlerde "
        "oluyor?",
        "ar": "شكرًا على بلاغك. في أي أيام وأوقات يحدث هذا عادةً؟",
        "pl": "Dziękujemy za zgłoszenie. W jakie dni i o jakich godzinach zwykle to się dzieje?",
        "uk": "Дякуємо за ваше повідомлення. У які дні та о котрій годині це зазвичай "
        "відбувається?",
    },
    "Graag een foto": {
        "nl": "Kunt u, als het veilig kan, een foto toevoegen met uw meldingscode? Zet er geen "
        "mensen op.",
        "en": "If it is safe to do so, could you add a photo with your tracking code? Please "
        "leave people out of it.",
        "tr": "Güvenliyse, takip kodunuzla bir fotoğraf ekleyebilir misiniz? Lütfen fotoğrafta "
        "insan olmasın.",
        "ar": "إذا كان ذلك آمنًا، هل يمكنك إضافة صورة باستخدام رمز المتابعة الخاص بك؟ "
        "من فضلك لا تصوّر أشخاصًا.",
        "pl": "Jeśli to bezpieczne, czy może Pan/Pani dodać zdjęcie za pomocą kodu zgłoszenia? "
        "Proszę nie fotografować ludzi.",
        "uk": "Якщо це безпечно, чи могли б ви додати фото за своїм кодом повідомлення? "
        "Будь ласка, не фотографуйте людей.",
    },
}


def _standard_texts(corporation) -> None:
    """De Vaart's library: a question and a request for a photo in the six languages."""
    if corporation is None:
        return
    existing = set(
        StandardText.objects.filter(organisation=corporation).values_list("title", flat=True)
    )
    for title, body in STANDARD_TEXTS.items():
        if title not in existing:
            services.standard_text_create(
                actor=system_viewer("demo"), organisation_id=corporation.pk, title=title, body=body
            )
