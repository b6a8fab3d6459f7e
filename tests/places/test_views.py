import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from tests.places.factories import (
    BuildingFactory,
    CommonAreaFactory,
    UnitFactory,
    units_csv,
)
from wijkregie.core.models import Job
from wijkregie.partners.models import Membership
from wijkregie.places.models import CommonAreaKind, Unit


def table_rows(html: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as lists of cell texts."""
    start = html.index(f'<caption class="utrecht-table__caption">{caption}</caption>')
    body = html[start : html.index("</table>", start)].split("<tbody", 1)[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    ]


def fill(building, per_floor):
    number = 0
    for entrance in building.entrances:
        for floor in range(building.floors):
            for _n in range(per_floor):
                number += 1
                UnitFactory(building=building, entrance=entrance, floor=floor, house_number=number)


# --- the list ---------------------------------------------------------------------------


def test_building_list_shows_the_viewers_buildings_with_unit_counts(
    login, manager_user, building, owner_org
):
    UnitFactory.create_batch(2, building=building)
    BuildingFactory(name="Elders")

    response = login(manager_user).get("/places/")

    assert response.status_code == 200
    html = response.content.decode()
    assert table_rows(html, "Uw gebouwen") == [
        ["De Horizon", "Horizonlaan, 3521HZ Rivierstad", "Woonstichting De Vaart", "—", "2"]
    ]
    assert f'href="/places/{building.pk}/"' in html


def test_building_list_of_an_unrelated_organisation_is_empty(login, outsider_user, building):
    response = login(outsider_user).get("/places/")

    assert response.status_code == 200
    assert "De Horizon" not in response.content.decode()


def test_building_list_needs_a_login(client, building):
    response = client.get("/places/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/places/"


def test_navigation_offers_buildings_to_viewers_of_buildings(login, manager_user, outsider_user):
    assert (
        '<a class="utrecht-link" href="/places/"' in login(manager_user).get("/").content.decode()
    )
    Membership.objects.get(user=outsider_user).roles.clear()
    assert "/places/" not in login(outsider_user).get("/").content.decode()


# --- the building page --------------------------------------------------------------------


def test_building_page_draws_every_unit_and_tabulates_every_floor_of_every_entrance(
    login, partner_user, building
):
    fill(building, per_floor=2)  # 2 entrances x 4 floors x 2 = 16 units
    CommonAreaFactory(building=building, kind=CommonAreaKind.LIFT, name="Lift A", entrance="A")
    CommonAreaFactory(
        building=building, kind=CommonAreaKind.BICYCLE_SHED, name="Fietsenstalling", entrance=""
    )

    response = login(partner_user).get(f"/places/{building.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg
    assert '<title id="plan-title">Het gebouw De Horizon</title>' in svg
    assert svg.count('class="unit"') == 16
    assert sorted(int(i) for i in re.findall(r'data-unit-id="(\d+)"', svg)) == sorted(
        Unit.objects.values_list("pk", flat=True)
    )
    assert svg.count('class="common"') == 2  # entrance A's column and the shed
    rows = table_rows(html, "Huisnummers aan Horizonlaan, per ingang en verdieping")
    assert len(rows) == 8
    assert rows[:4] == [
        ["A", "begane grond", "1, 2", "2"],
        ["A", "verdieping 1", "3, 4", "2"],
        ["A", "verdieping 2", "5, 6", "2"],
        ["A", "verdieping 3", "7, 8", "2"],
    ]
    assert rows[4] == ["B", "begane grond", "9, 10", "2"]
    assert table_rows(html, "Gemeenschappelijke ruimten van het gebouw") == [
        ["Lift A", "Lift", "A", "—"],
        ["Fietsenstalling", "Fietsenstalling", "—", "—"],
    ]


def test_building_page_shows_the_directory_and_the_report_link(
    login, settings, manager_user, partner_user, building
):
    settings.SITE_URL = "https://wijkregie.example"

    html = login(manager_user).get(f"/places/{building.pk}/").content.decode()

    assert "Politie Rivierstad" in html
    assert "Wijkagent" in html
    report_url = f"https://wijkregie.example/melden/{building.public_code}/"
    assert f'<a class="utrecht-link wr-break" href="{report_url}">{report_url}</a>' in html
    assert f'src="/places/{building.pk}/qr.svg"' in html
    assert f'href="/places/{building.pk}/units/import/"' in html  # the manager may import
    assert " style=" not in html and "<script>" not in html


def test_building_page_offers_no_import_to_a_partner(login, partner_user, building):
    html = login(partner_user).get(f"/places/{building.pk}/").content.decode()

    assert "/units/import/" not in html


def test_building_page_of_someone_elses_building_is_not_found(login, outsider_user, building):
    assert login(outsider_user).get(f"/places/{building.pk}/").status_code == 404
    assert login(outsider_user).get("/places/999999/").status_code == 404


def test_building_page_query_count_does_not_grow_with_units(login, manager_user, owner_org):
    small = BuildingFactory(owner=owner_org, floors=5, entrances=["A", "B"])
    large = BuildingFactory(owner=owner_org, floors=5, entrances=["A", "B"], postcode="3521AB")
    fill(small, per_floor=1)  # 10 units
    fill(large, per_floor=6)  # 60 units
    client = login(manager_user)
    client.get(f"/places/{small.pk}/")  # warm up the session and caches
    client.get(f"/places/{large.pk}/")  # (the floor plans are kept per process)

    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(f"/places/{small.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as large_queries:
        assert client.get(f"/places/{large.pk}/").status_code == 200

    assert len(large_queries) == len(small_queries)


def test_building_qr_code_is_an_svg_image(login, manager_user, outsider_user, building):
    response = login(manager_user).get(f"/places/{building.pk}/qr.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert login(outsider_user).get(f"/places/{building.pk}/qr.svg").status_code == 404


# --- the import -------------------------------------------------------------------------


def upload(content: bytes, name="eenheden.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_import_page_explains_the_format_and_offers_an_example(login, manager_user, building):
    client = login(manager_user)

    response = client.get(f"/places/{building.pk}/units/import/")
    example = client.get(f"/places/{building.pk}/units/import/example.csv")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html
    assert f'href="/places/{building.pk}/units/import/example.csv"' in html
    assert example["Content-Disposition"] == f'attachment; filename="units-{building.pk}.csv"'
    assert example.content.decode().splitlines() == [
        "bag_id,postcode,house_number,house_letter,house_number_addition,floor,entrance",
        "9999010000000001,3521HZ,1,,,0,A",
        "9999010000000002,3521HZ,1,A,,0,A",
        "9999010000000003,3521HZ,1,,1,1,A",
    ]


def test_import_of_the_example_file_succeeds(login, manager_user, building):
    client = login(manager_user)
    example = client.get(f"/places/{building.pk}/units/import/example.csv").content

    response = client.post(f"/places/{building.pk}/units/import/", {"file": upload(example)})

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/places/imports/{job.pk}/"
    assert (job.status, job.created_count, job.language) == ("succeeded", 3, "nl")
    assert Unit.objects.filter(building=building).count() == 3
    html = client.get(response["Location"]).content.decode()
    assert "Geïmporteerd: 3 nieuwe eenheden, 0 gewijzigd, 0 ongewijzigd." in html
    assert "hx-get" not in html


def test_the_units_download_is_an_import_file_that_changes_nothing(login, manager_user, building):
    UnitFactory(building=building, bag_id="0344010000000007", house_number=7, floor=2)
    UnitFactory(building=building, bag_id=None, house_number=8, house_letter="B", entrance="B")
    client = login(manager_user)

    download = client.get(f"/places/{building.pk}/units/import/example.csv").content
    client.post(f"/places/{building.pk}/units/import/", {"file": upload(download)})

    assert download.decode().splitlines()[1:] == [
        "0344010000000007,3521HZ,7,,,2,A",
        ",3521HZ,8,B,,0,B",
    ]
    job = Job.objects.get()
    assert (job.status, job.created_count, job.updated_count, job.total_rows) == (
        "succeeded",
        0,
        0,
        2,
    )


def test_import_of_a_bad_file_shows_the_report_per_row(login, manager_user, building):
    client = login(manager_user)
    content = units_csv(
        [
            ("0344010000000001", "3521HZ", "1", "", "", "0", "A"),
            ("0344010000000002", "3521HZ", "twee", "", "", "0", "A"),
            ("0344010000000003", "3521HZ", "3", "", "", "12", "A"),
        ]
    )

    response = client.post(
        f"/places/{building.pk}/units/import/", {"file": upload(content)}, follow=True
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Er is niets geïmporteerd." in html
    assert table_rows(html, "2 problemen in het bestand") == [
        [
            "3",
            "house_number",
            "“twee” is geen huisnummer: gebruik alleen cijfers, en zet letters in house_letter "
            "of house_number_addition.",
        ],
        ["4", "floor", "Verdieping 12 ligt buiten dit gebouw: de verdiepingen lopen van -3 tot 3."],
    ]
    assert Unit.objects.count() == 0


@pytest.mark.parametrize("case", ["no_file", "not_csv", "empty"])
def test_import_upload_refuses_an_invalid_upload(login, manager_user, building, case):
    data = {
        "no_file": {},
        "not_csv": {"file": upload(b"bag_id\n", name="eenheden.xlsx")},
        "empty": {"file": upload(b"")},
    }[case]

    response = login(manager_user).post(f"/places/{building.pk}/units/import/", data)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="form-errors"' in html
    assert 'aria-invalid="true" aria-describedby="id_file-hint id_file-error"' in html
    if case == "not_csv":
        assert "Kies een CSV-bestand (een naam die eindigt op .csv)." in html
    assert Job.objects.count() == 0


def test_import_upload_refuses_a_file_over_the_limit(login, settings, manager_user, building):
    settings.WIJKREGIE_IMPORT_MAX_BYTES = 20

    response = login(manager_user).post(
        f"/places/{building.pk}/units/import/", {"file": upload(b"x" * 21)}
    )

    assert response.status_code == 400
    assert "Het bestand is groter dan het maximum van 20\xa0bytes." in response.content.decode()
    assert Job.objects.count() == 0


def test_import_page_is_forbidden_to_a_partner_and_hidden_from_an_outsider(
    login, partner_user, outsider_user, building
):
    content = {"file": upload(units_csv([]))}

    assert login(partner_user).get(f"/places/{building.pk}/units/import/").status_code == 403
    assert (
        login(partner_user).post(f"/places/{building.pk}/units/import/", content).status_code == 403
    )
    assert login(outsider_user).get(f"/places/{building.pk}/units/import/").status_code == 404
    assert Job.objects.count() == 0


def test_import_progress_polls_until_the_job_is_finished(
    login, manager_user, outsider_user, building, owner_org
):
    job = Job.objects.create(
        kind="units",
        created_by=manager_user,
        organisation_id=owner_org.pk,
        target_id=building.pk,
        file_name="eenheden.csv",
        content=b"",
        status=Job.Status.RUNNING,
        total_rows=4000,
        processed_rows=1000,
    )
    client = login(manager_user)

    running = client.get(f"/places/imports/{job.pk}/progress/").content.decode()
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.SUCCEEDED, processed_rows=4000, created_count=4000
    )
    finished = client.get(f"/places/imports/{job.pk}/progress/").content.decode()

    assert (
        f'hx-get="/places/imports/{job.pk}/progress/" hx-trigger="every 1s" hx-swap="outerHTML"'
        in running
    )
    assert "Rijen controleren: 1000 van 4000." in running
    assert '<progress class="wr-progress" max="100" value="25"' in running
    assert "hx-get" not in finished and "hx-trigger" not in finished
    assert "Geïmporteerd: 4000 nieuwe eenheden, 0 gewijzigd, 0 ongewijzigd." in finished
    assert login(outsider_user).get(f"/places/imports/{job.pk}/").status_code == 404
