"""The newsletter API: the same services and need-to-know as the pages, in the schema."""

from django.urls import reverse

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api(world):
    def as_user(name):
        client = APIClient()
        client.force_login(world.users[name])
        return client

    return as_user


def test_write_translate_send_and_list_deliveries(
    api, world, mailoutbox, django_capture_on_commit_callbacks
):
    client = api("writer")
    created = client.post(
        reverse("communications_api:newsletter_list"),
        {
            "title": "Lift",
            "buildings": [world.horizon.pk],
            "subject": "De lift",
            "body": '<p onmouseover="x()">Nieuw</p>',
        },
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["removed"] == ["event handlers (on…-attributen)"]
    pk = body["newsletter"]["id"]
    assert body["newsletter"]["versions"][0]["body_html"] == "<p>Nieuw</p>"
    assert body["newsletter"]["public_url"] is None
    version = client.put(
        reverse("communications_api:newsletter_version", args=[pk, "tr"]),
        {"subject": "Asansör", "body": "<p>Yeni</p>"},
        format="json",
    )
    assert version.status_code == 200 and version.json()["newsletter"]["languages"] == ["nl", "tr"]
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("communications_api:newsletter_send", args=[pk]))
    assert sent.status_code == 202
    detail = client.get(reverse("communications_api:newsletter_detail", args=[pk])).json()
    assert (detail["status"], detail["deliveries"]) == ("sent", {"sent": 2})
    assert detail["public_url"].startswith("http://127.0.0.1:8000/nieuwsbrief/")
    rows = client.get(reverse("communications_api:newsletter_deliveries", args=[pk])).json()
    assert [(r["resident_name"], r["language"], r["status"]) for r in rows] == [
        ("Ayse Horizon", "tr", "sent"),
        ("Bram Horizon", "nl", "sent"),
    ]
    again = client.post(reverse("communications_api:newsletter_send", args=[pk]))
    assert again.status_code == 400
    assert again.json()["detail"] == (
        "Deze nieuwsbrief is verstuurd en kan niet meer worden gewijzigd."
    )
    assert len(mailoutbox) == 2


def test_recipients_without_names_for_a_writer_who_may_not_see_residents(
    api, world, django_capture_on_commit_callbacks
):
    newsletter = world.newsletter()
    with django_capture_on_commit_callbacks(execute=True):
        api("writer").post(reverse("communications_api:newsletter_send", args=[newsletter.pk]))
    rows = (
        api("blind_writer")
        .get(reverse("communications_api:newsletter_deliveries", args=[newsletter.pk]))
        .json()
    )
    assert [(r["resident_id"], r["resident_name"], r["status"]) for r in rows] == [
        (None, None, "sent"),
        (None, None, "sent"),
    ]


def test_others_get_404_or_403(api, world):
    newsletter = world.newsletter()
    url = reverse("communications_api:newsletter_detail", args=[newsletter.pk])
    assert api("outsider").get(url).status_code == 404
    assert api("outsider").get(reverse("communications_api:newsletter_list")).json()["count"] == 0
    assert api("colleague").get(reverse("communications_api:newsletter_list")).status_code == 403
    put = api("outsider").put(
        reverse("communications_api:newsletter_version", args=[newsletter.pk, "en"]),
        {"subject": "x", "body": "<p>x</p>"},
        format="json",
    )
    assert put.status_code == 404
    assert newsletter.versions.count() == 1


def test_bad_input_is_a_400_with_the_field(api, world):
    client = api("writer")
    response = client.post(
        reverse("communications_api:newsletter_list"),
        {
            "title": "x",
            "buildings": [world.horizon.pk],
            "subject": "x",
            "body": "<script>1</script>",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "Schrijf de tekst van de nieuwsbrief." in str(response.json())


def test_the_endpoints_are_in_the_openapi_schema(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    assert {
        "/api/v1/communications/newsletters/",
        "/api/v1/communications/newsletters/{id}/",
        "/api/v1/communications/newsletters/{id}/versions/{language}/",
        "/api/v1/communications/newsletters/{id}/send/",
        "/api/v1/communications/newsletters/{id}/deliveries/",
    } <= set(schema["paths"])
