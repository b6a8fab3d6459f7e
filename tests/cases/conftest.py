"""Shared set-up for the cases tests: a building, its partners and their people.

- `coordinator`: the owner corporation's neighbourhood manager (intake too; opens cases)
- `colleague`: the same corporation, not on any case
- `director`: the municipality (opens cases, strategic mandate)
- `agent`: the police (a building partner)
- `outsider`: another corporation (opens cases, not a partner of the building)

`world.open_case()` opens a case as the coordinator.
"""

from dataclasses import dataclass

from django.utils import translation

import pytest

from tests.partners.factories import OrganisationFactory
from tests.places.factories import BuildingContactFactory, BuildingFactory, UnitFactory
from wijkregie.cases import services
from wijkregie.cases.workflows import CaseKind
from wijkregie.partners.models import Organisation, OrganisationKind
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building, Unit

OPEN = ["cases.open_case", "places.view_building"]
INTAKE = ["reports.receive_reports", "reports.view_reporter_identity"]
DIRECTORY = ["partners.view_directory"]


@dataclass
class World:
    owner: Organisation
    municipality: Organisation
    police: Organisation
    other: Organisation
    building: Building
    unit: Unit
    users: dict

    def viewer(self, name):
        return viewer_for(self.users[name])

    def open_case(self, **overrides):
        values = {
            "actor": self.viewer("coordinator"),
            "building_id": self.building.pk,
            "title": "Aanpak De Toren",
            "goal": "Een veilige toren.",
            "kind": CaseKind.BUILDING_APPROACH,
        }
        values.update(overrides)
        return services.case_open(**values)

    def add(self, case, name, organisation, role="handler", actor="coordinator"):
        return services.case_participant_add(
            actor=self.viewer(actor),
            case_id=case.pk,
            organisation_id=organisation.pk,
            user_id=self.users[name].pk,
            role=role,
        )


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English; pages speak the request's language."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(db, make_professional):
    owner = OrganisationFactory(name="Woonstichting Test", slug="ws-test")
    municipality = OrganisationFactory(
        name="Gemeente Test", slug="gemeente-test", kind=OrganisationKind.MUNICIPALITY
    )
    police = OrganisationFactory(
        name="Politie Test", slug="politie-test", kind=OrganisationKind.POLICE
    )
    other = OrganisationFactory(name="Woonstichting Anders", slug="ws-anders")
    building = BuildingFactory(name="De Toren", owner=owner, floors=4, entrances=["A", "B"])
    unit = UnitFactory(building=building, floor=2, entrance="A", house_number=12)
    users = {
        # The directory, as the neighbourhood manager's role holds it: the people of other
        # organisations, for the add-participant form's person search.
        "coordinator": make_professional(
            "coordinator", organisation=owner, permissions=OPEN + INTAKE + DIRECTORY
        ),
        "colleague": make_professional("colleague", organisation=owner, permissions=OPEN + INTAKE),
        "director": make_professional(
            "director", organisation=municipality, permissions=OPEN, mandate="strategic"
        ),
        "agent": make_professional(
            "agent", organisation=police, permissions=["places.view_building"]
        ),
        "outsider": make_professional("outsider", organisation=other, permissions=OPEN),
    }
    for name, org in (("director", municipality), ("agent", police)):
        BuildingContactFactory(
            building=building, membership=users[name].memberships.get(organisation=org)
        )
    return World(
        owner=owner,
        municipality=municipality,
        police=police,
        other=other,
        building=building,
        unit=unit,
        users=users,
    )
