"""The status form on a report page: no status chosen beforehand, nothing typed replaced."""

import re

from django.urls import reverse

from tests.reports.factories import submit
from wijkregie.reports import services
from wijkregie.reports.models import ReportStatusChange


def _in_triage(world):
    report = submit(world).report
    services.report_status_change(
        actor=world.viewer("intake"), report_id=report.pk, to_status="in_triage"
    )
    return report


def _status_form(body: str) -> str:
    return re.search(r'<form[^>]*action="/reports/\d+/status/".*?</form>', body, re.S)[0]


def test_no_status_is_chosen_beforehand_and_the_text_starts_empty(world, login):
    report = _in_triage(world)
    body = login(world.users["intake"]).get(reverse("reports:detail", args=[report.pk]))
    form = _status_form(body.content.decode())
    options = re.findall(r"<option ([^>]*)>([^<]*)</option>", form)
    assert options[0] == ('value="" selected', "Kies een status")
    assert [label for _, label in options[1:]] == [
        "Opgelost",
        "Afgewezen",
    ]
    assert not any("selected" in attrs for attrs, _ in options[1:])
    textarea = re.search(r'<textarea name="resident_text"[^>]*>(.*?)</textarea>', form, re.S)
    assert textarea[1].strip() == ""
    assert "We hebben uw melding afgehandeld" not in form


def test_sending_without_a_status_changes_nothing(world, login):
    report = _in_triage(world)
    response = login(world.users["intake"]).post(
        reverse("reports:status", args=[report.pk]), {"to_status": "", "resident_text": "Hoi"}
    )
    assert response.status_code == 400
    assert "Kies de nieuwe status." in response.content.decode()
    assert ReportStatusChange.objects.filter(report=report).count() == 2


def test_the_standard_text_is_offered_beside_the_field_not_over_it(world, login):
    report = _in_triage(world)
    client = login(world.users["intake"])
    url = reverse("reports:resident_text", args=[report.pk])
    body = client.get(url, {"to_status": "resolved"}).content.decode()
    assert "<textarea" not in body
    assert 'data-wr-fill="status_resident_text"' in body
    assert "Gebruik de standaardtekst" in body
    assert "De standaardtekst bij ‘Opgelost’:" in body
    assert client.get(url, {"to_status": ""}).content.decode().strip() == ""


def test_an_empty_text_sends_the_standard_text_of_the_chosen_status(world, login):
    report = _in_triage(world)
    login(world.users["intake"]).post(
        reverse("reports:status", args=[report.pk]), {"to_status": "resolved", "resident_text": ""}
    )
    change = ReportStatusChange.objects.filter(report=report).last()
    assert (change.to_status, change.resident_text_is_default) == ("resolved", True)
