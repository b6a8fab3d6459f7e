"""Small things on the pages that each misled someone."""

import re

from django.urls import reverse

from tests.reports.factories import submit
from tests.reports.test_public import errors_of, html, open_form, report_data, report_url
from wijkregie.reports import services


def test_the_place_question_is_asked_once(world, client):
    page = html(client.get(report_url(world)))
    assert page.count("Waar gebeurde het?") == 1
    assert "<legend>1. Waar gebeurde het?</legend>" in page
    assert "Kies de plek" in page


def test_the_error_summary_has_no_double_punctuation(world, client, settings):
    settings.WIJKREGIE_FORM_MIN_SECONDS = 0
    token = open_form(client, world)
    response = client.post(
        report_url(world),
        report_data(world, token, location_kind="common_area", common_area="", description=""),
    )
    summary = re.search(r'id="form-errors".*?</ul>', html(response), re.S)[0]
    links = re.findall(r'<a class="utrecht-link" href="#[^"]+">([^<]*)</a>', summary)
    # The label ends in "?": no colon after it (it used to read "…gebeurd?: …").
    assert "Wat is er gebeurd? Vertel ons wat er is gebeurd." in links
    assert not any(re.search(r"[?:!.]:", link) for link in links), links
    assert errors_of(response)


def test_the_rejection_reason_is_not_called_optional(world, login):
    report = submit(world).report
    services.report_status_change(
        actor=world.viewer("intake"), report_id=report.pk, to_status="in_triage"
    )
    page = login(world.users["intake"]).get(reverse("reports:detail", args=[report.pk]))
    body = page.content.decode()
    label = re.search(r'<label class="utrecht-form-label" for="status_reason">(.*?)</label>', body)
    assert label[1] == "Reden van afwijzen"
    assert "Verplicht als u de melding afwijst." in body


def test_the_queue_filters_are_not_called_optional(world, login):
    body = login(world.users["intake"]).get(reverse("reports:queue")).content.decode()
    filters = re.search(r'<form method="get".*?</form>', body, re.S)[0]
    assert "niet verplicht" not in filters
    assert '<label class="utrecht-form-label" for="id_status">Status</label>' in filters


def test_the_receipt_offers_copy_and_print_buttons_for_scripts(world, client, settings):
    settings.WIJKREGIE_FORM_MIN_SECONDS = 0
    token = open_form(client, world)
    sent = client.post(report_url(world), report_data(world, token))
    page = html(client.get(sent["Location"]))
    tools = re.search(
        r'<div class="wr-actions wr-receipt-tools" data-wr-js-only hidden>.*?</div>', page, re.S
    )
    assert tools, "the tools are hidden until app.js shows them"
    assert 'data-wr-copy="tracking-code"' in tools[0]
    assert 'data-wr-copy="passphrase"' in tools[0]
    assert "data-wr-print" in tools[0]
    assert "<script>" not in page and "onclick" not in page  # CSP: no inline script


def test_the_start_page_promises_what_the_search_does(world, client):
    page = html(client.get("/melden/"))
    assert "adres van het gebouw" not in page
    assert (
        "Vul de postcode en het huisnummer van uw woning in, of van een andere woning in "
        "het gebouw." in page
    )
