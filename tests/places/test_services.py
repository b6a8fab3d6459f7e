from django.core.exceptions import ValidationError

import pytest

from tests.partners.factories import MembershipFactory
from tests.places.conftest import VIEW
from tests.places.factories import CommonAreaFactory, NeighbourhoodFactory, UnitFactory
from wijkregie.core.access import system_viewer
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.partners.models import Membership
from wijkregie.partners.selectors import viewer_for
from wijkregie.places import selectors, services
from wijkregie.places.models import Building, BuildingContact, CommonArea, Neighbourhood, Unit


def create_building(actor, owner, **overrides):
    fields = {
        "owner_id": owner.pk,
        "name": " Het Baken ",
        "street": "Bakenplein",
        "postcode": "3522 bk",
        "city": "Rivierstad",
        "floors": 4,
        "entrances": [" A ", "B"],
    }
    return services.building_create(actor=actor, **{**fields, **overrides})


# --- neighbourhoods and buildings ----------------------------------------------------------


def test_neighbourhood_create_by_a_building_manager(manager):
    neighbourhood = services.neighbourhood_create(
        actor=manager, name="Rivierwijk", municipality="Rivierstad", cbs_code="WK034401"
    )

    assert (neighbourhood.name, neighbourhood.municipality, neighbourhood.cbs_code) == (
        "Rivierwijk",
        "Rivierstad",
        "WK034401",
    )


def test_neighbourhood_create_refuses_a_viewer_and_a_duplicate(partner, manager):
    with pytest.raises(PermissionDenied):
        services.neighbourhood_create(actor=partner, name="Rivierwijk", municipality="Rivierstad")
    NeighbourhoodFactory(name="Rivierwijk", municipality="Rivierstad")
    with pytest.raises(ValidationError):
        services.neighbourhood_create(actor=manager, name="Rivierwijk", municipality="Rivierstad")
    assert Neighbourhood.objects.count() == 1


def test_building_create_cleans_its_fields(manager, owner_org):
    neighbourhood = NeighbourhoodFactory()

    building = create_building(manager, owner_org, neighbourhood_id=neighbourhood.pk)

    building.refresh_from_db()
    assert (
        building.name,
        building.postcode,
        building.entrances,
        building.owner_id,
        building.neighbourhood_id,
        len(building.public_code) > 8,
    ) == ("Het Baken", "3522BK", ["A", "B"], owner_org.pk, neighbourhood.pk, True)


def test_building_create_needs_the_change_permission_in_the_owner_organisation(
    partner, outsider, owner_org
):
    for actor in (partner, outsider):
        with pytest.raises(PermissionDenied):
            create_building(actor, owner_org)
    assert list(Building.objects.values_list("name", flat=True)) == ["De Horizon"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"postcode": "0521AB"}, "postcode"),
        ({"floors": 0}, "floors"),
        ({"floors": 61}, "floors"),
        ({"entrances": ["A", "A"]}, "entrances"),
        ({"entrances": ["Hoofdingang-noord"]}, "entrances"),
        ({"bag_pand_id": "34410000061234"}, "bag_pand_id"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_building_create_refuses_invalid_fields(manager, owner_org, overrides, field):
    with pytest.raises(ValidationError) as exc:
        create_building(manager, owner_org, **overrides)

    assert list(exc.value.message_dict) == [field]
    assert Building.objects.count() == 0


def test_building_create_for_an_unknown_organisation_is_refused(db):
    with pytest.raises(ApplicationError):
        services.building_create(
            actor=system_viewer(),
            owner_id=999999,
            name="X",
            street="Y",
            postcode="3521AB",
            city="Z",
            floors=1,
            entrances=[],
        )


def test_building_update_saves_only_changes(manager, building):
    updated = services.building_update(
        actor=manager, building_id=building.pk, name="De Horizon (noord)", floors=5
    )

    building.refresh_from_db()
    assert (updated.name, building.name, building.floors) == ("De Horizon (noord)",) * 2 + (5,)


def test_building_update_refuses_to_strand_units(manager, building):
    UnitFactory(building=building, floor=3, entrance="B")

    with pytest.raises(ValidationError):
        services.building_update(actor=manager, building_id=building.pk, floors=3)
    with pytest.raises(ValidationError):
        services.building_update(actor=manager, building_id=building.pk, entrances=["A"])

    building.refresh_from_db()
    assert (building.floors, building.entrances) == (4, ["A", "B"])


def test_building_update_is_refused_to_partners_and_hidden_from_outsiders(
    partner, outsider, building
):
    with pytest.raises(PermissionDenied):
        services.building_update(actor=partner, building_id=building.pk, name="Anders")
    with pytest.raises(NotFound):
        services.building_update(actor=outsider, building_id=building.pk, name="Anders")
    building.refresh_from_db()
    assert building.name == "De Horizon"


def test_building_update_refuses_unknown_fields(manager, building):
    with pytest.raises(ApplicationError) as raised:
        services.building_update(actor=manager, building_id=building.pk, owner_id=1)
    assert raised.value.message == "Deze velden kunnen niet worden gewijzigd: owner_id"


# --- common areas and units ----------------------------------------------------------------


def test_common_area_create_per_entrance_or_for_the_whole_building(manager, building):
    lift = services.common_area_create(
        actor=manager, building_id=building.pk, kind="lift", name="Lift A", entrance="A"
    )
    shed = services.common_area_create(
        actor=manager, building_id=building.pk, kind="bicycle_shed", name="Fietsenstalling", floor=0
    )

    assert list(CommonArea.objects.values_list("name", "entrance", "floor").order_by("pk")) == [
        ("Lift A", "A", None),
        ("Fietsenstalling", "", 0),
    ]
    assert (lift.kind, shed.kind) == ("lift", "bicycle_shed")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "lift", "name": "Lift C", "entrance": "C"}, "entrance"),
        ({"kind": "storage", "name": "Zolder", "floor": 4}, "floor"),
        ({"kind": "swimming_pool", "name": "Bad"}, "kind"),
    ],
)
def test_common_area_create_refuses_a_place_outside_the_building(manager, building, fields, field):
    with pytest.raises(ValidationError) as exc:
        services.common_area_create(actor=manager, building_id=building.pk, **fields)

    assert list(exc.value.message_dict) == [field]
    assert CommonArea.objects.count() == 0


def test_unit_create_normalises_the_address(manager, building):
    unit = services.unit_create(
        actor=manager,
        building_id=building.pk,
        postcode="3521 hz",
        house_number=12,
        house_letter="b",
        house_number_addition=" 2 ",
        floor=1,
        entrance="A",
        bag_id="0344010000000012",
    )

    assert (unit.postcode, unit.address, unit.bag_id) == ("3521HZ", "12B-2", "0344010000000012")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"floor": 4, "entrance": "A"}, "floor"),
        ({"floor": -4, "entrance": "A"}, "floor"),
        ({"floor": 0, "entrance": "C"}, "entrance"),
        ({"floor": 0, "entrance": ""}, "entrance"),
        ({"floor": 0, "entrance": "A", "bag_id": "123"}, "bag_id"),
        ({"floor": 0, "entrance": "A", "house_number": 0}, "house_number"),
    ],
)
def test_unit_create_refuses_invalid_places_and_fields(manager, building, fields, field):
    with pytest.raises(ValidationError) as exc:
        services.unit_create(
            actor=manager,
            building_id=building.pk,
            **{"postcode": "3521HZ", "house_number": 1, **fields},
        )

    assert list(exc.value.message_dict) == [field]
    assert Unit.objects.count() == 0


def test_unit_create_refuses_an_address_or_bag_id_that_exists(manager, building):
    UnitFactory(building=building, house_number=1, bag_id="0344010000000001")
    common = {"actor": manager, "building_id": building.pk, "floor": 0, "entrance": "A"}

    with pytest.raises(ValidationError):
        services.unit_create(**common, postcode="3521HZ", house_number=1)
    with pytest.raises(ValidationError):
        services.unit_create(**common, postcode="3521HZ", house_number=2, bag_id="0344010000000001")
    assert Unit.objects.count() == 1


def test_unit_update_moves_a_unit_within_the_building(manager, partner, building):
    unit = UnitFactory(building=building, floor=0, entrance="A")

    services.unit_update(actor=manager, unit_id=unit.pk, floor=3, entrance="B")

    unit.refresh_from_db()
    assert (unit.floor, unit.entrance) == (3, "B")
    with pytest.raises(PermissionDenied):
        services.unit_update(actor=partner, unit_id=unit.pk, floor=1)
    with pytest.raises(ValidationError):
        services.unit_update(actor=manager, unit_id=unit.pk, floor=9)


# --- who is who ------------------------------------------------------------------------------


def test_building_contact_add_makes_the_organisation_a_partner(
    make_professional, manager, building, other_org
):
    user = make_professional("gebiedsregisseur", organisation=other_org, permissions=VIEW)
    viewer = viewer_for(user)
    assert list(selectors.building_list(viewer=viewer)) == []

    contact = services.building_contact_add(
        actor=manager,
        building_id=building.pk,
        membership_id=Membership.objects.get(user=user).pk,
        responsibility="Regie op de aanpak",
    )

    assert (contact.responsibility, contact.is_first_contact) == ("Regie op de aanpak", False)
    assert [b.name for b in selectors.building_list(viewer=viewer)] == ["De Horizon"]


def test_building_contact_add_keeps_one_first_contact_and_updates_a_known_person(
    manager, building, owner_org
):
    first = MembershipFactory(organisation=owner_org)
    second = MembershipFactory(organisation=owner_org)
    add = services.building_contact_add
    add(actor=manager, building_id=building.pk, membership_id=first.pk, responsibility="Beheer",
        is_first_contact=True)  # fmt: skip

    add(actor=manager, building_id=building.pk, membership_id=second.pk, responsibility="Nieuw",
        is_first_contact=True)  # fmt: skip
    add(actor=manager, building_id=building.pk, membership_id=first.pk, responsibility="Overlast")

    assert list(
        BuildingContact.objects.order_by("pk").values_list(
            "membership_id", "responsibility", "is_first_contact"
        )
    ) == [(first.pk, "Overlast", False), (second.pk, "Nieuw", True)]


def test_building_contact_add_refuses_partners_and_ended_memberships(
    partner, manager, building, owner_org
):
    ended = MembershipFactory(organisation=owner_org, is_active=False)

    with pytest.raises(PermissionDenied):
        services.building_contact_add(
            actor=partner, building_id=building.pk, membership_id=ended.pk, responsibility="x"
        )
    with pytest.raises(ApplicationError):
        services.building_contact_add(
            actor=manager, building_id=building.pk, membership_id=ended.pk, responsibility="x"
        )
    assert BuildingContact.objects.filter(membership=ended).count() == 0


def test_building_contact_remove(manager, partner, partner_user, building):
    contact = BuildingContact.objects.get(membership__user=partner_user)

    with pytest.raises(PermissionDenied):
        services.building_contact_remove(
            actor=partner, building_id=building.pk, contact_id=contact.pk
        )
    services.building_contact_remove(actor=manager, building_id=building.pk, contact_id=contact.pk)

    assert BuildingContact.objects.count() == 0
    assert list(selectors.building_list(viewer=partner)) == []
    with pytest.raises(NotFound):
        services.building_contact_remove(
            actor=manager, building_id=building.pk, contact_id=contact.pk
        )


def test_common_area_factory_and_unit_factory_fit_the_building(building):
    area = CommonAreaFactory(building=building)
    unit = UnitFactory(building=building)

    assert (area.name, area.entrance, unit.entrance, unit.postcode) == (
        "Lift A",
        "A",
        "A",
        "3521HZ",
    )
    assert len(unit.bag_id) == 16 and unit.bag_id.startswith("0")
