from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.places.conftest import MANAGE
from tests.places.factories import CommonAreaFactory, UnitFactory, units_csv
from wijkregie.core.models import Job
from wijkregie.partners.models import ApiToken
from wijkregie.places.models import CommonAreaKind, Unit


def token_client(user, organisation) -> APIClient:
    prefix, key = ApiToken.new_key()
    ApiToken.objects.create(
        organisation=organisation,
        user=user,
        name="koppeling",
        prefix=prefix,
        key_hash=ApiToken.hash_key(key),
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def system(make_professional, owner_org):
    """The owner's housing-ERP system, with an organisation token."""
    user = make_professional("erp", organisation=owner_org, permissions=MANAGE)
    return token_client(user, owner_org)


@pytest.fixture
def foreign(make_professional, other_org):
    """Another corporation's system: its token must not reach De Horizon."""
    user = make_professional("erp-oostwaard", organisation=other_org, permissions=MANAGE)
    return token_client(user, other_org)


def test_building_list_and_detail(system, building, settings):
    settings.SITE_URL = "https://wijkregie.example"
    UnitFactory.create_batch(2, building=building)
    building.latitude, building.longitude = Decimal("52.115938"), Decimal("5.113022")
    building.save()

    listing = system.get("/api/v1/places/buildings/")
    detail = system.get(f"/api/v1/places/buildings/{building.pk}/")

    assert listing.status_code == 200
    assert listing.json()["count"] == 1
    expected = {
        "id": building.pk,
        "name": "De Horizon",
        "street": "Horizonlaan",
        "postcode": "3521HZ",
        "city": "Rivierstad",
        "floors": 4,
        "entrances": ["A", "B"],
        "bag_pand_id": "",
        "latitude": 52.115938,
        "longitude": 5.113022,
        "owner": {"id": building.owner_id, "name": "Woonstichting De Vaart"},
        "neighbourhood": None,
        "unit_count": 2,
        "public_report_url": f"https://wijkregie.example/melden/{building.public_code}/",
    }
    assert listing.json()["results"] == [expected]
    assert detail.status_code == 200
    assert detail.json() == expected


def test_building_list_of_a_partner_session(login, partner_user, building):
    client = login(partner_user)

    response = client.get("/api/v1/places/buildings/?q=horizon")

    assert response.status_code == 200
    assert [b["name"] for b in response.json()["results"]] == ["De Horizon"]


def test_units_and_common_areas_of_a_building(system, building):
    unit = UnitFactory(
        building=building,
        bag_id="0344010000000042",
        house_number=42,
        house_letter="B",
        floor=2,
        entrance="B",
    )
    CommonAreaFactory(building=building, kind=CommonAreaKind.LIFT, name="Lift B", entrance="B")

    units = system.get(f"/api/v1/places/buildings/{building.pk}/units/")
    one = system.get(f"/api/v1/places/buildings/{building.pk}/units/{unit.pk}/")
    areas = system.get(f"/api/v1/places/buildings/{building.pk}/common-areas/")

    expected = {
        "id": unit.pk,
        "building_id": building.pk,
        "bag_id": "0344010000000042",
        "postcode": "3521HZ",
        "house_number": 42,
        "house_letter": "B",
        "house_number_addition": "",
        "address": "42B",
        "floor": 2,
        "entrance": "B",
    }
    assert (units.status_code, units.json()["results"]) == (200, [expected])
    assert (one.status_code, one.json()) == (200, expected)
    assert areas.json()["results"] == [
        {
            "id": areas.json()["results"][0]["id"],
            "kind": "lift",
            "name": "Lift B",
            "entrance": "B",
            "floor": None,
        }
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/places/buildings/{id}/",
        "/api/v1/places/buildings/{id}/units/",
        "/api/v1/places/buildings/{id}/units/{unit}/",
        "/api/v1/places/buildings/{id}/common-areas/",
    ],
)
def test_a_foreign_organisation_token_gets_404(foreign, building, path):
    unit = UnitFactory(building=building)

    response = foreign.get(path.format(id=building.pk, unit=unit.pk))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_a_foreign_organisation_token_lists_no_buildings(foreign, building):
    assert foreign.get("/api/v1/places/buildings/").json()["count"] == 0


def test_api_needs_authentication(building):
    response = APIClient().get("/api/v1/places/buildings/")

    assert response.status_code == 401


# --- the import ---------------------------------------------------------------------------


def csv_upload(content: bytes):
    return SimpleUploadedFile("units.csv", content, content_type="text/csv")


def test_unit_import_answers_202_with_the_job_and_its_url(system, building):
    content = units_csv(
        [
            ("0344010000000001", "3521HZ", 1, "", "", 0, "A"),
            ("0344010000000002", "3521HZ", 2, "", "", 1, "B"),
        ]
    )

    response = system.post(
        f"/api/v1/places/buildings/{building.pk}/units/import/",
        {"file": csv_upload(content), "language": "en"},
        format="multipart",
    )

    job = Job.objects.get()
    assert response.status_code == 202
    assert response["Location"] == f"/api/v1/places/imports/{job.pk}/"
    body = response.json()
    assert {k: body[k] for k in ("id", "status", "building_id", "file_name", "language")} == {
        "id": job.pk,
        "status": "succeeded",
        "building_id": building.pk,
        "file_name": "units.csv",
        "language": "en",
    }
    assert (body["total_rows"], body["created_count"], body["errors"]) == (2, 2, [])
    assert Unit.objects.count() == 2
    assert system.get(response["Location"]).json()["status"] == "succeeded"


def test_unit_import_of_a_bad_csv_reports_per_row(system, building):
    content = units_csv([("0344010000000001", "3521HZ", "1", "", "", "9", "A")])

    response = system.post(
        f"/api/v1/places/buildings/{building.pk}/units/import/",
        {"file": csv_upload(content), "language": "en"},
        format="multipart",
    )
    job = system.get(response["Location"]).json()

    assert response.status_code == 202
    assert job["status"] == "failed"
    assert job["errors"] == [
        {
            "row": 2,
            "column": "floor",
            "message": "Floor 9 is outside this building: its floors run from -3 to 3.",
        }
    ]
    assert Unit.objects.count() == 0


@pytest.mark.parametrize("case", ["no_file", "unknown_language", "empty_file"])
def test_unit_import_refuses_invalid_input(system, building, case):
    data = {
        "no_file": {"language": "en"},
        "unknown_language": {"file": csv_upload(b"bag_id\n"), "language": "xx"},
        "empty_file": {"file": csv_upload(b"")},
    }[case]

    response = system.post(
        f"/api/v1/places/buildings/{building.pk}/units/import/", data, format="multipart"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert Job.objects.count() == 0


def test_unit_import_by_a_foreign_token_is_404_and_by_a_partner_403(
    foreign, login, partner_user, building
):
    content = units_csv([("0344010000000001", "3521HZ", 1, "", "", 0, "A")])
    path = f"/api/v1/places/buildings/{building.pk}/units/import/"

    assert foreign.post(path, {"file": csv_upload(content)}, format="multipart").status_code == 404
    refused = login(partner_user).post(path, {"file": csv_upload(content)})
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "U mag dit gebouw niet wijzigen.",
    )
    assert Job.objects.count() == 0


def test_import_job_of_another_organisation_is_404(system, foreign, building):
    response = system.post(
        f"/api/v1/places/buildings/{building.pk}/units/import/",
        {"file": csv_upload(units_csv([("", "3521HZ", 1, "", "", 0, "A")]))},
        format="multipart",
    )

    assert foreign.get(response["Location"]).status_code == 404


def test_the_schema_covers_the_places_api_without_warnings():
    GENERATOR_STATS.reset()

    schema = SchemaGenerator().get_schema(request=None, public=True)

    places_paths = sorted(p for p in schema["paths"] if p.startswith("/api/v1/places/"))
    assert places_paths == [
        "/api/v1/places/buildings/",
        "/api/v1/places/buildings/{building_id}/common-areas/",
        "/api/v1/places/buildings/{building_id}/units/",
        "/api/v1/places/buildings/{building_id}/units/import/",
        "/api/v1/places/buildings/{building_id}/units/{id}/",
        "/api/v1/places/buildings/{id}/",
        "/api/v1/places/imports/{id}/",
    ]
    places_problems = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "places" in message.lower() and "enum naming" not in message.lower()
    ]
    assert places_problems == []
