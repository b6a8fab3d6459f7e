"""Linking reports to a case from the intake queue, several at a time."""

from django.urls import reverse

from tests.cases.test_services import _report
from tests.places.factories import BuildingFactory
from wijkregie.cases.models import CaseReport


def test_the_queue_links_the_chosen_reports_to_one_case(world, login):
    case = world.open_case()
    first, second = _report(world), _report(world, description="Nog meer afval.")
    elsewhere = _report(world, building=BuildingFactory(name="De Andere", owner=world.owner))
    client = login(world.users["coordinator"])
    queue = client.get(reverse("reports:queue")).content.decode()
    assert f'name="report" value="{first.pk}"' in queue
    assert "Koppel de gekozen meldingen aan een casus" in queue
    url = reverse("cases:reports_link")
    page = client.get(url, {"report": [first.pk, second.pk, elsewhere.pk]})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Aanpak De Toren (De Toren)" in body and "Ann Melder" not in body
    # No case chosen: refused, nothing linked, the choice of reports kept.
    response = client.post(url, {"report": [first.pk, second.pk], "case": ""})
    assert response.status_code == 400
    assert f'name="report" value="{second.pk}"' in response.content.decode()
    assert CaseReport.objects.count() == 0
    response = client.post(
        url, {"report": [first.pk, second.pk, elsewhere.pk], "case": case.pk}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[case.pk])
    body = response.content.decode()
    assert "2 meldingen zijn aan de casus gekoppeld." in body
    assert f"Niet gekoppeld: #{elsewhere.pk}: Deze melding gaat over een ander gebouw." in body
    assert sorted(CaseReport.objects.values_list("report_id", flat=True)) == [first.pk, second.pk]
    # Again: both linked already, the page says so and nothing changes.
    response = client.post(url, {"report": [first.pk], "case": case.pk})
    assert response.status_code == 400
    assert CaseReport.objects.count() == 2


def test_bad_choices_from_the_queue_never_fail(world, login):
    world.open_case()
    report = _report(world)
    url = reverse("cases:reports_link")
    client = login(world.users["coordinator"])
    response = client.get(url, follow=True)
    assert "Kies eerst een of meer meldingen in de wachtrij." in response.content.decode()
    assert client.get(url, {"report": ["x", "-1"]}).status_code == 302
    assert client.get(url, {"report": [99999]}).status_code == 404
    # Someone who is not intake of the report does not reach it.
    assert login(world.users["agent"]).get(url, {"report": [report.pk]}).status_code == 404
