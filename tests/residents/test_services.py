from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

import pytest

from tests.residents.factories import (
    make_building,
    make_occupancy,
    make_organisation,
    make_partner,
    make_person,
    make_resident,
    make_unit,
    viewer,
)
from wijkregie.core.access import system_viewer
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.models import AuditEntry
from wijkregie.partners.models import Membership, OrganisationKind
from wijkregie.places.models import BuildingContact
from wijkregie.residents import services
from wijkregie.residents.models import ContactMoment, Occupancy, Resident

pytestmark = pytest.mark.django_db

ADMIN_PERMISSIONS = ["residents.import_residents"]


@pytest.fixture
def landlord():
    return make_organisation("de-vaart")


@pytest.fixture
def building(landlord):
    return make_building(landlord)


@pytest.fixture
def admin(landlord):
    return viewer(make_person("admin", landlord, ADMIN_PERMISSIONS))


# --- resident_create / resident_update -------------------------------------------------------


def test_resident_create_saves_and_audits_the_fields_given(landlord, admin):
    resident = services.resident_create(
        actor=admin,
        landlord_id=landlord.pk,
        relation_number=" 4711 ",
        given_name="Ayla",
        family_name="Demir",
        email="ayla@example.org",
        preferred_language="TR",
    )

    assert (resident.external_id, resident.preferred_language, resident.phone) == ("4711", "tr", "")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_ids, entry.organisation_id) == (
        "create",
        [str(resident.pk)],
        landlord.pk,
    )
    assert entry.fields == [
        "email",
        "family_name",
        "given_name",
        "preferred_language",
        "relation_number",
    ]


def test_resident_create_needs_the_import_permission_in_the_landlord(landlord):
    other = make_organisation("oostwaard")
    outsider = viewer(make_person("outsider", other, ADMIN_PERMISSIONS))

    with pytest.raises(PermissionDenied):
        services.resident_create(
            actor=outsider,
            landlord_id=landlord.pk,
            relation_number="1",
            given_name="A",
            family_name="B",
        )
    assert (Resident.objects.count(), AuditEntry.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    "field, value, message_field",
    [
        pytest.param("email", "not-an-address", "email", id="email"),
        pytest.param("preferred_language", "xx", "preferred_language", id="language"),
        pytest.param("phone", "call me", "phone", id="phone"),
        pytest.param("given_name", "x" * 101, "given_name", id="too_long"),
    ],
)
def test_resident_create_rejects_invalid_data(landlord, admin, field, value, message_field):
    data = {"relation_number": "1", "given_name": "A", "family_name": "B", field: value}

    with pytest.raises(ValidationError) as raised:
        services.resident_create(actor=admin, landlord_id=landlord.pk, **data)

    assert set(raised.value.message_dict) == {message_field}
    assert Resident.objects.count() == 0


def test_resident_create_rejects_a_duplicate_relation_number(landlord, admin):
    make_resident(landlord, "1")

    with pytest.raises(ValidationError) as raised:
        services.resident_create(
            actor=admin,
            landlord_id=landlord.pk,
            relation_number="1",
            given_name="A",
            family_name="B",
        )

    assert list(raised.value.message_dict) == ["__all__"]
    assert Resident.objects.count() == 1


def test_resident_update_saves_and_audits_only_what_changed(landlord, admin):
    resident = make_resident(landlord, "1", given_name="Jan", email="jan@example.org")

    services.resident_update(
        actor=admin,
        resident_id=resident.pk,
        data={"given_name": "Jan", "email": "jan.new@example.org", "relation_number": "1b"},
    )

    resident.refresh_from_db()
    assert (resident.email, resident.external_id) == ("jan.new@example.org", "1b")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.fields) == ("update", ["email", "relation_number"])


def test_resident_update_without_changes_writes_and_audits_nothing(landlord, admin):
    resident = make_resident(landlord, "1", given_name="Jan")
    before = Resident.objects.get().updated_at

    services.resident_update(actor=admin, resident_id=resident.pk, data={"given_name": "Jan"})

    assert Resident.objects.get().updated_at == before
    assert AuditEntry.objects.count() == 0


def test_resident_update_refuses_unknown_fields(landlord, admin):
    resident = make_resident(landlord, "1")

    with pytest.raises(ApplicationError) as raised:
        services.resident_update(actor=admin, resident_id=resident.pk, data={"landlord_id": 5})

    assert raised.value.message == "Deze velden kunnen niet worden gewijzigd: landlord_id"


def test_resident_update_of_another_landlords_resident_is_not_found(landlord):
    resident = make_resident(landlord, "1", given_name="Jan")
    outsider = viewer(make_person("outsider", make_organisation("oostwaard"), ADMIN_PERMISSIONS))

    with pytest.raises(NotFound):
        services.resident_update(actor=outsider, resident_id=resident.pk, data={"given_name": "X"})
    assert Resident.objects.get().given_name == "Jan"


# --- occupancies -----------------------------------------------------------------------------


def test_occupancy_create_links_a_resident_to_a_unit_of_the_landlord(landlord, building, admin):
    resident = make_resident(landlord, "1")
    unit = make_unit(building, 12)

    occupancy = services.occupancy_create(
        actor=admin,
        resident_id=resident.pk,
        unit_id=unit.pk,
        kind="main_tenant",
        start_date=date(2024, 5, 1),
    )

    assert (occupancy.unit, occupancy.end_date) == (unit, None)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.fields, entry.context_type, entry.context_id) == (
        "update",
        ["occupancies"],
        "places.building",
        str(building.pk),
    )


def test_occupancy_create_refuses_a_unit_of_another_owner(landlord, admin):
    resident = make_resident(landlord, "1")
    foreign_unit = make_unit(
        make_building(make_organisation("oostwaard"), "Het Baken", "3522BK"), 1
    )

    with pytest.raises(ApplicationError) as raised:
        services.occupancy_create(
            actor=admin,
            resident_id=resident.pk,
            unit_id=foreign_unit.pk,
            kind="main_tenant",
            start_date=date(2024, 5, 1),
        )

    assert (
        raised.value.message
        == "Deze woning ligt niet in een gebouw van de verhuurder van de bewoner."
    )
    assert Occupancy.objects.count() == 0


def test_occupancy_end_sets_the_end_date_and_refuses_one_before_the_start(
    landlord, building, admin
):
    occupancy = make_occupancy(
        make_resident(landlord, "1"), make_unit(building, 1), start=date(2024, 5, 1)
    )

    services.occupancy_end(actor=admin, occupancy_id=occupancy.pk, end_date=date(2025, 1, 31))
    with pytest.raises(ValidationError):
        services.occupancy_end(actor=admin, occupancy_id=occupancy.pk, end_date=date(2024, 4, 30))

    occupancy.refresh_from_db()
    assert occupancy.end_date == date(2025, 1, 31)
    assert AuditEntry.objects.count() == 1


# --- contact moments -------------------------------------------------------------------------


def test_contact_moment_record_by_landlord_staff(landlord, building):
    staff_user = make_person("staff", landlord, ["residents.view_resident"])
    resident = make_resident(landlord, "1")
    unit = make_unit(building, 1)
    make_occupancy(resident, unit)

    moment = services.contact_moment_record(
        actor=viewer(staff_user),
        resident_id=resident.pk,
        channel="visit",
        summary=" Langs geweest ",
    )

    assert (moment.organisation, moment.unit, moment.summary) == (landlord, unit, "Langs geweest")
    assert moment.by_membership == Membership.objects.get(user=staff_user)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.fields, entry.object_ids) == (
        "update",
        ["contact_history"],
        [str(resident.pk)],
    )


def test_contact_moment_record_by_a_partner_is_for_the_partners_own_organisation(
    landlord, building
):
    org = make_organisation("welzijn", OrganisationKind.COMMUNITY_WORK)
    user = make_person("opbouwwerker", org, ["residents.view_resident"])
    make_partner(building, user)
    resident = make_resident(landlord, "1", consent_share_with_partners=True)
    make_occupancy(resident, make_unit(building, 1))

    moment = services.contact_moment_record(
        actor=viewer(user), resident_id=resident.pk, channel="evening", summary="Bewonersavond"
    )
    with pytest.raises(PermissionDenied):
        services.contact_moment_record(
            actor=viewer(user),
            resident_id=resident.pk,
            channel="evening",
            summary="Voor de verhuurder",
            organisation_id=landlord.pk,
        )

    assert moment.organisation == org
    assert ContactMoment.objects.count() == 1


def test_contact_moment_record_for_an_invisible_resident_is_not_found(landlord, building):
    org = make_organisation("welzijn", OrganisationKind.COMMUNITY_WORK)
    user = make_person("opbouwwerker", org, ["residents.view_resident"])
    make_partner(building, user)
    resident = make_resident(landlord, "1")  # no consent, no agreement
    make_occupancy(resident, make_unit(building, 1))

    with pytest.raises(NotFound):
        services.contact_moment_record(
            actor=viewer(user), resident_id=resident.pk, channel="visit", summary="Probe"
        )
    assert (ContactMoment.objects.count(), AuditEntry.objects.count()) == (0, 0)


def test_contact_moment_record_refuses_a_future_moment(landlord):
    resident = make_resident(landlord, "1")

    with pytest.raises(ValidationError) as raised:
        services.contact_moment_record(
            actor=system_viewer(),
            resident_id=resident.pk,
            channel="phone",
            summary="Later",
            occurred_at=timezone.now() + timedelta(days=1),
        )

    assert raised.value.message_dict == {
        "occurred_at": ["Een contact kan niet in de toekomst liggen."]
    }
    assert ContactMoment.objects.count() == 0


def test_contact_moment_record_asks_which_organisation_when_there_are_several(landlord, building):
    welzijn = make_organisation("welzijn", OrganisationKind.COMMUNITY_WORK)
    wijkteam = make_organisation("wijkteam", OrganisationKind.SOCIAL_TEAM)
    user = make_person("both", welzijn, ["residents.view_resident"])
    make_partner(building, user)
    second = Membership.objects.create(user=user, organisation=wijkteam)
    second.roles.set(Membership.objects.get(user=user, organisation=welzijn).roles.all())
    BuildingContact.objects.create(building=building, membership=second, responsibility="zorg")
    resident = make_resident(landlord, "1", consent_share_with_partners=True)
    make_occupancy(resident, make_unit(building, 1))
    actor = viewer(user)

    with pytest.raises(ApplicationError) as raised:
        services.contact_moment_record(
            actor=actor, resident_id=resident.pk, channel="visit", summary="x"
        )
    moment = services.contact_moment_record(
        actor=actor,
        resident_id=resident.pk,
        channel="visit",
        summary="x",
        organisation_id=wijkteam.pk,
    )

    assert raised.value.message == "Kies de organisatie namens wie u dit contact vastlegt."
    assert moment.organisation == wijkteam
    assert moment.by_membership == second
