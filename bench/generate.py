"""National-scale data for the benchmarks, reproducible from a seed, loaded with COPY.

    .venv/bin/python -m bench.generate --seed 2026 [--scale national|small] [--fresh]
        [--reports]

At national scale: 20 housing corporations and 8 partner organisations, 300
neighbourhoods in 30 municipalities, 5,000 buildings, 250,000 units (16-digit BAG ids as
strings, postcode + house number unique), 400,000 residents each with an occupancy (one
in ten ended), common areas and building contacts; with --reports (or from the harness)
1,000,000 reports with their reporter identities and history.

The same seed gives the same rows (ids, names, codes, timestamps): nothing reads the
clock or an unseeded random source. It writes into the bench database only
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/wijkregie_bench);
--fresh drops and re-creates it and runs the migrations first.

Reserved buildings, in this order, so the benchmarks find them without searching:
`page_buildings` small ones (20 units), `page_buildings` large ones (120 units, ten
storeys, four entrances, like the demo's De Horizon), then `import_repeats + 1` empty
ones for the unit import (40 storeys x 10 entrances; the last for the raw baseline).
"""

import argparse
import base64
import bisect
import itertools
import math
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

# Fixed "now" of the generated world: reproducible timestamps.
EPOCH = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)

MUNICIPALITIES = [
    (344, "Utrecht"),
    (363, "Amsterdam"),
    (599, "Rotterdam"),
    (518, "'s-Gravenhage"),
    (772, "Eindhoven"),
    (14, "Groningen"),
    (153, "Enschede"),
    (855, "Tilburg"),
    (34, "Almere"),
    (758, "Breda"),
    (268, "Nijmegen"),
    (202, "Arnhem"),
    (392, "Haarlem"),
    (193, "Zwolle"),
    (307, "Amersfoort"),
    (796, "'s-Hertogenbosch"),
    (546, "Leiden"),
    (503, "Delft"),
    (80, "Leeuwarden"),
    (935, "Maastricht"),
    (505, "Dordrecht"),
    (200, "Apeldoorn"),
    (479, "Zaanstad"),
    (375, "Hilversum"),
    (1916, "Leidschendam-Voorburg"),
    (356, "Nieuwegein"),
    (394, "Haarlemmermeer"),
    (637, "Zoetermeer"),
    (1783, "Westland"),
    (228, "Ede"),
]
NEIGHBOURHOOD_PARTS = (
    [
        "Oost",
        "West",
        "Noord",
        "Zuid",
        "Centrum",
        "Binnenstad",
        "Hoograven",
        "Lombok",
        "Kanaleneiland",
        "Overvecht",
        "Zuilen",
        "Ondiep",
        "Tuinwijk",
        "Rivierenwijk",
        "Schildersbuurt",
        "Bloemenbuurt",
        "Vogelwijk",
        "Molenwijk",
        "Bomenbuurt",
        "Staatsliedenbuurt",
    ],
    ["", " Noord", " Zuid", " Oost", " West", "-Midden", " I", " II", " III", "kwartier"],
)
STREETS = [
    "Amsterdamsestraatweg",
    "Kanaalstraat",
    "Vleutenseweg",
    "Laan van Nieuw-Guinea",
    "Merelstraat",
    "Karel Doormanlaan",
    "Marnixlaan",
    "Rivierstraat",
    "Zonnebloemstraat",
    "Troelstralaan",
    "Anne Frankplein",
    "Dorpsstraat",
    "Kerkstraat",
    "Schoolstraat",
    "Molenweg",
    "Julianalaan",
    "Beatrixstraat",
    "Wilhelminapark",
    "Oranjelaan",
    "Stationsweg",
    "Parkweg",
    "Vondellaan",
    "Rembrandtlaan",
    "Spinozaweg",
    "Erasmusplein",
    "Hugo de Grootstraat",
]
COMPLEX_NAMES = [
    "De Horizon",
    "Het Baken",
    "De Toren",
    "De Vaart",
    "Het Anker",
    "De Linde",
    "De Eik",
    "De Zon",
    "De Meander",
    "De Poort",
    "Het Kompas",
    "De Kade",
    "De Hoven",
    "De Werf",
    "Het Plein",
    "De Boog",
    "De Terp",
    "De Sluis",
    "De Brug",
    "Het Hof",
]
GIVEN_NAMES = [
    "Daan",
    "Sem",
    "Noah",
    "Lucas",
    "Levi",
    "Finn",
    "Milan",
    "Bram",
    "Luuk",
    "Jesse",
    "Thijs",
    "Mohamed",
    "Ahmed",
    "Youssef",
    "Emre",
    "Mehmet",
    "Ali",
    "Omar",
    "Piotr",
    "Jan",
    "Kees",
    "Henk",
    "Piet",
    "Wim",
    "Gerrit",
    "Emma",
    "Julia",
    "Tess",
    "Sophie",
    "Anna",
    "Zoë",
    "Sara",
    "Fenna",
    "Lotte",
    "Eva",
    "Fatima",
    "Ayşe",
    "Zeynep",
    "Noor",
    "Yasmina",
    "Maria",
    "Agnieszka",
    "Olena",
    "Iryna",
    "Ingrid",
    "Els",
    "Marieke",
    "Annemarie",
    "Anouk",
    "Sanne",
    "Lisa",
    "Lieke",
    "Nina",
    "Femke",
    "Priya",
    "Chen",
    "Hoa",
    "Abdi",
    "Amina",
    "Hanna",
]
FAMILY_NAMES = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "El Amrani",
    "Benali",
    "Bouzid",
    "El Idrissi",
    "Ouali",
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Kowalczyk",
    "Shevchenko",
    "Kovalenko",
    "Bondarenko",
    "Tkachenko",
    "Mohamud",
    "Abdullahi",
    "Tesfay",
    "Haile",
    "Nguyen",
    "Tran",
    "Wang",
    "Li",
    "Singh",
    "Ramdin",
    "Soekhoe",
    "Martina",
    "Pinas",
]
# Share of residents with each consent (residents.ContactConsent), as in a landlord's file.
CONSENT_SHARES = (("newsletter_email", 0.3), ("chat", 0.2), ("share_with_partners", 0.25))
LANGUAGES = [
    ("nl", 70),
    ("en", 6),
    ("tr", 7),
    ("ar", 7),
    ("pl", 4),
    ("uk", 3),
    ("so", 2),
    ("ti", 1),
]
PARTNER_KINDS = [
    ("municipality", "Gemeente", "gebiedsregisseur"),
    ("police", "Politie", "wijkagent"),
    ("enforcement", "Handhaving", "boa"),
    ("community_work", "Welzijn", "opbouwwerker"),
    ("social_team", "Sociaal Wijkteam", "wijkteam"),
    ("security_company", "Beveiliging", "beveiliger"),
    ("mediation", "Buurtbemiddeling", "bemiddelaar"),
    ("municipality", "Gemeente", "gebiedsregisseur"),
]
CORP_STAFF_ROLES = [
    "wijkbeheerder",
    "wijkbeheerder",
    "leefbaarheidsconsulent",
    "woonfraude",
    "intake",
    "beheerder",
]
PARTNER_STAFF = 6
CONTACTS_PER_BUILDING = 3

# Reports: the share of reports per category (the product seeds the categories; a slug
# missing here gets 5) and the categories a neighbourhood routing rule sends to the police.
CATEGORY_SHARES = {
    "crime-in-progress": 1,
    "threats": 4,
    "arson-fire-risk": 3,
    "nitrous-oxide": 8,
    "drug-dealing": 6,
    "litter": 22,
    "vandalism": 14,
    "illegal-subletting": 5,
    "noise-nuisance": 24,
    "unsafe-common-area": 8,
    "other": 5,
    "contact": 1,
}
POLICE_CATEGORIES = {"crime-in-progress", "threats", "nitrous-oxide", "drug-dealing"}
REPORT_PHRASES = [
    "In de fietsenstalling liggen weer lachgascilinders.",
    "De lift in portiek B is kapot en er is op de muur geklad.",
    "Er wordt 's nachts in het trappenhuis gedeald.",
    "Naast de containers ligt al dagen grofvuil.",
    "Harde muziek tot diep in de nacht op de bovenste verdieping.",
    "De verlichting in de hal doet het niet, het is er onveilig.",
    "In de bergingen ruikt het naar brand.",
    "Ik word bedreigd door jongeren bij de ingang.",
    "Er wonen steeds andere mensen in de woning naast mij.",
    "De voordeur van de portiek sluit niet meer.",
]
# Status of a report by age: most old reports are closed, most new ones open.
STATUS_MIX_OLD = [
    ("resolved", 78),
    ("rejected", 9),
    ("linked_to_case", 4),
    ("forwarded", 3),
    ("in_triage", 3),
    ("received", 3),
]
STATUS_MIX_NEW = [
    ("received", 30),
    ("in_triage", 30),
    ("forwarded", 10),
    ("resolved", 22),
    ("rejected", 4),
    ("linked_to_case", 4),
]
CONTACT_MIX = [("anonymous", 45), ("shielded", 40), ("open", 15)]
CHANNEL_MIX = [
    ("web", 70),
    ("open311", 12),
    ("phone", 8),
    ("professional_observation", 5),
    ("visit", 3),
    ("evening", 2),
]


def _weighted(rng: random.Random, pairs):
    values = [p[0] for p in pairs]
    cum = list(itertools.accumulate(p[1] for p in pairs))
    total = cum[-1]
    rand = rng.random
    return lambda: values[bisect.bisect_right(cum, rand() * total)]


CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # as wijkregie.reports.models
CODE_SPACE = len(CODE_ALPHABET) ** 10
CODE_MULTIPLIER = 387_420_489_000_013  # coprime with 31**10: n -> n*m mod 31**10 is a bijection


def tracking_code(n: int) -> str:
    """A unique, random-looking 10-character code for report n (no collisions to check)."""
    x = (n * CODE_MULTIPLIER + 12_345_678_901) % CODE_SPACE
    out = []
    for _ in range(10):
        x, r = divmod(x, 31)
        out.append(CODE_ALPHABET[r])
    return "".join(out)


def _postcodes(rng: random.Random, count: int) -> list[str]:
    letters = [a + b for a in "ABCEGHJKLMNPRTVWXZ" for b in "ABCEGHJKLMNPRTVWXZ"]
    space = 9000 * len(letters)
    return [
        f"{1000 + n // len(letters)}{letters[n % len(letters)]}"
        for n in rng.sample(range(space), count)
    ]


def _token(rng: random.Random, nbytes: int = 8) -> str:
    return (
        base64.urlsafe_b64encode(rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big"))
        .decode()
        .rstrip("=")
    )


@dataclass
class BuildingPlan:
    id: int
    owner_id: int
    neighbourhood_id: int
    gm: int
    city: str
    name: str
    street: str
    postcode: str
    floors: int
    entrances: list[str]
    per_floor: int  # units per entrance per floor
    units: int
    kind: str  # small | large | import | baseline | other


@dataclass
class World:
    """What the generator made, for the benchmarks to find their subjects."""

    seed: int
    scale: str
    corp_ids: list[int] = field(default_factory=list)
    partner_ids: list[int] = field(default_factory=list)
    staff: dict = field(default_factory=dict)  # org id -> [(user id, membership id, role slug)]
    buildings: dict = field(default_factory=dict)  # kind -> [building ids]
    counts: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    import_postcodes: list[list[str]] = field(default_factory=list)
    first_unit_bag_seq: int = 0
    spare_postcodes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "seed": self.seed,
            "scale": self.scale,
            "counts": self.counts,
            "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
        }


def _layout(n: int, rng: random.Random) -> tuple[int, list[str], int]:
    """Storeys, entrances and units per entrance per floor for a building of n units."""
    if n <= 24:
        e = 1
    elif n <= 60:
        e = 2
    elif n <= 150:
        e = rng.choice([2, 3, 4])
    else:
        e = rng.choice([4, 5, 6])
    per = rng.choice([2, 3, 4])
    floors = math.ceil(n / (e * per))
    while floors > 30:
        per += 1
        floors = math.ceil(n / (e * per))
    return max(1, floors), [chr(ord("A") + i) for i in range(e)], per


def _unit_positions(floors: int, entrances: list[str], per: int, n: int):
    """(entrance, floor) for each of n units, filled storey by storey from the ground."""
    out = []
    for floor in range(floors):
        for entrance in entrances:
            for _k in range(per):
                if len(out) == n:
                    return out
                out.append((entrance, floor))
    return out


def copy_people(users, memberships, membership_roles, ts) -> None:
    """Staff by COPY: users `(id, username, first name, last name, email)`, their
    memberships `(id, user id, organisation id, job title, mandate level)` (the work
    email is the user's) and `(membership id, role id)`. Used by the world and by the
    case workers of bench/cases.py."""
    from django.contrib.auth import get_user_model

    from bench.copyrows import copy_rows
    from wijkregie.partners.models import Membership

    User = get_user_model()
    copy_rows(
        User,
        [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        ((u[0], "!bench-unusable", False, u[1], u[2], u[3], u[4], False, True, ts) for u in users),
    )
    email = {u[0]: u[4] for u in users}
    copy_rows(
        Membership,
        [
            "id",
            "user_id",
            "organisation_id",
            "job_title",
            "mandate_level",
            "work_phone",
            "work_email",
            "created_at",
            "updated_at",
        ],
        (
            (mid, uid, oid, title, mandate, "06 1234 5678", email[uid], ts, ts)
            for mid, uid, oid, title, mandate in memberships
        ),
    )
    copy_rows(Membership.roles.through, ["membership_id", "role_id"], membership_roles)


def generate(seed: int, scale, *, log=print) -> World:
    """Generate places, partners and residents into the (migrated, empty) bench database."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from bench.copyrows import copy_rows, end_fast_load, fast_load, reset_sequence
    from wijkregie.partners.models import Membership, Organisation, Role
    from wijkregie.places.geo import rd_to_wgs84
    from wijkregie.places.models import Building, BuildingContact, CommonArea, Neighbourhood, Unit
    from wijkregie.residents.models import ContactConsent, Occupancy, Resident

    User = get_user_model()
    rng = random.Random(seed)
    world = World(seed=seed, scale=scale.name)
    started = time.perf_counter()
    ts = EPOCH - timedelta(days=400)

    roles = dict(Role.objects.values_list("slug", "id"))
    missing = {*CORP_STAFF_ROLES, *(k[2] for k in PARTNER_KINDS)} - set(roles)
    if missing:
        raise RuntimeError(f"default roles missing after migrate: {sorted(missing)}")

    fast_load()
    with transaction.atomic():
        # --- organisations -------------------------------------------------------------
        orgs = []
        for i in range(scale.organisations):
            name = f"Woonstichting {COMPLEX_NAMES[i % len(COMPLEX_NAMES)]} {i + 1:02d}"
            orgs.append((i + 1, name, f"bench-woon-{i + 1:02d}", "housing_corporation"))
            world.corp_ids.append(i + 1)
        for j in range(scale.partner_organisations):
            kind, prefix, _role = PARTNER_KINDS[j % len(PARTNER_KINDS)]
            oid = scale.organisations + j + 1
            orgs.append((oid, f"{prefix} Bench {j + 1:02d}", f"bench-partner-{j + 1:02d}", kind))
            world.partner_ids.append(oid)
        copy_rows(
            Organisation,
            [
                "id",
                "name",
                "slug",
                "kind",
                "contact_route",
                "email",
                "phone",
                "created_at",
                "updated_at",
            ],
            (
                (
                    oid,
                    name,
                    slug,
                    kind,
                    "Bel het wijkteam: 088 123 45 67",
                    f"info@{slug}.example.nl",
                    "088 123 45 67",
                    ts,
                    ts,
                )
                for oid, name, slug, kind in orgs
            ),
        )
        org_kind = {o[0]: o[3] for o in orgs}

        # --- people: users, memberships with one role each ----------------------------
        users, memberships, membership_roles = [], [], []
        uid = mid = 0
        for oid, _name, slug, kind in orgs:
            if kind == "housing_corporation":
                staff_roles = CORP_STAFF_ROLES
            else:
                role = PARTNER_KINDS[(oid - scale.organisations - 1) % len(PARTNER_KINDS)][2]
                staff_roles = [role] * PARTNER_STAFF + ["intake"]
            world.staff[oid] = []
            for k, role_slug in enumerate(staff_roles):
                uid += 1
                mid += 1
                given = rng.choice(GIVEN_NAMES)
                family = rng.choice(FAMILY_NAMES)
                username = f"{slug}-{k + 1}"
                users.append((uid, username, given, family, f"{username}@example.nl"))
                mandate = (
                    "strategic"
                    if role_slug == "beheerder"
                    else rng.choice(["operational", "tactical"])
                )
                memberships.append((mid, uid, oid, role_slug, mandate))
                membership_roles.append((mid, roles[role_slug]))
                world.staff[oid].append((uid, mid, role_slug))
        copy_people(
            users,
            [(m[0], m[1], m[2], m[3].replace("-", " ").capitalize(), m[4]) for m in memberships],
            membership_roles,
            ts,
        )
        world.counts["organisations"] = len(orgs)
        world.counts["users"] = len(users)

        # --- neighbourhoods -----------------------------------------------------------
        hoods = []
        for n in range(scale.neighbourhoods):
            gm, municipality = MUNICIPALITIES[n % len(MUNICIPALITIES)]
            k = n // len(MUNICIPALITIES)
            a, b = NEIGHBOURHOOD_PARTS
            name = f"{a[k % len(a)]}{b[(k // len(a)) % len(b)]}"
            hoods.append((n + 1, name, municipality, f"BU{gm:04d}{k:04d}", gm))
        copy_rows(
            Neighbourhood,
            ["id", "name", "municipality", "cbs_code", "created_at", "updated_at"],
            ((h[0], h[1], h[2], h[3], ts, ts) for h in hoods),
        )
        world.counts["neighbourhoods"] = len(hoods)

        # --- buildings: reserved ones first, then the rest sized to the unit total ------
        reserved_import = scale.import_repeats + 1
        other = scale.buildings - 2 * scale.page_buildings - reserved_import
        spread = scale.units - 20 * scale.page_buildings - 120 * scale.page_buildings
        if other <= 0 or spread < other * 4:
            raise ValueError("scale too small for its reserved buildings")
        weights = [rng.lognormvariate(0, 0.6) for _ in range(other)]
        total_w = sum(weights)
        raw = [4 + (spread - 4 * other) * w / total_w for w in weights]
        sizes = [int(x) for x in raw]
        for i in sorted(range(other), key=lambda i: raw[i] - sizes[i], reverse=True)[
            : spread - sum(sizes)
        ]:
            sizes[i] += 1
        plans_spec = (
            [("small", 20)] * scale.page_buildings
            + [("large", 120)] * scale.page_buildings
            + [("import", 0)] * scale.import_repeats
            + [("baseline", 0)]
            + [("other", s) for s in sizes]
        )
        postcodes = _postcodes(rng, scale.buildings + reserved_import * 64 + 64)
        plans: list[BuildingPlan] = []
        public_codes = set()
        for i, (kind, n) in enumerate(plans_spec):
            hood = hoods[rng.randrange(len(hoods))]
            owner = world.corp_ids[rng.randrange(len(world.corp_ids))]
            if kind == "small":
                floors, entrances, per = 5, ["A"], 4
            elif kind == "large":
                floors, entrances, per = 10, ["A", "B", "C", "D"], 3
            elif kind in ("import", "baseline"):
                floors, entrances, per = 40, [chr(ord("A") + e) for e in range(10)], 50
            else:
                floors, entrances, per = _layout(n, rng)
            name = f"{COMPLEX_NAMES[i % len(COMPLEX_NAMES)]} {i + 1:04d}"
            plans.append(
                BuildingPlan(
                    id=i + 1,
                    owner_id=owner,
                    neighbourhood_id=hood[0],
                    gm=hood[4],
                    city=hood[2],
                    name=name,
                    street=rng.choice(STREETS),
                    postcode=postcodes[i],
                    floors=floors,
                    entrances=entrances,
                    per_floor=per,
                    units=n,
                    kind=kind,
                )
            )
            world.buildings.setdefault(kind, []).append(i + 1)
        # Postcodes nobody uses yet: the import CSVs and the baseline take 64 each.
        spare = postcodes[len(plans) :]
        world.import_postcodes = [spare[k * 64 : (k + 1) * 64] for k in range(reserved_import)]
        world.spare_postcodes = spare[reserved_import * 64 :]

        # Points in and around Utrecht (RD, as the BAG gives them), from their own random
        # stream so that everything else the seed generates stays the same.
        point_rng = random.Random(f"{seed}-points")

        def building_rows():
            for p in plans:
                lat, long = rd_to_wgs84(
                    point_rng.uniform(125_000, 150_000), point_rng.uniform(445_000, 470_000)
                )
                code = _token(rng)
                while code in public_codes:
                    code = _token(rng)
                public_codes.add(code)
                yield (
                    p.id,
                    p.name,
                    p.owner_id,
                    p.neighbourhood_id,
                    f"{p.street} {p.id}",
                    p.postcode,
                    p.city,
                    p.floors,
                    p.entrances,
                    f"{p.gm:04d}10{p.id:010d}",
                    code,
                    f"{lat:.6f}",
                    f"{long:.6f}",
                    ts,
                    ts,
                )

        copy_rows(
            Building,
            [
                "id",
                "name",
                "owner_id",
                "neighbourhood_id",
                "street",
                "postcode",
                "city",
                "floors",
                "entrances",
                "bag_pand_id",
                "public_code",
                "latitude",
                "longitude",
                "created_at",
                "updated_at",
            ],
            building_rows(),
        )
        world.counts["buildings"] = len(plans)

        # --- common areas and who is who ------------------------------------------------
        def area_rows():
            aid = 0
            for p in plans:
                areas = []
                for e in p.entrances[:6]:
                    areas.append(("hall", f"Entreehal {e}", e, 0))
                    areas.append(("stairwell", f"Trappenhuis {e}", e, None))
                    if p.floors > 4:
                        areas.append(("lift", f"Lift {e}", e, None))
                areas += [
                    ("storage", "Bergingen", "", -1 if p.floors > 4 else 0),
                    ("bicycle_shed", "Fietsenstalling", "", 0),
                    ("outside", "Buitenterrein", "", None),
                ]
                for kind, name, entrance, floor in areas:
                    aid += 1
                    yield (aid, p.id, kind, name, entrance, floor, ts, ts)

        world.counts["common_areas"] = copy_rows(
            CommonArea,
            ["id", "building_id", "kind", "name", "entrance", "floor", "created_at", "updated_at"],
            area_rows(),
        )

        def contact_rows():
            cid = 0
            for p in plans:
                owner_staff = [s for s in world.staff[p.owner_id] if s[2] == "wijkbeheerder"]
                chosen = [(rng.choice(owner_staff)[1], "Wijkbeheer", True)]
                partners = rng.sample(
                    world.partner_ids, min(CONTACTS_PER_BUILDING - 1, len(world.partner_ids))
                )
                for oid in partners:
                    field_staff = [s for s in world.staff[oid] if s[2] != "intake"]
                    chosen.append((rng.choice(field_staff)[1], f"Contact {org_kind[oid]}", False))
                for membership_id, responsibility, first in chosen:
                    cid += 1
                    yield (cid, p.id, membership_id, responsibility, first, ts, ts)

        world.counts["building_contacts"] = copy_rows(
            BuildingContact,
            [
                "id",
                "building_id",
                "membership_id",
                "responsibility",
                "is_first_contact",
                "created_at",
                "updated_at",
            ],
            contact_rows(),
        )

        # --- units ----------------------------------------------------------------------
        world.seconds["organisations..contacts"] = time.perf_counter() - started
        t = time.perf_counter()
        unit_ids_by_building: dict[int, list[int]] = {}
        unit_building: list[int] = [0]  # index = unit id

        def unit_rows():
            uid_ = 0
            for p in plans:
                ids = []
                for house, (entrance, floor) in enumerate(
                    _unit_positions(p.floors, p.entrances, p.per_floor, p.units), start=1
                ):
                    uid_ += 1
                    ids.append(uid_)
                    unit_building.append(p.id)
                    letter = ""
                    yield (
                        uid_,
                        p.id,
                        f"{p.gm:04d}01{uid_:010d}",
                        p.postcode,
                        house,
                        letter,
                        "",
                        floor,
                        entrance,
                        ts,
                        ts,
                    )
                unit_ids_by_building[p.id] = ids

        world.counts["units"] = copy_rows(
            Unit,
            [
                "id",
                "building_id",
                "bag_id",
                "postcode",
                "house_number",
                "house_letter",
                "house_number_addition",
                "floor",
                "entrance",
                "created_at",
                "updated_at",
            ],
            unit_rows(),
        )
        world.first_unit_bag_seq = world.counts["units"] + 1
        world.seconds["units"] = time.perf_counter() - t

        # --- residents and occupancies -------------------------------------------------
        t = time.perf_counter()
        n_units = world.counts["units"]
        former = scale.residents // 10
        current = scale.residents - former
        occupied = rng.sample(range(1, n_units + 1), min(n_units, int(n_units * 0.92)))
        # Every occupied unit gets one main tenant; the rest of the current residents
        # are spread as co-tenants and other occupants.
        assignments = [(u, "main_tenant") for u in occupied[:current]]
        while len(assignments) < current:
            u = occupied[rng.randrange(len(occupied))]
            assignments.append((u, rng.choice(["co_tenant", "co_tenant", "other_occupant"])))
        for _k in range(former):
            assignments.append((rng.randrange(1, n_units + 1), "main_tenant"))
        owner_of = {p.id: p.owner_id for p in plans}
        language = _weighted(rng, LANGUAGES)
        occupancy_rows = []
        consent_rows = []

        def resident_rows():
            for rid, (unit_id, kind) in enumerate(assignments, start=1):
                given = rng.choice(GIVEN_NAMES)
                family = rng.choice(FAMILY_NAMES)
                handle = f"{given}.{family}".lower().replace(" ", "").replace("'", "")
                email = f"{handle}.{rid}@example.nl" if rng.random() < 0.6 else ""
                phone = f"06 {rng.randrange(10_000_000, 99_999_999)}" if rng.random() < 0.7 else ""
                start = date(1990, 1, 1) + timedelta(days=rng.randrange(12_500))
                end = None
                if rid > current:
                    end = min(start + timedelta(days=rng.randrange(30, 4000)), date(2025, 12, 31))
                occupancy_rows.append((rid, rid, unit_id, kind, start, end, ts, ts))
                yield (
                    rid,
                    owner_of[unit_building[unit_id]],
                    f"R{rid:09d}",
                    given,
                    family,
                    email,
                    phone,
                    language(),
                    ts,
                    ts,
                )
                for purpose, share in CONSENT_SHARES:
                    if rng.random() < share:
                        consent_rows.append((rid, purpose, "", ts, "import", ts, ts))

        world.counts["residents"] = copy_rows(
            Resident,
            [
                "id",
                "landlord_id",
                "external_id",
                "given_name",
                "family_name",
                "email",
                "phone",
                "preferred_language",
                "created_at",
                "updated_at",
            ],
            resident_rows(),
        )
        world.counts["consents"] = copy_rows(
            ContactConsent,
            [
                "resident_id",
                "purpose",
                "channel",
                "given_at",
                "given_source",
                "created_at",
                "updated_at",
            ],
            consent_rows,
        )
        world.counts["occupancies"] = copy_rows(
            Occupancy,
            [
                "id",
                "resident_id",
                "unit_id",
                "kind",
                "start_date",
                "end_date",
                "created_at",
                "updated_at",
            ],
            occupancy_rows,
        )
        world.seconds["residents+occupancies"] = time.perf_counter() - t

        for model in (
            Organisation,
            User,
            Membership,
            Membership.roles.through,
            Neighbourhood,
            Building,
            CommonArea,
            BuildingContact,
            Unit,
            Resident,
            Occupancy,
        ):
            reset_sequence(model)
    end_fast_load()

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    world.seconds["vacuum_analyze"] = time.perf_counter() - t
    world.seconds["total"] = time.perf_counter() - started
    log(f"generated {world.counts} in {world.seconds['total']:.1f} s")
    return world


def generate_reports(world: World, scale, *, log=print) -> dict:
    """1,000,000 reports (national) over the generated buildings, with reporter identities
    for the shielded and open ones and a status history, by COPY."""
    from django.db import connection, transaction

    from bench.copyrows import (
        copy_rows,
        end_fast_load,
        fast_load,
        indexes_deferred,
        reset_sequence,
    )
    from wijkregie.places.models import Building, Neighbourhood
    from wijkregie.reports import models as rm

    rng = random.Random(world.seed + 1)
    started = time.perf_counter()
    ts = EPOCH - timedelta(days=1200)
    org_kind = {}
    for oid in world.partner_ids:
        org_kind.setdefault(
            PARTNER_KINDS[(oid - len(world.corp_ids) - 1) % len(PARTNER_KINDS)][0], []
        ).append(oid)
    buildings = list(
        Building.objects.order_by("id").values_list("id", "owner_id", "neighbourhood_id")
    )
    # Reports on buildings with units (not the empty import targets).
    buildings = [
        b
        for b in buildings
        if b[0] not in set(world.buildings.get("import", []) + world.buildings.get("baseline", []))
    ]
    result = {}
    fast_load()
    with transaction.atomic():
        police = org_kind.get("police", [])
        cats = []  # (id, response_target_days, share, receiver by neighbourhood or None)
        for cid, slug, days, default_org in rm.Category.objects.values_list(
            "id", "slug", "response_target_days", "default_organisation_id"
        ):
            cats.append((cid, days, CATEGORY_SHARES.get(slug, 5), slug, default_org))
        if not cats:
            raise RuntimeError("no report categories: the reports migrations seed them")
        hood_ids = sorted(Neighbourhood.objects.values_list("id", flat=True))
        police_of = {h: police[h % len(police)] for h in hood_ids} if police else {}
        rules = [
            (c[0], h, police_of[h], ts, ts)
            for c in cats
            if c[3] in POLICE_CATEGORIES and police_of
            for h in hood_ids
        ]
        result["routing_rules"] = copy_rows(
            rm.RoutingRule,
            ["category_id", "neighbourhood_id", "organisation_id", "created_at", "updated_at"],
            rules,
        )
        cat_pick = _weighted(rng, [(c, c[2]) for c in cats])
        status_old = _weighted(rng, STATUS_MIX_OLD)
        status_new = _weighted(rng, STATUS_MIX_NEW)
        contact = _weighted(rng, CONTACT_MIX)
        channel = _weighted(rng, CHANNEL_MIX)
        span_seconds = 3 * 365 * 86400
        texts = {
            "received": "We hebben uw melding ontvangen.",
            "in_triage": "We bekijken uw melding.",
            "forwarded": "Doorgestuurd.",
            "resolved": "Afgehandeld.",
            "rejected": "Afgewezen.",
            "linked_to_case": "Onderdeel van een aanpak.",
        }
        identities, changes = [], []

        epoch_s = int(EPOCH.timestamp())
        day_text = {}

        def at(seconds: int) -> str:
            """A UTC timestamp (seconds since 1970) as COPY text, fast."""
            day, rem = divmod(seconds, 86400)
            d = day_text.get(day)
            if d is None:
                d = day_text[day] = date.fromordinal(719163 + day).isoformat()
            return f"{d} {rem // 3600:02d}:{rem % 3600 // 60:02d}:{rem % 60:02d}+00"

        open_statuses = ("received", "in_triage", "forwarded")
        phrases = REPORT_PHRASES
        n_buildings = len(buildings)
        rand = rng.random

        def report_rows():
            for rid in range(1, scale.reports + 1):
                building_id, owner_id, hood_id = buildings[int(rand() * n_buildings)]
                cat = cat_pick()
                receiver = owner_id
                if cat[3] in POLICE_CATEGORIES and police_of:
                    receiver = police_of[hood_id]
                elif cat[4]:
                    receiver = cat[4]
                created = epoch_s - int(span_seconds * (1 - rid / scale.reports))
                status = status_new() if epoch_s - created < 60 * 86400 else status_old()
                due = created + cat[1] * 7 // 5 * 86400
                very_late = created + 3 * cat[1] * 7 // 5 * 86400
                lateness = "on_time"
                if status in open_statuses:
                    if epoch_s > very_late:
                        lateness = "very_late"
                    elif epoch_s > due:
                        lateness = "late"
                closed = (
                    min(created + int(rand() * 29 + 1) * 86400, epoch_s)
                    if status in ("resolved", "rejected")
                    else None
                )
                mode = contact()
                c_at = at(created)
                # Every public report has an identity row (the passphrase; contact data
                # unless anonymous) and a pseudonym seed.
                key = f"{rid:064x}"
                pseudo = f"{rid:064x}"
                if mode == "anonymous":
                    identities.append(
                        f"{rid}\t{rid}\t\t\t\tnl\t{receiver}\tf\t{key}\t{c_at}\t{c_at}"
                    )
                else:
                    identities.append(
                        f"{rid}\t{rid}\tMelder {rid}\tmelder{rid}@example.nl\t\tnl\t{receiver}\t"
                        f"{'t' if mode == 'open' else 'f'}\t{key}\t{c_at}\t{c_at}"
                    )
                changes.append(f"{rid}\t\treceived\t{texts['received']}\tbench\t{receiver}\t{c_at}")
                # The first status and the current one (the steps between are left out:
                # no benchmark reads a whole history, and they would double the rows).
                if status != "received":
                    changes.append(
                        f"{rid}\treceived\t{status}\t{texts[status]}\tbench\t{receiver}\t"
                        f"{at(closed or created + 86400)}"
                    )
                closed_text = at(closed) if closed else "\\N"
                yield (
                    f"{rid}\t{tracking_code(rid)}\t{cat[0]}\t{building_id}\tcommon_area\t"
                    f"{phrases[int(rand() * len(phrases))]}\t{channel()}\t{mode}\t{receiver}\t"
                    f"{status}\t{at(due)}\t{at(very_late)}\t{lateness}\t{pseudo}\t"
                    f"{closed_text}\t{c_at}\t{at(closed) if closed else c_at}"
                )

        deferred = indexes_deferred(rm.Report, rm.ReporterIdentity, rm.ReportStatusChange)
        deferred.__enter__()
        result["reports"] = copy_rows(
            rm.Report,
            [
                "id",
                "tracking_code",
                "category_id",
                "building_id",
                "location_kind",
                "description",
                "channel",
                "contact_mode",
                "receiving_organisation_id",
                "status",
                "due_at",
                "very_late_at",
                "lateness",
                "reporter_seed",
                "closed_at",
                "created_at",
                "updated_at",
            ],
            report_rows(),
        )
        result["reporter_identities"] = copy_rows(
            rm.ReporterIdentity,
            [
                "id",
                "report_id",
                "name",
                "email",
                "phone",
                "language",
                "visible_to_organisation_id",
                "consent_to_forward",
                "reporter_key",
                "created_at",
                "updated_at",
            ],
            identities,
        )
        identities.clear()
        result["status_changes"] = copy_rows(
            rm.ReportStatusChange,
            [
                "report_id",
                "from_status",
                "to_status",
                "resident_text",
                "actor_label",
                "organisation_id",
                "created_at",
            ],
            changes,
        )
        t = time.perf_counter()
        deferred.__exit__(None, None, None)
        result["index_seconds"] = round(time.perf_counter() - t, 1)
        for model in (
            rm.RoutingRule,
            rm.Report,
            rm.ReporterIdentity,
            rm.ReportStatusChange,
        ):
            reset_sequence(model)
    end_fast_load()
    t = time.perf_counter()
    with connection.cursor() as cur:
        for model in (rm.Report, rm.ReporterIdentity, rm.ReportStatusChange):
            cur.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["vacuum_seconds"] = round(time.perf_counter() - t, 1)
    log(f"generated reports {result}")
    return result


def main(argv=None) -> int:
    from bench.common import DEFAULT_SEED, SCALES, bench_database_url, configure_environment

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scale", choices=sorted(SCALES), default="national")
    parser.add_argument("--fresh", action="store_true", help="drop, create and migrate first")
    parser.add_argument("--reports", action="store_true", help="also generate the reports")
    args = parser.parse_args(argv)
    url = bench_database_url()
    configure_environment(url)
    if args.fresh:
        from bench.db import migrate, recreate_database

        recreate_database(url)
        migrate(url)
    import django

    django.setup()
    world = generate(args.seed, SCALES[args.scale])
    if args.reports:
        generate_reports(world, SCALES[args.scale])
    return 0


if __name__ == "__main__":
    sys.exit(main())
