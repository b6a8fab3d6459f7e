"""Shared set-up for the chat tests: a building, its owner corporation and partners, their
people, and two residents with their homes.

- `manager`: the owner corporation's staff (takes part, moderates, issues codes)
- `agent`: the police, a building partner (takes part)
- `outsider`: another corporation (takes part in its own buildings only)
- `coordinator`: the municipality's coordinator of the building's case (moderates)
- residents `anna` (unit 12) and `bram` (unit 14); `world.join("anna")` signs one in.
"""

from dataclasses import dataclass, field

from django.utils import translation

import pytest

from tests.partners.factories import OrganisationFactory
from tests.places.factories import BuildingContactFactory, BuildingFactory, UnitFactory
from tests.residents.factories import make_occupancy, make_resident
from wijkregie.chat import services
from wijkregie.partners.models import OrganisationKind
from wijkregie.partners.selectors import viewer_for

CORPORATION = [
    "chat.take_part",
    "chat.moderate",
    "chat.issue_join_codes",
    "places.view_building",
    "residents.view_resident",
    "residents.view_resident_contact",
    "cases.open_case",
]
PARTNER = ["chat.take_part", "places.view_building", "cases.open_case"]


@dataclass
class World:
    owner: object
    police: object
    municipality: object
    other: object
    building: object
    other_building: object
    units: dict
    users: dict
    residents: dict
    principals: dict = field(default_factory=dict)

    def viewer(self, name):
        return viewer_for(self.users[name])

    def code(self, name, actor="manager"):
        return services.join_code_issue(
            actor=self.viewer(actor), resident_id=self.residents[name].pk
        )

    def join(self, name, display_name=None, ip="10.0.0.1"):
        code, _row = self.code(name)
        principal = services.join_code_redeem(
            code=code, display_name=display_name or f"Buur {name}", language="nl", ip=ip
        )
        self.principals[name] = principal
        return principal

    def channels(self):
        return services.channels_ensure(building=self.building)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _chat_settings(settings):
    settings.WIJKREGIE_CHAT_REDIS_URL = ""
    settings.WIJKREGIE_CHAT_PUBSUB_PREFIX = "wr-test-chat"


@pytest.fixture
def world(db, make_professional):
    owner = OrganisationFactory(name="Woonstichting Test", slug="ws-test")
    police = OrganisationFactory(
        name="Politie Test", slug="politie-test", kind=OrganisationKind.POLICE
    )
    municipality = OrganisationFactory(
        name="Gemeente Test", slug="gemeente-test", kind=OrganisationKind.MUNICIPALITY
    )
    other = OrganisationFactory(name="Woonstichting Anders", slug="ws-anders")
    building = BuildingFactory(name="De Toren", owner=owner)
    other_building = BuildingFactory(name="Het Anker", owner=other)
    units = {
        12: UnitFactory(building=building, house_number=12),
        14: UnitFactory(building=building, house_number=14),
        3: UnitFactory(building=other_building, house_number=3),
    }
    users = {
        "manager": make_professional("manager", organisation=owner, permissions=CORPORATION),
        "agent": make_professional("agent", organisation=police, permissions=PARTNER),
        "coordinator": make_professional(
            "coordinator", organisation=municipality, permissions=PARTNER
        ),
        "outsider": make_professional("outsider", organisation=other, permissions=CORPORATION),
    }
    users["agent"].first_name, users["agent"].last_name = "Linda", "Agent"
    users["agent"].save()
    for name, org in (("agent", police), ("coordinator", municipality)):
        BuildingContactFactory(
            building=building, membership=users[name].memberships.get(organisation=org)
        )
    residents = {
        "anna": make_resident(
            owner,
            given_name="Annabel",
            family_name="Zonneveld",
            email="annabel@example.test",
            phone="0611112222",
        ),
        "bram": make_resident(
            owner,
            given_name="Bramwell",
            family_name="Kruimeltje",
            email="bramwell@example.test",
            phone="0633334444",
        ),
        "cees": make_resident(
            other,
            given_name="Ceesje",
            family_name="Elders",
            email="ceesje@example.test",
            phone="0655556666",
        ),
    }
    make_occupancy(residents["anna"], units[12])
    make_occupancy(residents["bram"], units[14])
    make_occupancy(residents["cees"], units[3])
    return World(
        owner=owner,
        police=police,
        municipality=municipality,
        other=other,
        building=building,
        other_building=other_building,
        units=units,
        users=users,
        residents=residents,
    )
