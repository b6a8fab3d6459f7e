import pytest

from tests.partners.factories import OrganisationFactory
from tests.places.factories import BuildingContactFactory, BuildingFactory
from wijkregie.partners.models import Membership, OrganisationKind
from wijkregie.partners.selectors import viewer_for

MANAGE = ["places.view_building", "places.change_building", "places.import_units"]
VIEW = ["places.view_building"]


@pytest.fixture
def owner_org(db):
    return OrganisationFactory(name="Woonstichting De Vaart", slug="de-vaart")


@pytest.fixture
def partner_org(db):
    return OrganisationFactory(
        name="Politie Rivierstad", slug="politie", kind=OrganisationKind.POLICE
    )


@pytest.fixture
def other_org(db):
    return OrganisationFactory(name="Woonstichting Oostwaard", slug="oostwaard")


@pytest.fixture
def building(owner_org):
    """De Horizon: floors 0–3, entrances A and B, no units yet."""
    return BuildingFactory(name="De Horizon", owner=owner_org, floors=4, entrances=["A", "B"])


@pytest.fixture
def manager_user(make_professional, owner_org):
    return make_professional("beheer", organisation=owner_org, permissions=MANAGE)


@pytest.fixture
def manager(manager_user):
    return viewer_for(manager_user)


@pytest.fixture
def partner_user(make_professional, partner_org, building):
    """A police officer on the directory of De Horizon."""
    user = make_professional("agent", organisation=partner_org, permissions=VIEW)
    BuildingContactFactory(
        building=building,
        membership=Membership.objects.get(user=user),
        responsibility="Wijkagent",
    )
    return user


@pytest.fixture
def partner(partner_user):
    return viewer_for(partner_user)


@pytest.fixture
def outsider_user(make_professional, other_org):
    return make_professional("ander", organisation=other_org, permissions=MANAGE)


@pytest.fixture
def outsider(outsider_user):
    return viewer_for(outsider_user)
