import pytest

from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory
from wijkregie.demo.places import build_places
from wijkregie.places.models import Building, BuildingContact, CommonArea, Unit


@pytest.fixture
def demo_partners(db):
    """The part of demo/partners.py that the places need: both owners and two personas."""
    vaart = OrganisationFactory(name="Woonstichting De Vaart", slug="de-vaart")
    oostwaard = OrganisationFactory(name="Woonstichting Oostwaard", slug="oostwaard")
    MembershipFactory(user=UserFactory(username="wijkbeheerder"), organisation=vaart)
    MembershipFactory(user=UserFactory(username="wijkagent"))
    return vaart, oostwaard


def test_build_places_builds_the_demo_flat(demo_partners):
    vaart, oostwaard = demo_partners

    built = build_places()

    horizon, baken = built["horizon"], built["baken"]
    assert (horizon.name, horizon.owner_id, horizon.floors, horizon.entrances) == (
        "De Horizon",
        vaart.pk,
        10,
        ["A", "B", "C", "D"],
    )
    assert (baken.owner_id, baken.floors, baken.entrances) == (oostwaard.pk, 4, ["A"])
    horizon.refresh_from_db()
    baken.refresh_from_db()
    assert [(str(b.latitude), str(b.longitude)) for b in (horizon, baken)] == [
        ("52.115938", "5.113022"),
        ("52.114599", "5.116826"),
    ]
    assert built["neighbourhood"].name == "Rivierwijk"
    assert Unit.objects.filter(building=horizon).count() == 120
    assert Unit.objects.filter(building=baken).count() == 8
    per_place = Unit.objects.filter(building=horizon, entrance="B", floor=9).order_by(
        "house_number"
    )
    assert [(u.house_number, u.bag_id) for u in per_place] == [
        (58, "0344010000000058"),
        (59, "0344010000000059"),
        (60, "0344010000000060"),
    ]
    assert CommonArea.objects.filter(building=horizon).count() == 15
    assert built["contacts"] == {"horizon": ["wijkbeheerder", "wijkagent"], "baken": []}
    assert list(
        BuildingContact.objects.filter(building=horizon)
        .order_by("-is_first_contact", "pk")
        .values_list("membership__user__username", "is_first_contact")
    ) == [("wijkbeheerder", True), ("wijkagent", False)]


def test_build_places_twice_changes_nothing(demo_partners):
    build_places()
    counts = (Building.objects.count(), Unit.objects.count(), CommonArea.objects.count())

    build_places()

    assert (Building.objects.count(), Unit.objects.count(), CommonArea.objects.count()) == counts
    assert BuildingContact.objects.count() == 2


def test_build_places_needs_the_owner_organisations(db):
    with pytest.raises(LookupError):
        build_places()
