"""The residents of the demo flat: about 100 of De Horizon's 120 units and all of Het Baken.

Built through the residents import service from a generated housing-ERP export (Faker,
seeded, so every run makes the same file), then a few contact moments through
`contact_moment_record`. Idempotent: a file that was imported once is not imported again
(and importing it again would update nothing), and contact moments are added only once.
"""

import csv
import io
import random
import unicodedata
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from faker import Faker

from wijkregie.core import jobs
from wijkregie.core.access import system_viewer
from wijkregie.core.models import Job
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building, Unit
from wijkregie.residents import services
from wijkregie.residents.importing import COLUMNS, JOB_KIND
from wijkregie.residents.models import ContactChannel, ContactMoment, Occupancy, Resident

SEED = 2026
HORIZON = ("De Horizon", "de-vaart", "demo-de-horizon-bewoners.csv", "DV", 100)
BAKEN = ("Het Baken", "oostwaard", "demo-het-baken-bewoners.csv", "OW", None)

# Languages spoken in the flat, with weights: Dutch most, then the languages of the story.
LANGUAGES = [("nl", 62), ("tr", 10), ("ar", 9), ("pl", 6), ("en", 5), ("uk", 4), ("so", 4)]
FAKER_LOCALES = {"nl": "nl_NL", "tr": "tr_TR", "pl": "pl_PL", "en": "en_GB"}
# Transliterated names as a Dutch ERP holds them (Faker has no Somali, and writes Arabic
# and Ukrainian names in their own scripts).
NAMES = {
    "ar": (
        ["Mohamed", "Fatima", "Youssef", "Amina", "Khalid", "Nadia", "Omar", "Layla", "Said"],
        ["El Amrani", "Benali", "Haddou", "Bouzid", "El Idrissi", "Azzouzi", "Chaouch"],
    ),
    "so": (
        ["Abdi", "Hodan", "Farah", "Ayaan", "Mahad", "Sahra", "Hassan", "Ifrah"],
        ["Warsame", "Abdullahi", "Jama", "Hussein", "Osman", "Ali"],
    ),
    "uk": (
        ["Olena", "Andrii", "Iryna", "Taras", "Oksana", "Dmytro", "Kateryna"],
        ["Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Melnyk", "Kravchenko"],
    ),
}
CONTACT_MOMENTS = [
    (ContactChannel.VISIT, "Kennismaking bij het langsgaan van alle deuren; geen bijzonderheden."),
    (ContactChannel.PHONE, "Belde over de kapotte lift in opgang B; melding doorgezet."),
    (ContactChannel.EVENING, "Was op de bewonersavond; wil meedenken over de fietsenstalling."),
    (ContactChannel.LETTER, "Brief over de schoonmaak van de bergingen verstuurd."),
    (ContactChannel.VISIT, "Huisbezoek na melding geluidsoverlast; afspraken gemaakt."),
]


def _ascii(text: str) -> str:
    return (
        unicodedata.normalize("NFKD", text)
        .encode("ascii", "ignore")
        .decode()
        .lower()
        .replace(" ", "")
    )


class _People:
    """Deterministic fake people for the export."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.faker = Faker(list(FAKER_LOCALES.values()))
        self.faker.seed_instance(seed)
        self.codes, self.weights = zip(*LANGUAGES, strict=True)

    def language(self) -> str:
        return self.rng.choices(self.codes, weights=self.weights)[0]

    def name(self, language: str, family: str | None = None) -> tuple[str, str]:
        if language in NAMES:
            given_names, family_names = NAMES[language]
            given = self.rng.choice(given_names)
            return given, family or self.rng.choice(family_names)
        fake = self.faker[FAKER_LOCALES[language]]
        return fake.first_name(), family or fake.last_name()

    def person(self, number: str, language: str, family: str | None = None) -> dict:
        given, family_name = self.name(language, family)
        has_email = self.rng.random() < 0.7
        return {
            "relation_number": number,
            "given_name": given,
            "family_name": family_name,
            "email": f"{_ascii(given)}.{_ascii(family_name)}@example.nl" if has_email else "",
            "phone": f"06{self.rng.randrange(10_000_000, 99_999_999)}"
            if self.rng.random() < 0.8
            else "",
            "preferred_language": language,
            "consent_newsletter_email": "ja" if has_email and self.rng.random() < 0.57 else "nee",
            "consent_chat": "ja" if self.rng.random() < 0.3 else "nee",
            "consent_share_with_partners": "ja" if self.rng.random() < 0.25 else "nee",
        }

    def day(self, start_year: int, end_year: int) -> date:
        first = date(start_year, 1, 1)
        return first + timedelta(days=self.rng.randrange((date(end_year, 12, 31) - first).days))


def _unit_columns(unit: Unit) -> dict:
    if unit.bag_id:
        return {"bag_id": unit.bag_id}
    return {
        "postcode": unit.postcode,
        "house_number": str(unit.house_number),
        "house_letter": unit.house_letter,
        "house_number_addition": unit.house_number_addition,
    }


def erp_export(units: list[Unit], *, prefix: str, occupied: int | None, seed: int = SEED) -> bytes:
    """A housing-ERP export (semicolon-separated, Dutch kinds and DD-MM-YYYY dates, as such
    exports often are) for `occupied` of `units` (all if None)."""
    people = _People(seed)
    if occupied is None:
        chosen = units
    else:
        picked = people.rng.sample(range(len(units)), min(occupied, len(units)))
        chosen = [units[i] for i in sorted(picked)]
    rows = []
    sequence = 0

    def next_number() -> str:
        nonlocal sequence
        sequence += 1
        return f"{prefix}{100000 + sequence}"

    for unit in chosen:
        language = people.language()
        start = people.day(2008, 2025)
        if people.rng.random() < 0.12:  # a former tenant: occupancy history
            former = people.person(next_number(), people.language())
            rows.append(
                {
                    **former,
                    **_unit_columns(unit),
                    "occupancy_kind": "hoofdhuurder",
                    "start_date": people.day(1995, 2006).strftime("%d-%m-%Y"),
                    "end_date": (start - timedelta(days=1)).strftime("%d-%m-%Y"),
                }
            )
        main = people.person(next_number(), language)
        household = [(main, "hoofdhuurder")]
        if people.rng.random() < 0.35:
            household.append(
                (people.person(next_number(), language, main["family_name"]), "medehuurder")
            )
        for _n in range(people.rng.choice([0, 0, 0, 0, 1, 2])):
            household.append(
                (people.person(next_number(), language, main["family_name"]), "overige bewoner")
            )
        for person, kind in household:
            rows.append(
                {
                    **person,
                    **_unit_columns(unit),
                    "occupancy_kind": kind,
                    "start_date": start.strftime("%d-%m-%Y"),
                }
            )
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=COLUMNS, delimiter=";", restval="", lineterminator="\r\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _import(actor, building: Building, file_name: str, content: bytes) -> Job | None:
    done = Job.objects.filter(
        kind=JOB_KIND,
        organisation_id=building.owner_id,
        file_name=file_name,
        status=Job.Status.SUCCEEDED,
    ).exists()
    if done:
        return None
    job = services.residents_import_start(
        actor=actor,
        organisation_id=building.owner_id,
        file_name=file_name,
        content=content,
        language="nl",
    )
    # With the database task backend the worker would run it later; the demo needs the
    # residents now. A claimed job is left alone, so the worker's run does nothing.
    jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    if job.status != Job.Status.SUCCEEDED:
        raise RuntimeError(f"Demo residents of {building.name} rejected: {job.errors[:5]}")
    return job


def _contact_moments(building: Building) -> None:
    if ContactMoment.objects.filter(resident__landlord_id=building.owner_id).exists():
        return
    user = get_user_model().objects.filter(username="wijkbeheerder").first()
    actor = viewer_for(user, origin="command") if user else None
    if actor is None or not actor.has_perm("residents.view_resident", building.owner_id):
        actor = system_viewer(label="demo")
    main_tenants = list(
        Resident.objects.filter(
            landlord_id=building.owner_id,
            occupancies__unit__building=building,
            occupancies__kind="main_tenant",
            occupancies__end_date__isnull=True,
        )
        .order_by("external_id")
        .distinct()[:8]
    )
    now = timezone.now()
    for index, resident in enumerate(main_tenants):
        for step in range(1 + index % 2):
            channel, summary = CONTACT_MOMENTS[(index + step) % len(CONTACT_MOMENTS)]
            services.contact_moment_record(
                actor=actor,
                resident_id=resident.pk,
                channel=channel,
                summary=summary,
                occurred_at=now - timedelta(days=7 * (index + 1) + 30 * step),
                organisation_id=building.owner_id,
            )


def build_residents() -> dict:
    """Import the demo residents (once) and add a few contact moments. Returns counts per
    building: {"De Horizon": {"residents": n, "occupancies": m, "contact_moments": k}, …}."""
    actor = system_viewer(label="demo")
    result = {}
    for name, owner_slug, file_name, prefix, occupied in (HORIZON, BAKEN):
        building = Building.objects.filter(name=name, owner__slug=owner_slug).first()
        if building is None:
            raise LookupError(f"Building {name!r} is missing: build the places first.")
        units = list(
            Unit.objects.filter(building=building).order_by(
                "entrance", "floor", "house_number", "house_letter", "house_number_addition", "pk"
            )
        )
        content = erp_export(units, prefix=prefix, occupied=occupied)
        _import(actor, building, file_name, content)
        if building.name == HORIZON[0]:
            _contact_moments(building)
        result[name] = {
            "residents": Resident.objects.filter(
                landlord_id=building.owner_id, occupancies__unit__building=building
            )
            .distinct()
            .count(),
            "occupancies": Occupancy.objects.filter(unit__building=building).count(),
            "contact_moments": ContactMoment.objects.filter(
                resident__landlord_id=building.owner_id
            ).count(),
        }
    return result
