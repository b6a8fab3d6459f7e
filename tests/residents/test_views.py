import re

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest

from tests.residents.factories import (
    make_building,
    make_contact_moment,
    make_occupancy,
    make_organisation,
    make_partner,
    make_person,
    make_resident,
    make_unit,
)
from wijkregie.core.models import AuditEntry, Job
from wijkregie.partners.models import OrganisationKind
from wijkregie.residents.importing import EXAMPLE_CSV
from wijkregie.residents.models import ContactMoment, Resident

pytestmark = pytest.mark.django_db

STAFF = ["residents.view_resident", "residents.view_resident_contact"]


@pytest.fixture
def landlord():
    return make_organisation("de-vaart")


@pytest.fixture
def building(landlord):
    return make_building(landlord)


@pytest.fixture
def resident(landlord, building):
    resident = make_resident(
        landlord,
        "R1",
        given_name="Ayla",
        family_name="Demir",
        email="ayla.demir@example.test",
        phone="0611112222",
        preferred_language="tr",
        consent_newsletter_email=True,
    )
    make_occupancy(resident, make_unit(building, 12, letter="A"))
    return resident


@pytest.fixture
def staff(landlord):
    return make_person("staff", landlord, STAFF)


@pytest.fixture
def partner(building):
    org = make_organisation("welzijn", OrganisationKind.COMMUNITY_WORK)
    user = make_person("opbouwwerker", org, ["residents.view_resident"])
    make_partner(building, user)
    return user


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def without_csrf(response) -> str:
    """The page without its per-response CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


# --- index -------------------------------------------------------------------------------------


def test_index_lists_the_buildings_with_residents_the_viewer_may_see(login, staff, building):
    make_building(make_organisation("oostwaard"), "Het Baken", "3522BK")

    response = login(staff).get("/residents/")

    assert response.status_code == 200
    assert f'href="/residents/buildings/{building.pk}/"' in text(response)
    assert "Het Baken" not in text(response)
    assert "Bewoners importeren" not in text(response)  # no import permission


def test_index_is_forbidden_for_someone_without_any_residents_permission(login, landlord):
    privacy = make_person("privacy", landlord, ["core.view_auditentry"])

    response = login(privacy).get("/residents/")

    assert response.status_code == 403


def test_index_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get("/residents/")

    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/?next=/residents/",
    )


def test_navigation_shows_residents_to_those_who_may_see_them(login, staff, landlord):
    page = text(login(staff).get("/"))

    assert 'href="/residents/"' in page
    assert 'href="/residents/import/"' not in page


# --- residents of a building -----------------------------------------------------------------


def test_building_page_lists_residents_with_the_columns_allowed(login, staff, building, resident):
    response = login(staff).get(f"/residents/buildings/{building.pk}/")

    page = text(response)
    assert response.status_code == 200
    assert "Bewoners van De Horizon" in page
    assert f'href="/residents/{resident.pk}/">Ayla Demir</a>' in page
    assert "ayla.demir@example.test" in page
    assert "0611112222" in page
    assert ">Relatienummer</th>" in page
    assert '<span lang="tr">Turks</span>' in page
    assert "De Horizonlaan 12A, 3521HZ" in page
    assert AuditEntry.objects.get().action == "list"


def test_building_page_hides_columns_the_viewer_may_not_see(login, partner, building, landlord):
    consenting = make_resident(landlord, "R2", given_name="Bo", consent_share_with_partners=True)
    make_occupancy(consenting, make_unit(building, 14))
    hidden = make_resident(landlord, "R3", given_name="Verborgen", email="hidden@example.test")
    make_occupancy(hidden, make_unit(building, 15))

    page = text(login(partner).get(f"/residents/buildings/{building.pk}/"))

    assert "r2@example.test" in page
    assert "Verborgen" not in page
    assert "hidden@example.test" not in page
    assert ">Relatienummer</th>" not in page
    assert "1 bewoner die u mag zien" in page


def test_building_page_search(login, staff, building, resident, landlord):
    other = make_resident(landlord, "R9", given_name="Kees", family_name="Jansen")
    make_occupancy(other, make_unit(building, 20))

    page = text(login(staff).get(f"/residents/buildings/{building.pk}/", {"q": "jans"}))

    assert "Kees Jansen" in page
    assert "Ayla" not in page


def test_building_page_refuses_an_over_long_search(login, staff, building, resident):
    response = login(staff).get(f"/residents/buildings/{building.pk}/", {"q": "x" * 101})

    assert response.status_code == 400
    assert "Ayla" not in text(response)
    assert AuditEntry.objects.count() == 0


def test_building_page_of_a_building_the_viewer_has_nothing_to_do_with_is_not_found(
    login, building, resident
):
    outsider = make_person("outsider", make_organisation("oostwaard"), STAFF)

    response = login(outsider).get(f"/residents/buildings/{building.pk}/")

    assert response.status_code == 404
    assert AuditEntry.objects.count() == 0


def test_building_page_pages(login, staff, building, landlord):
    for n in range(51):
        make_occupancy(make_resident(landlord, f"P{n:02d}"), make_unit(building, 100 + n))

    first = text(login(staff).get(f"/residents/buildings/{building.pk}/"))
    second = text(login(staff).get(f"/residents/buildings/{building.pk}/", {"page": "2"}))

    assert "Pagina 1 van 2" in first
    assert 'href="?page=2"' in first
    assert len(re.findall(r'href="/residents/\d+/"', first)) == 50
    assert len(re.findall(r'href="/residents/\d+/"', second)) == 1


# --- resident detail ---------------------------------------------------------------------------


def test_detail_shows_identity_contact_consents_occupancies_and_history(
    login, staff, resident, landlord
):
    make_contact_moment(resident, landlord, "Huisbezoek over de lift")

    response = login(staff).get(f"/residents/{resident.pk}/")

    page = text(response)
    assert response.status_code == 200
    assert '<h1 class="utrecht-heading-1">Ayla Demir</h1>' in page
    assert "ayla.demir@example.test" in page
    assert "Toestemmingen" in page
    assert "Hoofdhuurder" in page
    assert "Huisbezoek over de lift" in page
    assert 'action="/residents/' in page
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_ids) == ("view", [str(resident.pk)])
    assert "contact_history" in entry.fields


def test_detail_for_a_partner_shows_no_tenancy_and_only_its_own_contacts(
    login, partner, landlord, building
):
    resident = make_resident(landlord, "R2", given_name="Bo", consent_share_with_partners=True)
    make_occupancy(resident, make_unit(building, 14))
    make_contact_moment(resident, landlord, "Intern verhuurder")

    page = text(login(partner).get(f"/residents/{resident.pk}/"))

    assert "r2@example.test" in page
    assert "Toestemmingen" not in page
    assert "Relatienummer" not in page
    assert "Intern verhuurder" not in page
    assert "U ziet de contacten die uw eigen organisatie heeft vastgelegd." in page


def test_detail_of_an_invisible_resident_is_the_same_404_as_a_missing_one(login, partner, resident):
    client = login(partner)

    forbidden = client.get(f"/residents/{resident.pk}/")
    missing = client.get("/residents/999999/")

    assert (forbidden.status_code, missing.status_code) == (404, 404)
    assert without_csrf(forbidden).replace(f"/residents/{resident.pk}/", "/residents/ID/") == (
        without_csrf(missing).replace("/residents/999999/", "/residents/ID/")
    )
    assert AuditEntry.objects.count() == 0


# --- recording a contact -----------------------------------------------------------------------


def test_record_contact_moment(login, staff, resident):
    response = login(staff).post(
        f"/residents/{resident.pk}/contact-moments/",
        {"channel": "phone", "summary": "Gebeld over de lift"},
    )

    assert (response.status_code, response["Location"]) == (302, f"/residents/{resident.pk}/")
    moment = ContactMoment.objects.get()
    assert (moment.channel, moment.summary, moment.resident) == (
        "phone",
        "Gebeld over de lift",
        resident,
    )


def test_record_contact_moment_with_invalid_input_shows_the_errors(login, staff, resident):
    response = login(staff).post(
        f"/residents/{resident.pk}/contact-moments/", {"channel": "pigeon", "summary": ""}
    )

    assert response.status_code == 400
    assert 'id="form-errors"' in text(response)
    assert ContactMoment.objects.count() == 0


def test_record_contact_moment_for_an_invisible_resident_is_not_found(login, partner, resident):
    response = login(partner).post(
        f"/residents/{resident.pk}/contact-moments/", {"channel": "phone", "summary": "Probe"}
    )

    assert response.status_code == 404
    assert ContactMoment.objects.count() == 0


# --- import ------------------------------------------------------------------------------------


@pytest.fixture
def importer(landlord):
    return make_person("importer", landlord, ["residents.import_residents"])


def test_import_page_documents_the_columns(login, importer):
    response = login(importer).get("/residents/import/")

    page = text(response)
    assert response.status_code == 200
    assert "<code>consent_share_with_partners</code>" in page
    assert 'href="/residents/import/example.csv"' in page


def test_import_page_is_forbidden_without_the_import_permission(login, staff):
    assert login(staff).get("/residents/import/").status_code == 403


def test_example_file_downloads(login, importer):
    response = login(importer).get("/residents/import/example.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode("utf-8") == "\ufeff" + EXAMPLE_CSV


def test_import_upload_runs_the_job_and_shows_its_result(login, importer, landlord, building):
    make_unit(building, 1, bag_id="0344010000000001")
    content = (
        b"relation_number;given_name;family_name;bag_id;occupancy_kind;start_date\r\n"
        b"5001;Ayla;Demir;0344010000000001;hoofdhuurder;01-01-2020\r\n"
    )
    client = login(importer)

    response = client.post(
        "/residents/import/",
        {
            "organisation": landlord.pk,
            "language": "nl",
            "file": SimpleUploadedFile("export.csv", content, "text/csv"),
        },
    )

    job = Job.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/residents/import/{job.pk}/")
    assert Resident.objects.get().external_id == "5001"
    page = text(client.get(response["Location"]))
    assert "Het bestand is geïmporteerd" in page
    assert "hx-trigger" not in page


def test_import_upload_of_a_bad_file_shows_the_report(login, importer, landlord):
    client = login(importer)
    client.post(
        "/residents/import/",
        {
            "organisation": landlord.pk,
            "language": "en",
            "file": SimpleUploadedFile("bad.csv", b"relation_number;given_name\r\n1;A\r\n"),
        },
    )

    page = text(client.get(f"/residents/import/{Job.objects.get().pk}/"))

    assert "Het bestand is afgewezen" in page
    assert "Column “family_name” is missing." in page
    assert Resident.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"language": "nl"}, id="no_file"),
        pytest.param({"language": "nl", "file": ("x.pdf", b"%PDF")}, id="not_csv"),
        pytest.param({"language": "nl", "file": ("x.csv", b"")}, id="empty_file"),
        pytest.param(
            {"language": "nl", "organisation": "forged", "file": ("x.csv", b"a")}, id="forged_org"
        ),
    ],
)
def test_import_upload_with_invalid_input_is_refused(login, importer, landlord, data):
    post = {"organisation": landlord.pk, **data}
    if "file" in data:
        post["file"] = SimpleUploadedFile(*data["file"])
    other = make_organisation("oostwaard")
    if post["organisation"] == "forged":
        post["organisation"] = other.pk

    response = login(importer).post("/residents/import/", post)

    assert response.status_code == 400
    assert 'id="form-errors"' in text(response)
    assert Job.objects.count() == 0


def test_import_progress_polls_while_running_and_stops_when_finished(login, importer, landlord):
    job = Job.objects.create(
        kind="residents",
        created_by=importer,
        organisation_id=landlord.pk,
        file_name="x.csv",
        content=b"",
        status=Job.Status.RUNNING,
        total_rows=200,
        processed_rows=50,
    )
    client = login(importer)

    running = text(client.get(f"/residents/import/{job.pk}/progress/", HTTP_HX_REQUEST="true"))
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, processed_rows=200)
    finished = text(client.get(f"/residents/import/{job.pk}/progress/", HTTP_HX_REQUEST="true"))

    assert f'hx-get="/residents/import/{job.pk}/progress/" hx-trigger="every 1s"' in running
    assert "Rijen controleren: 50 van 200." in running
    assert 'value="25"' in running
    assert "hx-trigger" not in finished
    assert "Het bestand is geïmporteerd" in finished


def test_import_job_of_another_organisation_is_not_found(login, importer):
    other = make_organisation("oostwaard")
    other_importer = make_person("other-importer", other, ["residents.import_residents"])
    job = Job.objects.create(
        kind="residents",
        created_by=other_importer,
        organisation_id=other.pk,
        file_name="x.csv",
        content=b"",
    )

    client = login(importer)

    assert client.get(f"/residents/import/{job.pk}/").status_code == 404
    assert client.get(f"/residents/import/{job.pk}/progress/").status_code == 404
