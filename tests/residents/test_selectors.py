from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from tests.residents.factories import (
    make_agreement,
    make_building,
    make_contact_moment,
    make_occupancy,
    make_organisation,
    make_partner,
    make_person,
    make_resident,
    make_unit,
    viewer,
)
from wijkregie.core.access import system_viewer
from wijkregie.core.exceptions import NotFound
from wijkregie.core.models import AuditEntry
from wijkregie.partners.models import Membership, OrganisationKind
from wijkregie.places.models import Building
from wijkregie.places.selectors import building_get
from wijkregie.residents import selectors
from wijkregie.residents.models import VIEW_RESIDENT
from wijkregie.residents.selectors import (
    CONTACT,
    IDENTITY,
    TENANCY,
    resident_get,
    resident_list,
    resident_visibility,
)

pytestmark = pytest.mark.django_db

IDENTITY_LIST = {"given_name", "family_name", "preferred_language", "units"}
CONTACT_FIELDS = {"email", "phone"}
TENANCY_DETAIL = {
    "relation_number",
    "consents",
    "occupancies",
}


@dataclass
class Flat:
    landlord: object
    building: object
    other_building: object
    units: list
    consenting: object  # current, consented to sharing with partners
    plain: object  # current, no consent
    former: object  # occupancy ended last month, consented
    homeless: object  # no occupancy at all
    ends_today: object  # occupancy ends today, no consent


@pytest.fixture
def flat():
    landlord = make_organisation("de-vaart")
    building = make_building(landlord)
    other_building = make_building(landlord, name="Het Anker", postcode="3521AN")
    units = [make_unit(building, n) for n in (1, 2, 3, 4)]
    today = timezone.localdate()
    consenting = make_resident(landlord, "C1", consent_share_with_partners=True)
    make_occupancy(consenting, units[0])
    plain = make_resident(landlord, "P1")
    make_occupancy(plain, units[1])
    former = make_resident(landlord, "F1", consent_share_with_partners=True)
    make_occupancy(former, units[2], end=today - timedelta(days=30))
    homeless = make_resident(landlord, "H1")
    ends_today = make_resident(landlord, "T1")
    make_occupancy(ends_today, units[3], end=today)
    return Flat(
        landlord, building, other_building, units, consenting, plain, former, homeless, ends_today
    )


def listed(user_or_viewer, **kwargs) -> dict[int, frozenset[str]]:
    v = user_or_viewer if hasattr(user_or_viewer, "grants") else viewer(user_or_viewer)
    page = resident_list(viewer=v, page_size=200, **kwargs)
    return {item["id"]: item.shown_fields for item in page.items}


def partner_org(slug, kind, building, permissions=("residents.view_resident",)):
    org = make_organisation(slug, kind)
    user = make_person(f"{slug}-person", org, permissions)
    make_partner(building, user)
    return org, user


# --- landlord staff ------------------------------------------------------------------------


def test_landlord_staff_see_every_resident_of_the_landlord_without_contact_details(flat):
    user = make_person("staff", flat.landlord, ["residents.view_resident"])

    result = listed(user)

    everyone = {
        flat.consenting.pk,
        flat.plain.pk,
        flat.former.pk,
        flat.homeless.pk,
        flat.ends_today.pk,
    }
    assert set(result) == everyone
    assert set(result.values()) == {frozenset(IDENTITY_LIST | {"relation_number"})}


def test_landlord_staff_with_contact_permission_see_contact_details(flat):
    user = make_person(
        "staff", flat.landlord, ["residents.view_resident", "residents.view_resident_contact"]
    )

    result = listed(user)

    assert set(result.values()) == {frozenset(IDENTITY_LIST | CONTACT_FIELDS | {"relation_number"})}


def test_contact_permission_without_view_permission_shows_nothing(flat):
    user = make_person("staff", flat.landlord, ["residents.view_resident_contact"])

    assert listed(user) == {}


def test_staff_of_another_landlord_see_none_of_these_residents(flat):
    other = make_organisation("oostwaard")
    own = make_resident(other, "O1")
    user = make_person("other-staff", other, ["residents.view_resident"])

    assert set(listed(user)) == {own.pk}


def test_superuser_sees_every_resident_with_every_field(flat):
    result = listed(system_viewer())

    assert set(result) == {
        flat.consenting.pk,
        flat.plain.pk,
        flat.former.pk,
        flat.homeless.pk,
        flat.ends_today.pk,
    }
    assert result[flat.plain.pk] == frozenset(IDENTITY_LIST | CONTACT_FIELDS | {"relation_number"})


# --- partners ------------------------------------------------------------------------------


def test_partner_sees_consenting_current_residents_with_contact_details(flat):
    _org, user = partner_org("welzijn", OrganisationKind.COMMUNITY_WORK, flat.building)

    result = listed(user)

    assert result == {flat.consenting.pk: frozenset(IDENTITY_LIST | CONTACT_FIELDS)}


def test_partner_of_another_building_sees_nobody(flat):
    _org, user = partner_org("welzijn", OrganisationKind.COMMUNITY_WORK, flat.other_building)

    assert listed(user) == {}


def test_partner_without_view_permission_sees_nobody(flat):
    _org, user = partner_org(
        "waakzaam", OrganisationKind.SECURITY_COMPANY, flat.building, ["places.view_building"]
    )

    assert listed(user) == {}


def test_organisation_with_permission_but_no_building_contact_sees_nobody(flat):
    org = make_organisation("bemiddeling", OrganisationKind.MEDIATION)
    user = make_person("mediator", org, ["residents.view_resident"])

    assert listed(user) == {}


def test_building_contact_of_an_inactive_membership_makes_no_partner(flat):
    org, user = partner_org("welzijn", OrganisationKind.COMMUNITY_WORK, flat.building)
    colleague = make_person("colleague", org, ["residents.view_resident"])
    for membership in Membership.objects.filter(user=user):
        membership.is_active = False
        membership.save()  # as the services do: every process forgets its kept grants

    assert listed(colleague) == {}


def test_agreement_covering_identity_shows_identity_of_current_residents(flat):
    org, user = partner_org("politie", OrganisationKind.POLICE, flat.building)
    make_agreement([org, flat.landlord], ["resident_identity"])

    result = listed(user)

    assert result == {
        flat.consenting.pk: frozenset(IDENTITY_LIST | CONTACT_FIELDS),
        flat.plain.pk: frozenset(IDENTITY_LIST),
        flat.ends_today.pk: frozenset(IDENTITY_LIST),
    }


def test_agreement_covering_contact_too_shows_contact_details(flat):
    org, user = partner_org("politie", OrganisationKind.POLICE, flat.building)
    make_agreement([org, flat.landlord], ["resident_identity", "resident_contact"])

    result = listed(user)

    assert set(result) == {flat.consenting.pk, flat.plain.pk, flat.ends_today.pk}
    assert set(result.values()) == {frozenset(IDENTITY_LIST | CONTACT_FIELDS)}


def test_agreement_covering_only_contact_details_shows_nothing_without_consent(flat):
    org, user = partner_org("politie", OrganisationKind.POLICE, flat.building)
    make_agreement([org, flat.landlord], ["resident_contact"])

    assert listed(user) == {flat.consenting.pk: frozenset(IDENTITY_LIST | CONTACT_FIELDS)}


@pytest.mark.parametrize(
    "valid_from, valid_until",
    [
        pytest.param(date(2020, 1, 1), -1, id="expired_yesterday"),
        pytest.param(+1, None, id="starts_tomorrow"),
    ],
)
def test_agreement_not_valid_today_shows_nothing_without_consent(flat, valid_from, valid_until):
    today = timezone.localdate()
    org, user = partner_org("politie", OrganisationKind.POLICE, flat.building)
    make_agreement(
        [org, flat.landlord],
        ["resident_identity"],
        valid_from=today + timedelta(days=valid_from)
        if isinstance(valid_from, int)
        else valid_from,
        valid_until=today + timedelta(days=valid_until) if valid_until else None,
    )

    assert set(listed(user)) == {flat.consenting.pk}


def test_agreement_valid_until_today_still_counts(flat):
    org, user = partner_org("politie", OrganisationKind.POLICE, flat.building)
    make_agreement([org, flat.landlord], ["resident_identity"], valid_until=timezone.localdate())

    assert set(listed(user)) == {flat.consenting.pk, flat.plain.pk, flat.ends_today.pk}


def test_agreement_without_the_landlord_as_party_shows_nothing_without_consent(flat):
    org, user = partner_org("politie", OrganisationKind.POLICE, flat.building)
    municipality = make_organisation("gemeente", OrganisationKind.MUNICIPALITY)
    make_agreement([org, municipality], ["resident_identity", "resident_contact"])

    assert set(listed(user)) == {flat.consenting.pk}


def test_partner_sees_only_the_units_in_the_buildings_it_is_partner_of(flat):
    _org, user = partner_org("welzijn", OrganisationKind.COMMUNITY_WORK, flat.building)
    elsewhere = make_unit(flat.other_building, 7)
    make_occupancy(flat.consenting, elsewhere)

    item = resident_list(viewer=viewer(user)).items[0]

    assert [u["unit_id"] for u in item["units"]] == [flat.units[0].pk]


def test_landlord_staff_see_every_current_unit(flat):
    user = make_person("staff", flat.landlord, ["residents.view_resident"])
    elsewhere = make_unit(flat.other_building, 7)
    make_occupancy(flat.consenting, elsewhere)

    item = next(
        i for i in resident_list(viewer=viewer(user)).items if i["id"] == flat.consenting.pk
    )

    assert {u["unit_id"] for u in item["units"]} == {flat.units[0].pk, elsewhere.pk}


def test_visibility_reads_at_most_two_queries(flat):
    org, user = partner_org("politie", OrganisationKind.POLICE, flat.building)
    make_agreement([org, flat.landlord], ["resident_identity"])
    v = viewer(user)

    with CaptureQueriesContext(connection) as queries:
        visibility = resident_visibility(viewer=v)

    assert len(queries) == 2
    assert visibility.agreements == {(org.pk, flat.landlord.pk): frozenset({"resident_identity"})}
    assert visibility.partner_buildings == {org.pk: frozenset({flat.building.pk})}


def test_access_categories_per_rule(flat):
    org, user = partner_org("politie", OrganisationKind.POLICE, flat.building)
    make_agreement([org, flat.landlord], ["resident_identity"])
    visibility = resident_visibility(viewer=viewer(user))

    consenting = visibility.access_for(flat.consenting, {flat.building.pk})
    plain = visibility.access_for(flat.plain, {flat.building.pk})
    moved_away = visibility.access_for(flat.plain, set())

    assert consenting.categories == frozenset({IDENTITY, CONTACT})
    assert plain.categories == frozenset({IDENTITY})
    assert plain.organisation_ids == frozenset({org.pk})
    assert moved_away is None
    staff = make_person("staff", flat.landlord, ["residents.view_resident"])
    assert resident_visibility(viewer=viewer(staff)).access_for(
        flat.homeless, set()
    ).categories == frozenset({IDENTITY, TENANCY})


# --- resident_list ---------------------------------------------------------------------------


def test_list_records_one_audit_entry_with_ids_fields_and_building(flat):
    _org, user = partner_org("welzijn", OrganisationKind.COMMUNITY_WORK, flat.building)

    resident_list(viewer=viewer(user), building_id=flat.building.pk)

    entry = AuditEntry.objects.get()
    assert entry.action == "list"
    assert entry.object_type == "residents.resident"
    assert entry.object_ids == [str(flat.consenting.pk)]
    assert entry.fields == sorted(IDENTITY_LIST | CONTACT_FIELDS)
    assert (entry.context_type, entry.context_id, entry.context_label) == (
        "places.building",
        str(flat.building.pk),
        "De Horizon",
    )
    assert entry.actor_label == "welzijn-person"


def test_list_of_a_building_shows_its_current_residents_only(flat):
    user = make_person("staff", flat.landlord, ["residents.view_resident"])
    elsewhere = make_resident(flat.landlord, "E1")
    make_occupancy(elsewhere, make_unit(flat.other_building, 9))

    result = listed(user, building_id=flat.building.pk)

    assert set(result) == {flat.consenting.pk, flat.plain.pk, flat.ends_today.pk}


def test_list_search_matches_names_and_the_relation_number_for_landlord_staff(flat):
    staff = make_person("staff", flat.landlord, ["residents.view_resident"])
    _org, partner = partner_org("welzijn", OrganisationKind.COMMUNITY_WORK, flat.building)

    assert set(listed(staff, search="familyp1")) == {flat.plain.pk}
    assert set(listed(staff, search="GivenC1 FamilyC1")) == {flat.consenting.pk}
    assert set(listed(staff, search="t1")) == {flat.ends_today.pk}
    assert set(listed(partner, search="c1")) == {flat.consenting.pk}
    assert set(listed(partner, search="p1")) == set()


def test_list_search_does_not_look_into_fields_the_viewer_may_not_see(flat):
    org, user = partner_org("politie", OrganisationKind.POLICE, flat.building)
    make_agreement([org, flat.landlord], ["resident_identity"])

    assert listed(user, search="p1@example.test") == {}


def test_list_pages(flat):
    user = make_person("staff", flat.landlord, ["residents.view_resident"])
    v = viewer(user)

    first = resident_list(viewer=v, page=1, page_size=2)
    third = resident_list(viewer=v, page=3, page_size=2)
    beyond = resident_list(viewer=v, page=99, page_size=2)

    assert (first.count, first.num_pages, first.has_next, first.has_previous) == (5, 3, True, False)
    assert [i["id"] for i in first.items] == [flat.consenting.pk, flat.former.pk]
    assert [i["id"] for i in third.items] == [flat.ends_today.pk]
    assert beyond.page == 3
    assert AuditEntry.objects.filter(action="list").count() == 3


def test_list_query_count_does_not_grow_with_the_number_of_residents(flat):
    org, user = partner_org("politie", OrganisationKind.POLICE, flat.building)
    make_agreement([org, flat.landlord], ["resident_identity"])
    v = viewer(user)
    with CaptureQueriesContext(connection) as few:
        small = resident_list(viewer=v, building_id=flat.building.pk)
    for n in range(30):
        unit = make_unit(flat.building, 100 + n)
        make_occupancy(make_resident(flat.landlord, f"N{n}"), unit)
        make_occupancy(make_resident(flat.landlord, f"M{n}"), unit, kind="co_tenant")

    with CaptureQueriesContext(connection) as many:
        large = resident_list(viewer=v, building_id=flat.building.pk)

    assert (len(small.items), len(large.items)) == (3, 50)
    assert len(many) == len(few)


# --- resident_get ----------------------------------------------------------------------------


def test_get_shows_the_allowed_fields_and_records_one_view(flat):
    staff = make_person(
        "staff", flat.landlord, ["residents.view_resident", "residents.view_resident_contact"]
    )

    resident = resident_get(viewer=viewer(staff), id=flat.former.pk)

    assert resident.shown_fields == IDENTITY_LIST | CONTACT_FIELDS | TENANCY_DETAIL
    assert resident["units"] == []
    assert [o["end_date"] for o in resident["occupancies"]] == [
        timezone.localdate() - timedelta(days=30)
    ]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_ids, entry.fields) == (
        "view",
        [str(flat.former.pk)],
        sorted(IDENTITY_LIST | CONTACT_FIELDS | TENANCY_DETAIL),
    )
    assert entry.organisation_id == flat.landlord.pk


def test_get_gives_a_partner_no_tenancy_fields(flat):
    _org, user = partner_org("welzijn", OrganisationKind.COMMUNITY_WORK, flat.building)

    resident = resident_get(viewer=viewer(user), id=flat.consenting.pk)

    assert resident.shown_fields == IDENTITY_LIST | CONTACT_FIELDS
    assert resident["email"] == "c1@example.test"


@pytest.mark.parametrize("which", ["missing", "forbidden", "garbage"])
def test_get_answers_missing_and_forbidden_alike_and_records_nothing(flat, which):
    _org, user = partner_org("welzijn", OrganisationKind.COMMUNITY_WORK, flat.building)
    resident_id = {"missing": 999999, "forbidden": flat.plain.pk, "garbage": "x"}[which]

    with pytest.raises(NotFound) as raised:
        resident_get(viewer=viewer(user), id=resident_id)

    assert raised.value.message == "Bewoner niet gevonden."
    assert AuditEntry.objects.count() == 0


def test_get_with_contact_history_records_one_entry_including_it(flat):
    staff = make_person("staff", flat.landlord, ["residents.view_resident"])
    make_contact_moment(flat.plain, flat.landlord, "Huisbezoek")

    resident = resident_get(viewer=viewer(staff), id=flat.plain.pk, include_contact_history=True)

    assert [m["summary"] for m in resident["contact_history"]] == ["Huisbezoek"]
    assert AuditEntry.objects.get().fields == sorted(
        IDENTITY_LIST | TENANCY_DETAIL | {"contact_history"}
    )


# --- contact history -------------------------------------------------------------------------


def test_contact_history_landlord_staff_see_all_partners_their_own(flat):
    org, partner = partner_org("welzijn", OrganisationKind.COMMUNITY_WORK, flat.building)
    staff = make_person("staff", flat.landlord, ["residents.view_resident"])
    make_contact_moment(
        flat.consenting,
        flat.landlord,
        "Door de verhuurder",
        occurred_at="2026-01-01T10:00:00+01:00",
    )
    make_contact_moment(
        flat.consenting, org, "Door het opbouwwerk", occurred_at="2026-01-02T10:00:00+01:00"
    )

    landlord_view = selectors.resident_contact_history(
        viewer=viewer(staff), resident_id=flat.consenting.pk
    )
    partner_view = selectors.resident_contact_history(
        viewer=viewer(partner), resident_id=flat.consenting.pk
    )

    assert [m["summary"] for m in landlord_view] == ["Door het opbouwwerk", "Door de verhuurder"]
    assert [m["summary"] for m in partner_view] == ["Door het opbouwwerk"]
    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.action, e.fields, e.object_ids) for e in entries] == [
        ("view", ["contact_history"], [str(flat.consenting.pk)]),
        ("view", ["contact_history"], [str(flat.consenting.pk)]),
    ]


def test_contact_history_of_an_invisible_resident_is_not_found(flat):
    _org, partner = partner_org("welzijn", OrganisationKind.COMMUNITY_WORK, flat.building)
    make_contact_moment(flat.plain, flat.landlord, "Geheim")

    with pytest.raises(NotFound):
        selectors.resident_contact_history(viewer=viewer(partner), resident_id=flat.plain.pk)
    assert AuditEntry.objects.count() == 0


# --- buildings and import jobs --------------------------------------------------------------


def test_resident_buildings_are_own_and_partner_buildings(flat):
    third = make_building(make_organisation("oostwaard"), name="Het Baken", postcode="3522BK")
    staff = make_person("staff", flat.landlord, ["residents.view_resident"])
    _org, partner = partner_org("welzijn", OrganisationKind.COMMUNITY_WORK, flat.building)
    guard_org, guard = partner_org(
        "waakzaam", OrganisationKind.SECURITY_COMPANY, flat.building, ["places.view_building"]
    )

    assert set(selectors.resident_buildings(viewer=viewer(staff))) == {
        flat.building,
        flat.other_building,
    }
    assert set(selectors.resident_buildings(viewer=viewer(partner))) == {flat.building}
    assert set(selectors.resident_buildings(viewer=viewer(guard))) == set()
    assert set(selectors.resident_buildings(viewer=system_viewer())) == set(Building.objects.all())
    assert third in set(selectors.resident_buildings(viewer=system_viewer()))
    with pytest.raises(NotFound):
        building_get(viewer=viewer(partner), id=flat.other_building.pk, permission=VIEW_RESIDENT)
    assert (
        building_get(viewer=viewer(partner), id=flat.building.pk, permission=VIEW_RESIDENT)
        == flat.building
    )


def test_the_reads_other_apps_services_make_tell_ids_and_no_more_than_asked():
    landlord, other = make_organisation("ws-home"), make_organisation("ws-other")
    building = make_building(landlord)
    old_home, new_home = make_unit(building, 1), make_unit(building, 2)
    anna = make_resident(landlord, "R-ANNA", email="anna@example.test")
    moved_out = make_resident(other, "R-GONE", email="")
    make_occupancy(anna, old_home, start=date(2018, 1, 1), end=date(2020, 12, 31))
    make_occupancy(anna, new_home, start=date(2021, 1, 1))
    make_occupancy(moved_out, old_home, start=date(2010, 1, 1), end=date(2017, 12, 31))

    home = selectors.resident_home(resident_id=str(anna.pk))
    assert (home.resident_id, home.unit, home.unit.building.name) == (
        anna.pk,
        new_home,
        "De Horizon",
    )
    # Moved out at the end of 2017: at home there until then.
    assert selectors.resident_home(resident_id=moved_out.pk, day=date(2017, 6, 1)).unit == old_home
    assert selectors.resident_home(resident_id=moved_out.pk) == selectors.ResidentHome(
        moved_out.pk, None
    )
    assert selectors.resident_home(resident_id=999_999) is None
    assert selectors.resident_home(resident_id="x") is None

    assert selectors.resident_email(resident_id=anna.pk) == "anna@example.test"
    assert selectors.resident_email(resident_id=moved_out.pk) == ""
    assert selectors.resident_email(resident_id=999_999) is None

    assert selectors.resident_landlords(resident_ids=[anna.pk, moved_out.pk, 999_999]) == {
        anna.pk: landlord.pk,
        moved_out.pk: other.pk,
    }
    assert selectors.resident_itself(resident_id=anna.pk).landlord.slug == "ws-home"
    assert selectors.resident_itself(resident_id=None) is None
    assert AuditEntry.objects.count() == 0


def test_residents_living_in_units_are_those_the_viewer_sees_with_the_access():
    landlord, police = make_organisation("ws-live"), make_organisation("pol-live", "police")
    building = make_building(landlord)
    first, second, third = (make_unit(building, n) for n in (1, 2, 3))
    bakker = make_resident(landlord, "R-B", family_name="Bakker")
    aydin = make_resident(landlord, "R-A", family_name="Aydin")
    elsewhere = make_resident(landlord, "R-C", family_name="Claes")
    make_occupancy(bakker, first)
    make_occupancy(aydin, second)
    make_occupancy(elsewhere, third)
    staff = viewer(make_person("live-staff", landlord, [VIEW_RESIDENT]))
    officer = viewer(make_person("live-officer", police, [VIEW_RESIDENT]))

    found = selectors.residents_living_in(viewer=staff, unit_ids=[first.pk, second.pk])
    assert [(r.family_name, [o.unit_id for o in r.current_occupancies]) for r, _a in found] == [
        ("Aydin", [second.pk]),
        ("Bakker", [first.pk]),
    ]
    assert [sorted(a.categories) for _r, a in found] == [[IDENTITY, TENANCY]] * 2
    assert selectors.residents_living_in(viewer=officer, unit_ids=[first.pk, second.pk]) == []
    assert AuditEntry.objects.count() == 0
