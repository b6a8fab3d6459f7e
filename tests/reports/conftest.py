"""Shared set-up for the reports tests: a building, its organisations and their people.

`world` gives a building owned by a housing corporation (`owner`) with partners (police,
enforcement) and an unrelated corporation (`other`), and professionals:

- `intake`: Intake of the owner (receive_reports + view_reporter_identity + view_building)
- `triage`: receive_reports only in the owner (no identity)
- `staff`: the owner's staff without report permissions
- `police_intake`: Intake of the police (partner)
- `other_intake`: Intake of the unrelated corporation

`factories.submit(world, **overrides)` stores a report through `report_submit`.
"""

from dataclasses import dataclass

import pytest

from tests.partners.factories import OrganisationFactory
from tests.places.factories import BuildingContactFactory, BuildingFactory, UnitFactory
from wijkregie.partners.models import Organisation, OrganisationKind
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building, CommonArea, CommonAreaKind, Unit
from wijkregie.reports.models import Category


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Accounts are made per test; the default PBKDF2 rounds would dominate run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


INTAKE = ["reports.receive_reports", "reports.view_reporter_identity", "places.view_building"]


@dataclass
class World:
    owner: Organisation
    police: Organisation
    enforcement: Organisation
    other: Organisation
    building: Building
    unit: Unit
    lift: CommonArea
    category: Category
    urgent: Category
    users: dict

    def viewer(self, name):
        return viewer_for(self.users[name])


@pytest.fixture
def world(db, make_professional):
    owner = OrganisationFactory(
        name="Woonstichting Test", slug="ws-test", email="intake@ws-test.example"
    )
    police = OrganisationFactory(
        name="Politie Test", slug="politie-test", kind=OrganisationKind.POLICE
    )
    enforcement = OrganisationFactory(
        name="Handhaving Test", slug="handhaving-test", kind=OrganisationKind.ENFORCEMENT
    )
    other = OrganisationFactory(name="Woonstichting Anders", slug="ws-anders")
    building = BuildingFactory(name="De Toren", owner=owner, floors=4, entrances=["A", "B"])
    unit = UnitFactory(building=building, floor=2, entrance="A", house_number=12)
    lift = CommonArea.objects.create(
        building=building, kind=CommonAreaKind.LIFT, name="Lift A", entrance="A"
    )
    users = {
        "intake": make_professional("intake", organisation=owner, permissions=INTAKE),
        "triage": make_professional(
            "triage", organisation=owner, permissions=["reports.receive_reports"]
        ),
        "staff": make_professional(
            "staff", organisation=owner, permissions=["places.view_building"]
        ),
        "police_intake": make_professional(
            "police_intake", organisation=police, permissions=INTAKE
        ),
        "enforcement_intake": make_professional(
            "enforcement_intake", organisation=enforcement, permissions=INTAKE
        ),
        "other_intake": make_professional("other_intake", organisation=other, permissions=INTAKE),
    }
    for name, org in (("police_intake", police), ("enforcement_intake", enforcement)):
        BuildingContactFactory(
            building=building, membership=users[name].memberships.get(organisation=org)
        )
    return World(
        owner=owner,
        police=police,
        enforcement=enforcement,
        other=other,
        building=building,
        unit=unit,
        lift=lift,
        category=Category.objects.get(slug="litter"),
        urgent=Category.objects.get(slug="threats"),
        users=users,
    )
