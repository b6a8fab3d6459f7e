import json

from django.urls import reverse

import pytest

from tests.reports.factories import pseudonym_label, submit
from wijkregie.core.models import AuditEntry
from wijkregie.reports import services
from wijkregie.reports.models import Report, ReportMessage, ReportStatusChange


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_list_returns_the_queue_with_filters(world, login):
    a = submit(world).report
    b = submit(world, category=world.urgent).report
    client = login(world.users["intake"])
    body = client.get(reverse("reports_api:report_list")).json()
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [b.pk, a.pk]
    first = body["results"][0]
    assert first["category"] == {
        "id": world.urgent.pk,
        "slug": "threats",
        "name": "Bedreiging en intimidatie",
    }
    assert first["location"] == "In een gemeenschappelijke ruimte, Lift A"
    assert "reporter" not in json.dumps(first).lower()
    filtered = client.get(reverse("reports_api:report_list"), {"category": world.urgent.pk}).json()
    assert [r["id"] for r in filtered["results"]] == [b.pk]


def test_list_rejects_invalid_filter(world, login):
    response = login(world.users["intake"]).get(
        reverse("reports_api:report_list"), {"status": "bogus"}
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["status"]


def test_list_is_empty_for_other_organisation(world, login):
    submit(world)
    body = login(world.users["other_intake"]).get(reverse("reports_api:report_list")).json()
    assert body["count"] == 0


def test_unauthenticated_is_refused(world, client):
    assert client.get(reverse("reports_api:report_list")).status_code in (401, 403)


def test_detail(world, login):
    report = submit(world).report
    body = (
        login(world.users["intake"])
        .get(reverse("reports_api:report_detail", args=[report.pk]))
        .json()
    )
    assert body["description"] == "Er ligt afval bij de lift."
    assert body["reporter_pseudonym"] == pseudonym_label(report, seen_by=world.owner)
    assert body["allowed_transitions"] == ["in_triage"]
    assert "Ann" not in json.dumps(body)


def test_detail_forbidden_is_404(world, login):
    report = submit(world).report
    response = login(world.users["police_intake"]).get(
        reverse("reports_api:report_detail", args=[report.pk])
    )
    assert response.status_code == 404


def test_status_change(world, login):
    report = submit(world).report
    response = _post(
        login(world.users["intake"]),
        reverse("reports_api:report_status", args=[report.pk]),
        {"to_status": "in_triage", "internal_note": "kijk", "resident_text": ""},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "in_triage"
    last = ReportStatusChange.objects.filter(report=report).last()
    assert last.resident_text == "We bekijken uw melding en bepalen wie haar oppakt."


def test_forged_status_transition_is_a_clear_400_and_changes_nothing(world, login):
    report = submit(world).report
    response = _post(
        login(world.users["intake"]),
        reverse("reports_api:report_status", args=[report.pk]),
        {"to_status": "resolved"},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Een melding kan niet van ‘Ontvangen’ naar ‘Opgelost’."
    assert Report.objects.get(pk=report.pk).status == "received"
    assert ReportStatusChange.objects.filter(report=report).count() == 1


def test_reject_without_reason_is_400(world, login):
    report = submit(world).report
    services.report_status_change(
        actor=world.viewer("intake"), report_id=report.pk, to_status="in_triage"
    )
    response = _post(
        login(world.users["intake"]),
        reverse("reports_api:report_status", args=[report.pk]),
        {"to_status": "rejected"},
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]


def test_status_change_by_other_organisation_is_404(world, login):
    report = submit(world).report
    response = _post(
        login(world.users["police_intake"]),
        reverse("reports_api:report_status", args=[report.pk]),
        {"to_status": "in_triage"},
    )
    assert response.status_code == 404
    assert Report.objects.get(pk=report.pk).status == "received"


def test_forward(world, login):
    report = submit(world).report
    services.report_status_change(
        actor=world.viewer("intake"), report_id=report.pk, to_status="in_triage"
    )
    response = _post(
        login(world.users["intake"]),
        reverse("reports_api:report_forward", args=[report.pk]),
        {"to_organisation": world.police.pk},
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": report.pk,
        "status": "forwarded",
        "receiving_organisation": {"id": world.police.pk, "name": "Politie Test"},
    }


def test_forward_to_unknown_organisation_is_400(world, login):
    report = submit(world).report
    services.report_status_change(
        actor=world.viewer("intake"), report_id=report.pk, to_status="in_triage"
    )
    response = _post(
        login(world.users["intake"]),
        reverse("reports_api:report_forward", args=[report.pk]),
        {"to_organisation": 999999},
    )
    assert response.status_code == 400
    assert Report.objects.get(pk=report.pk).receiving_organisation == world.owner


def test_category_change(world, login):
    report = submit(world).report
    response = _post(
        login(world.users["intake"]),
        reverse("reports_api:report_category", args=[report.pk]),
        {"category": world.urgent.pk},
    )
    assert response.status_code == 200
    assert response.json()["category"]["slug"] == "threats"


def test_messages_list_and_post(world, login):
    result = submit(world)
    report = result.report
    client = login(world.users["intake"])
    url = reverse("reports_api:report_messages", args=[report.pk])
    response = _post(client, url, {"body": "Welke verdieping?"})
    assert response.status_code == 201
    reporter = services.report_passphrase_check(
        tracking_code=result.tracking_code, passphrase=result.passphrase
    )
    services.report_message_from_reporter(actor=reporter, report=report, body="De tweede.")
    body = client.get(url).json()
    assert [(m["direction"], m["body"]) for m in body] == [
        ("to_reporter", "Welke verdieping?"),
        ("from_reporter", "De tweede."),
    ]
    assert _post(client, url, {"body": ""}).status_code == 400
    assert ReportMessage.objects.count() == 2


def test_messages_of_other_organisation_is_404(world, login):
    report = submit(world).report
    response = login(world.users["other_intake"]).get(
        reverse("reports_api:report_messages", args=[report.pk])
    )
    assert response.status_code == 404


def test_timeline(world, login):
    report = submit(world).report
    body = (
        login(world.users["intake"])
        .get(reverse("reports_api:report_timeline", args=[report.pk]))
        .json()
    )
    assert [e["title"] for e in body] == ["Ontvangen"]


def test_reporter_identity_for_intake_is_audited(world, login):
    report = submit(world).report
    body = (
        login(world.users["intake"])
        .get(reverse("reports_api:reporter_identity", args=[report.pk]))
        .json()
    )
    assert (body["visible"], body["name"], body["email"]) == (True, "Ann Melder", "ann@example.org")
    assert (
        AuditEntry.objects.filter(action="view", object_type="reports.reporteridentity").count()
        == 1
    )


def test_reporter_identity_for_triage_only_is_pseudonym(world, login):
    report = submit(world).report
    body = (
        login(world.users["triage"])
        .get(reverse("reports_api:reporter_identity", args=[report.pk]))
        .json()
    )
    assert body["visible"] is False
    assert (body["name"], body["email"], body["phone"], body["ip_address"]) == ("", "", "", "")
    assert body["pseudonym"] == pseudonym_label(report, seen_by=world.owner)


def test_categories(world, login):
    body = login(world.users["staff"]).get(reverse("reports_api:category_list")).json()
    assert len(body) == 12
    assert body[0]["slug"] == "crime-in-progress"
    assert body[0]["is_urgent"] is True


@pytest.mark.parametrize("path", ["/api/schema/"])
def test_schema_generates_with_the_reports_endpoints(world, login, path):
    response = login(world.users["intake"]).get(path)
    assert response.status_code == 200
    text = response.content.decode()
    for endpoint in (
        "/api/v1/reports/",
        "/api/v1/reports/{id}/status/",
        "/api/v1/reports/{id}/reporter/",
    ):
        assert endpoint in text
