import pytest

from tests.partners.factories import MembershipFactory, RoleFactory
from tests.places.conftest import VIEW
from tests.places.factories import (
    BuildingContactFactory,
    BuildingFactory,
    CommonAreaFactory,
    UnitFactory,
)
from wijkregie.core.access import system_viewer
from wijkregie.core.exceptions import NotFound
from wijkregie.core.models import Job
from wijkregie.partners.models import Membership, OrganisationKind
from wijkregie.partners.selectors import viewer_for
from wijkregie.places import selectors
from wijkregie.places.models import Building, BuildingContact, CommonAreaKind


def names(qs):
    return [b.name for b in qs]


# --- building_list -------------------------------------------------------------------


def test_building_list_shows_the_owner_organisation_its_buildings_with_unit_counts(
    manager, building, owner_org
):
    UnitFactory.create_batch(3, building=building)
    BuildingFactory(name="Het Baken", owner=owner_org)
    BuildingFactory(name="Elders")

    buildings = list(selectors.building_list(viewer=manager))

    assert [(b.name, b.unit_count) for b in buildings] == [("De Horizon", 3), ("Het Baken", 0)]


def test_building_list_shows_a_partner_the_buildings_where_it_has_a_contact(partner, building):
    BuildingFactory(name="Elders")

    assert names(selectors.building_list(viewer=partner)) == ["De Horizon"]


def test_building_list_shows_a_building_once_with_several_contacts_of_the_viewer(
    partner, partner_org, building
):
    BuildingContactFactory(
        building=building, membership=MembershipFactory(organisation=partner_org)
    )

    assert [(b.name, b.unit_count) for b in selectors.building_list(viewer=partner)] == [
        ("De Horizon", 0)
    ]


def test_building_list_shows_an_unrelated_organisation_nothing(outsider, building):
    assert names(selectors.building_list(viewer=outsider)) == []


def test_building_list_needs_the_view_permission(make_professional, owner_org, building):
    viewer = viewer_for(
        make_professional("lezer", organisation=owner_org, permissions=["partners.view_directory"])
    )

    assert names(selectors.building_list(viewer=viewer)) == []


def test_building_list_ignores_contacts_whose_membership_ended(partner_user, partner, building):
    for membership in Membership.objects.filter(user=partner_user):
        membership.is_active = False
        membership.save()  # as the services do: every process forgets its kept grants

    assert names(selectors.building_list(viewer=partner)) == []


def test_building_list_shows_the_system_everything(building):
    BuildingFactory(name="Elders")

    assert names(selectors.building_list(viewer=system_viewer())) == ["De Horizon", "Elders"]


def test_building_list_filters_by_name_street_or_postcode(manager, building, owner_org):
    BuildingFactory(name="Het Baken", owner=owner_org, street="Bakenplein", postcode="3522BK")

    assert names(selectors.building_list(viewer=manager, filters={"q": "bake"})) == ["Het Baken"]
    assert names(selectors.building_list(viewer=manager, filters={"q": "3522 bk"})) == ["Het Baken"]
    assert names(selectors.building_list(viewer=manager, filters={"q": "horizon"})) == [
        "De Horizon"
    ]


# --- building_get --------------------------------------------------------------------------


def test_building_get_returns_a_visible_building(manager, partner, building):
    assert selectors.building_get(viewer=manager, id=building.pk) == building
    assert selectors.building_get(viewer=partner, id=str(building.pk)) == building


@pytest.mark.parametrize("case", ["missing", "forbidden", "not_a_number", "too_big"])
def test_building_get_answers_missing_and_forbidden_alike(outsider, building, case):
    building_id = {
        "missing": building.pk + 1000,
        "forbidden": building.pk,
        "not_a_number": "1; drop table",
        "too_big": 2**70,
    }[case]

    with pytest.raises(NotFound) as exc:
        selectors.building_get(viewer=outsider, id=building_id)

    assert exc.value.message == "Niet gevonden."


def test_building_get_for_change_refuses_a_partner(partner, building):
    with pytest.raises(selectors.PermissionDenied):
        selectors.building_get_for_change(viewer=partner, id=building.pk)


def test_building_get_for_change_hides_the_building_from_an_outsider(outsider, building):
    with pytest.raises(NotFound):
        selectors.building_get_for_change(viewer=outsider, id=building.pk)


def test_building_get_by_public_code_needs_no_viewer(building):
    assert selectors.building_get_by_public_code(building.public_code) == building
    with pytest.raises(NotFound):
        selectors.building_get_by_public_code("nope")
    with pytest.raises(NotFound):
        selectors.building_get_by_public_code("")


def test_building_public_report_url_uses_the_site_url(settings, building):
    settings.SITE_URL = "https://wijkregie.example/"

    assert (
        selectors.building_public_report_url(building)
        == f"https://wijkregie.example/melden/{building.public_code}/"
    )


def test_building_partner_organisation_ids_are_those_with_an_active_contact(
    partner_user, partner_org, building
):
    ended = MembershipFactory(is_active=False)
    BuildingContactFactory(building=building, membership=ended)

    assert BuildingContact.objects.partner_organisation_ids(building.pk) == {partner_org.pk}


# --- units and common areas ------------------------------------------------------------------


def test_unit_list_is_ordered_by_entrance_floor_and_number(partner, building):
    b1 = UnitFactory(building=building, entrance="B", floor=0, house_number=7)
    a1 = UnitFactory(building=building, entrance="A", floor=1, house_number=3)
    a0 = UnitFactory(building=building, entrance="A", floor=0, house_number=2)
    UnitFactory()

    assert list(selectors.unit_list(viewer=partner, building_id=building.pk)) == [a0, a1, b1]


def test_unit_list_of_an_invisible_building_is_not_found(outsider, building):
    with pytest.raises(NotFound):
        selectors.unit_list(viewer=outsider, building_id=building.pk)


def test_unit_get_answers_missing_forbidden_and_wrong_building_alike(
    manager, outsider, building, owner_org
):
    unit = UnitFactory(building=building)
    other = BuildingFactory(owner=owner_org)

    assert selectors.unit_get(viewer=manager, id=unit.pk, building_id=building.pk) == unit
    for viewer, unit_id, building_id in [
        (outsider, unit.pk, None),
        (manager, unit.pk + 100, None),
        (manager, unit.pk, other.pk),
    ]:
        with pytest.raises(NotFound):
            selectors.unit_get(viewer=viewer, id=unit_id, building_id=building_id)


def test_common_area_list_of_a_visible_building(partner, building):
    lift = CommonAreaFactory(building=building, kind=CommonAreaKind.LIFT, name="Lift A")
    shed = CommonAreaFactory(
        building=building, kind=CommonAreaKind.BICYCLE_SHED, name="Fietsenstalling", entrance=""
    )

    assert list(selectors.common_area_list(viewer=partner, building_id=building.pk)) == [
        shed,
        lift,
    ]


# --- the floor plan -------------------------------------------------------------------------


def test_building_floor_plan_places_units_by_entrance_and_floor(building):
    a0 = UnitFactory(building=building, entrance="A", floor=0, house_number=1)
    a0b = UnitFactory(building=building, entrance="A", floor=0, house_number=2, house_letter="A")
    b3 = UnitFactory(
        building=building, entrance="B", floor=3, house_number=9, house_number_addition="2"
    )
    CommonAreaFactory(building=building, kind=CommonAreaKind.LIFT, name="Lift A", entrance="A")
    CommonAreaFactory(
        building=building, kind=CommonAreaKind.STORAGE, name="Bergingen", entrance="", floor=0
    )

    plan = selectors.building_floor_plan(building=building)

    assert plan.floor_numbers == [3, 2, 1, 0]
    assert [e.label for e in plan.entrances] == ["A", "B"]
    grid = {
        (e.label, f.number): [u.address for u in f.units] for e in plan.entrances for f in e.floors
    }
    assert grid == {
        ("A", 3): [],
        ("A", 2): [],
        ("A", 1): [],
        ("A", 0): ["1", "2A"],
        ("B", 3): ["9-2"],
        ("B", 2): [],
        ("B", 1): [],
        ("B", 0): [],
    }
    assert [u.id for u in plan.entrances[0].floors[3].units] == [a0.pk, a0b.pk]
    assert plan.entrances[1].floors[0].units[0].id == b3.pk
    assert plan.entrances[1].floors[0].units[0].full_address == "Horizonlaan 9-2, 3521HZ Rivierstad"
    assert [(e.label, e.width) for e in plan.entrances] == [("A", 2), ("B", 1)]
    assert [a.name for a in plan.entrances[0].areas] == ["Lift A"]
    assert [a.name for a in plan.entrances[1].areas] == []
    assert [(a.name, a.kind_label) for a in plan.building_areas] == [("Bergingen", "Bergingen")]
    assert (plan.unit_count, plan.area_count) == (3, 2)


def test_building_floor_plan_adds_basement_floors_that_have_units(building):
    UnitFactory(building=building, entrance="A", floor=-1)

    plan = selectors.building_floor_plan(building=building)

    assert plan.floor_numbers == [3, 2, 1, 0, -1]
    assert [f.label for f in plan.entrances[0].floors] == [
        "verdieping 3",
        "verdieping 2",
        "verdieping 1",
        "begane grond",
        "kelder 1",
    ]


@pytest.mark.parametrize("per_floor", [1, 6])
def test_building_floor_plan_takes_two_queries_whatever_the_number_of_units(
    django_assert_num_queries, owner_org, per_floor
):
    building = BuildingFactory(owner=owner_org, floors=5, entrances=["A", "B"])
    for entrance in ("A", "B"):
        for floor in range(5):
            UnitFactory.create_batch(per_floor, building=building, entrance=entrance, floor=floor)
    CommonAreaFactory.create_batch(3, building=building)

    with django_assert_num_queries(2):  # the first time; then kept (below)
        plan = selectors.building_floor_plan(building=building)

    assert plan.unit_count == 10 * per_floor  # 10 and 60 units


def test_building_floor_plan_is_kept_until_a_unit_or_common_area_changes(
    django_assert_num_queries, django_capture_on_commit_callbacks, building
):
    unit = UnitFactory(building=building, entrance="A", floor=0, house_number=1)
    selectors.building_floor_plan(building=building)
    with django_assert_num_queries(0):
        assert selectors.building_floor_plan(building=building).unit_count == 1

    with django_capture_on_commit_callbacks(execute=True):
        unit.floor = 2
        unit.save()
        CommonAreaFactory(building=building, kind=CommonAreaKind.LIFT, name="Lift A", entrance="A")

    plan = selectors.building_floor_plan(building=building)
    assert [
        (f.number, [u.address for u in f.units]) for f in plan.entrances[0].floors if f.units
    ] == [(2, ["1"])]
    assert plan.area_count == 1


# --- the directory --------------------------------------------------------------------------


def test_building_contacts_lists_who_is_who_first_contact_first(
    make_professional, partner_user, partner_org, building, owner_org
):
    reader = viewer_for(
        make_professional(
            "lezer",
            organisation=partner_org,
            permissions=[*VIEW, "partners.view_directory"],
        )
    )
    role = RoleFactory(name="Beheer De Horizon")
    boss = MembershipFactory(
        organisation=owner_org,
        user__first_name="Fatima",
        user__last_name="Yilmaz",
        job_title="Wijkbeheerder",
        mandate_level="tactical",
        may_decide_on="Kleine reparaties tot € 500",
        work_phone="030 123 45 67",
        work_email="f.yilmaz@devaart.example",
        roles=[role],
    )
    owner_org.contact_route = "Bel de wijkbalie: 030 765 43 21"
    owner_org.save()
    BuildingContactFactory(
        building=building, membership=boss, responsibility="Dagelijks beheer", is_first_contact=True
    )
    BuildingContactFactory(
        building=building, membership=MembershipFactory(organisation=owner_org, is_active=False)
    )
    BuildingContactFactory(
        building=building,
        membership=MembershipFactory(organisation=owner_org, is_service_account=True),
    )

    entries = selectors.building_contacts(viewer=reader, building=building)

    assert [(e.person_name, e.organisation_name, e.is_first_contact) for e in entries] == [
        ("Fatima Yilmaz", "Woonstichting De Vaart", True),
        ("agent", "Politie Rivierstad", False),
    ]
    first = entries[0]
    assert (
        first.job_title,
        first.roles,
        first.mandate_level,
        first.mandate_level_label,
        first.may_decide_on,
        first.responsibility,
        first.work_phone,
        first.work_email,
        first.contact_route,
        first.organisation_kind,
    ) == (
        "Wijkbeheerder",
        ("Beheer De Horizon",),
        "tactical",
        "Tactisch",
        "Kleine reparaties tot € 500",
        "Dagelijks beheer",
        "030 123 45 67",
        "f.yilmaz@devaart.example",
        "Bel de wijkbalie: 030 765 43 21",
        OrganisationKind.HOUSING_CORPORATION,
    )
    assert entries[1].work_email == "agent@example.org"  # the account's address as fallback


def test_building_contacts_shows_other_organisations_people_only_with_the_directory_right(
    partner, building, owner_org
):
    boss = MembershipFactory(
        organisation=owner_org,
        user__first_name="Fatima",
        user__last_name="Yilmaz",
        job_title="Wijkbeheerder",
        work_phone="030 123 45 67",
    )
    owner_org.contact_route = "Wijkbalie: 030 765 43 21"
    owner_org.save()
    BuildingContactFactory(
        building=building, membership=boss, responsibility="Dagelijks beheer", is_first_contact=True
    )

    entries = selectors.building_contacts(viewer=partner, building=building)

    hidden, own = entries
    assert (hidden.person_visible, own.person_visible) == (False, True)
    assert (
        hidden.person_name,
        hidden.job_title,
        hidden.roles,
        hidden.mandate_level,
        hidden.work_phone,
        hidden.work_email,
    ) == ("", "", (), "", "", "")
    assert (hidden.organisation_name, hidden.responsibility, hidden.contact_route) == (
        "Woonstichting De Vaart",
        "Dagelijks beheer",
        "Wijkbalie: 030 765 43 21",
    )
    assert own.person_name == "agent"  # a colleague in the viewer's own organisation


def test_building_contacts_of_an_invisible_building_is_not_found(outsider, building):
    with pytest.raises(NotFound):
        selectors.building_contacts(viewer=outsider, building=building)


def test_building_contacts_query_count_does_not_grow_with_contacts(
    django_assert_num_queries, manager, building, owner_org
):
    for _n in range(5):
        BuildingContactFactory(
            building=building,
            membership=MembershipFactory(organisation=owner_org, roles=[RoleFactory()]),
        )

    with django_assert_num_queries(2):
        entries = selectors.building_contacts(viewer=manager, building=building)

    assert len(entries) == 5


# --- import jobs ----------------------------------------------------------------------------


def test_units_import_job_get_needs_the_import_permission_in_the_job_organisation(
    manager, manager_user, partner, make_professional, owner_org, building
):
    job = Job.objects.create(
        kind="units",
        created_by=manager_user,
        organisation_id=owner_org.pk,
        target_id=building.pk,
        file_name="units.csv",
        content=b"",
    )
    viewer_only = viewer_for(make_professional("kijker", organisation=owner_org, permissions=VIEW))

    assert selectors.units_import_job_get(viewer=manager, id=job.pk) == job
    for viewer in (partner, viewer_only):
        with pytest.raises(NotFound):
            selectors.units_import_job_get(viewer=viewer, id=job.pk)
    with pytest.raises(NotFound):
        selectors.units_import_job_get(viewer=manager, id=job.pk + 1)


# --- object checks -------------------------------------------------------------------------


def test_seeing_a_building_at_hand_is_the_rule_of_visible_to(
    manager, partner, outsider, building, django_assert_num_queries
):
    with django_assert_num_queries(0):  # the owner's staff: from the viewer alone
        assert manager.has_perm("places.view_building", obj=building) is True
    with django_assert_num_queries(1):  # a partner: one look at the directory
        assert partner.has_perm("places.view_building", obj=building) is True
    assert outsider.has_perm("places.view_building", obj=building) is False
    assert system_viewer().has_perm("places.view_building", obj=building) is True
    for viewer in (manager, partner, outsider):
        assert viewer.has_perm("places.view_building", obj=building) == (
            building in selectors.building_list(viewer=viewer)
        )


def test_only_the_owner_organisation_changes_a_building_or_imports_its_units(
    manager, partner, building
):
    for permission in ("places.change_building", "places.import_units"):
        assert selectors.can_change_building(
            viewer=manager, building=building, permission=permission
        )
        assert not selectors.can_change_building(
            viewer=partner, building=building, permission=permission
        )


def test_building_visibility_follows_the_permission_asked_for(
    make_professional, partner_org, building
):
    """The same partner rule, for another permission: a partner organisation whose role
    lacks `places.view_building` does not see the building, but does for its own."""
    user = make_professional(
        "zorg", organisation=partner_org, permissions=["partners.view_directory"]
    )
    BuildingContactFactory(building=building, membership=Membership.objects.get(user=user))
    viewer = viewer_for(user)

    assert list(Building.objects.visible_to(viewer)) == []
    assert list(Building.objects.visible_to(viewer, permission="partners.view_directory")) == [
        building
    ]
