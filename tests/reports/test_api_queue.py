"""The work queue on the REST API: the page's filters, assignment and duplicates."""

import json

from django.urls import reverse

from tests.reports.factories import reporter_of, submit
from wijkregie.reports import services
from wijkregie.reports.models import Report

LIST = reverse("reports_api:report_list")


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["results"]]


def test_the_api_filters_as_the_page_does(world, login):
    replied = submit(world)
    late = submit(world, description="De deur van de berging is opengebroken.").report
    plain = submit(world).report
    Report.objects.filter(pk=late.pk).update(lateness="late")
    services.report_message_from_reporter(
        actor=reporter_of(replied), report=replied.report, body="Nog steeds."
    )
    membership = world.users["intake"].memberships.get()
    services.report_assign(
        actor=world.viewer("intake"), report_id=plain.pk, membership_id=membership.pk
    )
    client = login(world.users["intake"])

    assert _ids(client.get(LIST)) == [plain.pk, late.pk, replied.report.pk]
    assert _ids(client.get(LIST, {"order": "work", "scope": "open"})) == [
        replied.report.pk,
        late.pk,
        plain.pk,
    ]
    assert _ids(client.get(LIST, {"reply": "waiting"})) == [replied.report.pk]
    assert _ids(client.get(LIST, {"late": "true"})) == [late.pk]
    assert _ids(client.get(LIST, {"assigned": "me"})) == [plain.pk]
    assert _ids(client.get(LIST, {"assigned": "none"})) == [late.pk, replied.report.pk]
    assert _ids(client.get(LIST, {"q": "berging"})) == [late.pk]
    assert _ids(client.get(LIST, {"q": replied.tracking_code.lower()})) == [replied.report.pk]
    assert _ids(client.get(LIST, {"building_q": "toren"})) == [plain.pk, late.pk, replied.report.pk]
    row = client.get(LIST, {"assigned": "me"}).json()["results"][0]
    assert row["assigned_to"] == {"id": membership.pk, "name": "intake"}
    assert (row["reply_waiting"], row["duplicate_of_id"]) == (False, None)
    assert client.get(LIST, {"assigned": "someone"}).status_code == 400
    assert client.get(LIST, {"scope": "bogus"}).status_code == 400


def test_assign_and_duplicate_on_the_api(world, login):
    parent = submit(world).report
    child = submit(world).report
    triage = world.users["triage"].memberships.get()
    client = login(world.users["intake"])

    response = _post(
        client, reverse("reports_api:report_assign", args=[child.pk]), {"assignee": triage.pk}
    )
    assert response.status_code == 200
    assert response.json()["assigned_to"] == {"id": triage.pk, "name": "triage"}
    response = _post(
        client,
        reverse("reports_api:report_assign", args=[child.pk]),
        {"assignee": world.users["police_intake"].memberships.get().pk},
    )
    assert response.status_code == 400
    assert response.json()["errors"]["assignee"] == [
        "Kies een persoon van de organisatie die de melding ontvangt."
    ]
    response = _post(
        client, reverse("reports_api:report_assign", args=[child.pk]), {"assignee": None}
    )
    assert response.json()["assigned_to"] is None

    url = reverse("reports_api:report_duplicate", args=[child.pk])
    response = _post(client, url, {"duplicate_of": parent.pk})
    assert response.status_code == 200
    assert response.json()["duplicate_of_id"] == parent.pk
    response = _post(client, url, {"duplicate_of": None})
    assert response.json()["duplicate_of_id"] is None


def test_another_organisation_cannot_assign_or_merge_our_reports(world, login):
    ours = submit(world).report
    client = login(world.users["police_intake"])
    police = world.users["police_intake"].memberships.get()
    response = _post(
        client, reverse("reports_api:report_assign", args=[ours.pk]), {"assignee": police.pk}
    )
    assert response.status_code == 404
    response = _post(
        client, reverse("reports_api:report_duplicate", args=[ours.pk]), {"duplicate_of": ours.pk}
    )
    assert response.status_code == 404
    assert Report.objects.filter(pk=ours.pk, assigned_to=None, duplicate_of=None).exists()


def test_the_schema_documents_the_queue_filters_and_actions(world, login):
    schema = login(world.users["intake"]).get(reverse("api-schema"), {"format": "json"}).json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/reports/"]["get"]["parameters"]}
    assert {"q", "building_q", "assigned", "reply", "late", "scope", "order"} <= parameters
    assert "/api/v1/reports/{id}/assign/" in schema["paths"]
    assert "/api/v1/reports/{id}/duplicate/" in schema["paths"]
