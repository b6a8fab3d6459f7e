"""The places of the demo flat: Rivierwijk, De Horizon (120 units) and Het Baken.

Idempotent and built through the places services with `system_viewer()`. The units of
both buildings go through the CSV import service (a generated file), so every demo run
also exercises the import; a second run updates nothing. Organisations and people come
from `demo/partners.py`; a persona that does not exist (yet) is left off the directory.
"""

from django.contrib.auth import get_user_model

from wijkregie.core.access import system_viewer
from wijkregie.partners.models import Membership, Organisation
from wijkregie.places import services
from wijkregie.places.geo import rd_to_wgs84
from wijkregie.places.models import Building, BuildingContact, CommonArea, CommonAreaKind
from wijkregie.places.models import Neighbourhood as NeighbourhoodModel
from wijkregie.places.unit_import import COLUMNS

MUNICIPALITY = "Rivierstad"
NEIGHBOURHOOD = "Rivierwijk"

HORIZON = {
    "name": "De Horizon",
    "owner": "de-vaart",
    "street": "Horizonlaan",
    "postcode": "3521HZ",
    "city": "Rivierstad",
    "floors": 10,
    "entrances": ["A", "B", "C", "D"],
    "bag_pand_id": "0344100000612345",
    # The pand's centre in RD, as the BAG gives it (a flat in the north of Utrecht).
    "rd": (136_220.0, 458_670.0),
}
HORIZON_UNITS_PER_FLOOR = 3
BAKEN = {
    "name": "Het Baken",
    "owner": "oostwaard",
    "street": "Bakenplein",
    "postcode": "3522BK",
    "city": "Rivierstad",
    "floors": 4,
    "entrances": ["A"],
    "bag_pand_id": "0344100000623456",
    "rd": (136_480.0, 458_520.0),
}
BAKEN_UNITS_PER_FLOOR = 2

# (username, responsibility in this building, first point of contact)
HORIZON_CONTACTS = [
    (
        "wijkbeheerder",
        "Eerste aanspreekpunt voor bewoners en partners: dagelijks beheer, meldingen en "
        "huisbezoeken",
        True,
    ),
    ("leefbaarheid", "Overlastdossiers, escalatieladder en schadeverhaal", False),
    ("woonfraude", "Onderzoek naar onderhuur en woonfraude", False),
    ("gebiedsregisseur", "Regie op de gezamenlijke aanpak; voorzitter casusoverleg", False),
    ("boa", "Handhaving op zwerfafval, vandalisme en overlast rond de flat", False),
    ("wijkagent", "Signalen van criminaliteit (handel, bedreiging) en veiligheid", False),
    ("opbouwwerker", "Bewonersavonden en initiatieven van bewoners", False),
    ("wijkteam", "Ondersteuning van kwetsbare bewoners en zorgsignalen", False),
    ("beveiliger", "Surveillance in en rond de flat, incidentmeldingen", False),
]
BAKEN_CONTACTS = [
    ("oostwaard", "Eerste aanspreekpunt voor bewoners en partners: beheer en meldingen", True),
]


def _bag_id(sequence: int) -> str:
    """A 16-digit BAG verblijfsobject id in the municipality's range (0344 01 …)."""
    return f"0344010000{sequence:06d}"


def horizon_csv() -> bytes:
    """120 units: 3 per entrance per floor, house numbers running on per entrance
    (A 1–30, B 31–60, C 61–90, D 91–120)."""
    lines = [",".join(COLUMNS)]
    number = 0
    for entrance in HORIZON["entrances"]:
        for floor in range(HORIZON["floors"]):
            for _n in range(HORIZON_UNITS_PER_FLOOR):
                number += 1
                lines.append(
                    f"{_bag_id(number)},{HORIZON['postcode']},{number},,,{floor},{entrance}"
                )
    return ("\n".join(lines) + "\n").encode()


def baken_csv() -> bytes:
    lines = [",".join(COLUMNS)]
    number = 0
    for floor in range(BAKEN["floors"]):
        for _n in range(BAKEN_UNITS_PER_FLOOR):
            number += 1
            lines.append(f"{_bag_id(2000 + number)},{BAKEN['postcode']},{number},,,{floor},A")
    return ("\n".join(lines) + "\n").encode()


def _horizon_areas() -> list[dict]:
    areas = []
    for e in HORIZON["entrances"]:
        areas += [
            {"kind": CommonAreaKind.LIFT, "name": f"Lift {e}", "entrance": e},
            {"kind": CommonAreaKind.STAIRWELL, "name": f"Trappenhuis {e}", "entrance": e},
            {"kind": CommonAreaKind.HALL, "name": f"Entreehal {e}", "entrance": e, "floor": 0},
        ]
    areas += [
        {"kind": CommonAreaKind.STORAGE, "name": "Bergingen", "floor": 0},
        {"kind": CommonAreaKind.BICYCLE_SHED, "name": "Fietsenstalling", "floor": 0},
        {"kind": CommonAreaKind.OUTSIDE, "name": "Buitenruimte en speelplein"},
    ]
    return areas


BAKEN_AREAS = [
    {"kind": CommonAreaKind.STAIRWELL, "name": "Trappenhuis A", "entrance": "A"},
    {"kind": CommonAreaKind.HALL, "name": "Entreehal A", "entrance": "A", "floor": 0},
    {"kind": CommonAreaKind.STORAGE, "name": "Bergingen", "floor": 0},
]


def _neighbourhood(actor) -> NeighbourhoodModel:
    existing = NeighbourhoodModel.objects.filter(
        municipality=MUNICIPALITY, name=NEIGHBOURHOOD
    ).first()
    return existing or services.neighbourhood_create(
        actor=actor, name=NEIGHBOURHOOD, municipality=MUNICIPALITY
    )


def _building(actor, spec: dict, neighbourhood) -> Building:
    owner = Organisation.objects.filter(slug=spec["owner"]).first()
    if owner is None:
        raise LookupError(
            f"Organisation {spec['owner']!r} is missing: build the partners (demo/partners.py) "
            "before the places."
        )
    building = Building.objects.filter(owner=owner, name=spec["name"]).first()
    fields = {k: v for k, v in spec.items() if k not in ("owner", "name", "rd")}
    fields["latitude"], fields["longitude"] = rd_to_wgs84(*spec["rd"])
    if building is None:
        return services.building_create(
            actor=actor,
            owner_id=owner.pk,
            name=spec["name"],
            neighbourhood_id=neighbourhood.pk,
            **fields,
        )
    return services.building_update(
        actor=actor, building_id=building.pk, neighbourhood_id=neighbourhood.pk, **fields
    )


def _areas(actor, building: Building, areas: list[dict]) -> None:
    existing = set(CommonArea.objects.filter(building=building).values_list("kind", "name"))
    for area in areas:
        if (area["kind"], area["name"]) not in existing:
            services.common_area_create(actor=actor, building_id=building.pk, **area)


def _units(actor, building: Building, content: bytes) -> None:
    result = services.units_import(
        actor=actor, building_id=building.pk, content=content, language="nl"
    )
    if not result.ok:
        raise RuntimeError(f"Demo units of {building.name} rejected: {result.errors[:5]}")


def _contacts(actor, building: Building, contacts) -> list[str]:
    added = []
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=[c[0] for c in contacts])
    }
    present = set(
        BuildingContact.objects.filter(building=building).values_list(
            "membership__user__username", "responsibility", "is_first_contact"
        )
    )
    for username, responsibility, first in contacts:
        user = users.get(username)
        membership = (
            Membership.objects.filter(user=user, is_active=True).order_by("pk").first()
            if user
            else None
        )
        if membership is None:
            continue  # the persona is not there (yet): leave them off the directory
        if (username, responsibility, first) not in present:
            services.building_contact_add(
                actor=actor,
                building_id=building.pk,
                membership_id=membership.pk,
                responsibility=responsibility,
                is_first_contact=first,
            )
        added.append(username)
    return added


def build_places() -> dict:
    """Build (or bring up to date) the demo places. Returns
    {"neighbourhood": Neighbourhood, "horizon": Building, "baken": Building,
    "contacts": {"horizon": [usernames], "baken": [usernames]}}."""
    actor = system_viewer(label="demo")
    neighbourhood = _neighbourhood(actor)
    horizon = _building(actor, HORIZON, neighbourhood)
    baken = _building(actor, BAKEN, neighbourhood)
    _areas(actor, horizon, _horizon_areas())
    _areas(actor, baken, BAKEN_AREAS)
    _units(actor, horizon, horizon_csv())
    _units(actor, baken, baken_csv())
    return {
        "neighbourhood": neighbourhood,
        "horizon": horizon,
        "baken": baken,
        "contacts": {
            "horizon": _contacts(actor, horizon, HORIZON_CONTACTS),
            "baken": _contacts(actor, baken, BAKEN_CONTACTS),
        },
    }
