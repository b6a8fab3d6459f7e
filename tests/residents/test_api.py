from django.core.files.uploadedfile import SimpleUploadedFile

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.residents.factories import (
    make_agreement,
    make_building,
    make_contact_moment,
    make_occupancy,
    make_organisation,
    make_partner,
    make_person,
    make_resident,
    make_token,
    make_unit,
)
from wijkregie.core.models import AuditEntry, Job
from wijkregie.partners.models import Membership, OrganisationKind
from wijkregie.residents.models import ContactMoment, Resident

pytestmark = pytest.mark.django_db

STAFF = ["residents.view_resident", "residents.view_resident_contact", "residents.import_residents"]


@pytest.fixture
def landlord():
    return make_organisation("de-vaart")


@pytest.fixture
def building(landlord):
    return make_building(landlord)


@pytest.fixture
def unit(building):
    return make_unit(building, 12, bag_id="0344010000000012")


@pytest.fixture
def resident(landlord, unit):
    resident = make_resident(
        landlord, "R1", given_name="Ayla", family_name="Demir", email="ayla@example.test"
    )
    make_occupancy(resident, unit)
    return resident


@pytest.fixture
def staff(landlord):
    return make_person("staff", landlord, STAFF)


def api(user, organisation) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user, organisation)}")
    return client


def test_list_returns_the_allowed_fields_and_records_one_entry(staff, landlord, resident, unit):
    response = api(staff, landlord).get("/api/v1/residents/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": resident.pk,
                "relation_number": "R1",
                "given_name": "Ayla",
                "family_name": "Demir",
                "preferred_language": "nl",
                "units": [
                    {
                        "unit_id": unit.pk,
                        "building_id": unit.building_id,
                        "building": "De Horizon",
                        "address": "De Horizonlaan 12",
                        "postcode": "3521HZ",
                        "city": "Rivierstad",
                        "floor": 0,
                        "entrance": "A",
                    }
                ],
                "email": "ayla@example.test",
                "phone": "0612345678",
            }
        ],
    }
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.origin, entry.object_ids) == ("list", "api", [str(resident.pk)])


def test_list_leaves_out_the_fields_a_partner_may_not_see(landlord, building, resident):
    police = make_organisation("politie", OrganisationKind.POLICE)
    officer = make_person("wijkagent", police, ["residents.view_resident"])
    make_partner(building, officer)
    make_agreement([police, landlord], ["resident_identity"])

    response = api(officer, police).get("/api/v1/residents/", {"building": building.pk})

    [item] = response.json()["results"]
    assert set(item) == {"id", "given_name", "family_name", "preferred_language", "units"}
    assert AuditEntry.objects.get().context_id == str(building.pk)


def test_list_pages_with_links(staff, landlord, building):
    for n in range(3):
        make_occupancy(make_resident(landlord, f"P{n}"), make_unit(building, 20 + n))

    body = api(staff, landlord).get("/api/v1/residents/", {"page_size": 2}).json()

    assert body["count"] == 3
    assert body["next"] == "http://testserver/api/v1/residents/?page=2&page_size=2"
    assert body["previous"] is None
    assert len(body["results"]) == 2


@pytest.mark.parametrize(
    "params",
    [{"page_size": 201}, {"page": 0}, {"building": "x"}, {"search": "x" * 101}],
    ids=["page_size", "page", "building", "search"],
)
def test_list_refuses_invalid_filters(staff, landlord, params):
    response = api(staff, landlord).get("/api/v1/residents/", params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert AuditEntry.objects.count() == 0


def test_list_needs_authentication(resident):
    response = APIClient().get("/api/v1/residents/")

    assert response.status_code in (401, 403)
    assert AuditEntry.objects.count() == 0


def test_retrieve_shows_the_detail_fields(staff, landlord, resident):
    body = api(staff, landlord).get(f"/api/v1/residents/{resident.pk}/").json()

    assert set(body) == {
        "id",
        "relation_number",
        "given_name",
        "family_name",
        "preferred_language",
        "units",
        "email",
        "phone",
        "consents",
        "occupancies",
    }
    assert [(o["kind"], o["start_date"], o["is_current"]) for o in body["occupancies"]] == [
        ("main_tenant", "2020-01-01", True)
    ]
    assert AuditEntry.objects.get().action == "view"


def test_retrieve_of_a_resident_of_another_landlord_is_the_same_404_as_a_missing_one(resident):
    other = make_organisation("oostwaard")
    stranger = make_person("stranger", other, STAFF)
    client = api(stranger, other)

    forbidden = client.get(f"/api/v1/residents/{resident.pk}/")
    missing = client.get("/api/v1/residents/999999/")

    assert (forbidden.status_code, missing.status_code) == (404, 404)
    assert forbidden.json() == missing.json()
    assert AuditEntry.objects.count() == 0


def test_a_token_acts_only_for_its_own_organisation(landlord, resident):
    other = make_organisation("oostwaard")
    both = make_person("both", other, STAFF)
    membership = Membership.objects.create(user=both, organisation=landlord)
    membership.roles.set(Membership.objects.get(user=both, organisation=other).roles.all())

    assert api(both, landlord).get(f"/api/v1/residents/{resident.pk}/").status_code == 200
    assert api(both, other).get(f"/api/v1/residents/{resident.pk}/").status_code == 404


def test_contact_moments_list_and_record(staff, landlord, resident):
    make_contact_moment(resident, landlord, "Eerder contact")
    client = api(staff, landlord)

    created = client.post(
        f"/api/v1/residents/{resident.pk}/contact-moments/",
        {"channel": "phone", "summary": "Gebeld"},
        format="json",
    )
    listed = client.get(f"/api/v1/residents/{resident.pk}/contact-moments/")

    assert created.status_code == 201
    assert created.json()["organisation"] == "Org de-vaart"
    assert [m["summary"] for m in listed.json()] == ["Gebeld", "Eerder contact"]
    assert ContactMoment.objects.count() == 2


def test_contact_moment_with_invalid_input_is_refused(staff, landlord, resident):
    response = api(staff, landlord).post(
        f"/api/v1/residents/{resident.pk}/contact-moments/",
        {"channel": "pigeon", "summary": ""},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"channel", "summary"}
    assert ContactMoment.objects.count() == 0


# --- import ------------------------------------------------------------------------------------

GOOD_FILE = (
    b"relation_number;given_name;family_name;bag_id;occupancy_kind;start_date\r\n"
    b"9001;Jan;Jansen;0344010000000012;main_tenant;2021-03-01\r\n"
)


def test_import_start_and_status(staff, landlord, unit):
    client = api(staff, landlord)

    started = client.post(
        "/api/v1/residents/imports/",
        {
            "organisation": landlord.pk,
            "file": SimpleUploadedFile("e.csv", GOOD_FILE),
            "language": "en",
        },
        format="multipart",
    )
    status = client.get(f"/api/v1/residents/imports/{started.json()['id']}/")

    assert started.status_code == 202
    body = status.json()
    assert (body["status"], body["created_count"], body["total_rows"], body["errors"]) == (
        "succeeded",
        1,
        1,
        [],
    )
    assert Resident.objects.get().external_id == "9001"


def test_import_start_reports_a_bad_file_in_the_job(staff, landlord, unit):
    response = api(staff, landlord).post(
        "/api/v1/residents/imports/",
        {"organisation": landlord.pk, "file": SimpleUploadedFile("e.csv", b""), "language": "en"},
        format="multipart",
    )

    assert response.status_code == 202
    assert response.json()["errors"] == [
        {"row": None, "column": "", "message": "The file is empty."}
    ]


def test_import_start_for_another_organisation_is_forbidden(staff, landlord):
    other = make_organisation("oostwaard")

    response = api(staff, landlord).post(
        "/api/v1/residents/imports/",
        {"organisation": other.pk, "file": SimpleUploadedFile("e.csv", GOOD_FILE)},
        format="multipart",
    )

    assert response.status_code == 403
    assert Job.objects.count() == 0


def test_import_start_without_a_file_is_refused(staff, landlord):
    response = api(staff, landlord).post(
        "/api/v1/residents/imports/", {"organisation": landlord.pk}, format="multipart"
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"file"}
    assert Job.objects.count() == 0


def test_import_status_of_another_organisation_is_not_found(staff, landlord):
    other = make_organisation("oostwaard")
    job = Job.objects.create(
        kind="residents",
        created_by=staff,
        organisation_id=other.pk,
        file_name="x.csv",
        content=b"",
    )

    response = api(staff, landlord).get(f"/api/v1/residents/imports/{job.pk}/")

    assert response.status_code == 404


def test_the_schema_describes_the_residents_api():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    assert {
        "/api/v1/residents/",
        "/api/v1/residents/{id}/",
        "/api/v1/residents/{id}/contact-moments/",
        "/api/v1/residents/imports/",
        "/api/v1/residents/imports/{id}/",
    } <= set(schema["paths"])
    resident = schema["components"]["schemas"]["ResidentListOutput"]
    assert resident["required"] == ["id"]
