"""The intake pages in Chromium, as the corporation's neighbourhood manager (demo persona
`wijkbeheerder`): forwarding a report, the status form. Reuses the browser tests' server
with the demo flat (tests/browser/conftest.py)."""

import re

import pytest

from tests.browser.conftest import assert_clean, log_in

pytestmark = pytest.mark.browser


def _open_a_report_in_triage(page, base_url) -> str:
    """A received report of De Vaart, taken into triage through the status form (each
    test takes its own: the server's demo data is shared by the tests)."""
    page.goto(f"{base_url}/reports/?status=received")
    link = page.locator("table a[href^='/reports/']").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_load_state()
    page.select_option("select[name=to_status]", label="In behandeling")
    # The page after the POST (the same address as before it: wait for the navigation).
    with page.expect_navigation():
        page.locator("form[action$='/status/'] button[type=submit]").click()
    assert page.url.endswith(href), page.url
    assert page.locator("select[name=to_organisation]").count() == 1, page.url
    return href


def test_forwarding_keeps_a_read_only_view_for_the_sender(base_url, page):
    log_in(page, base_url, "wijkbeheerder")
    page.goto(f"{base_url}/reports/?status=forwarded")
    before = int(re.search(r"(\d+) melding", page.locator("p[role=status]").inner_text())[1])
    href = _open_a_report_in_triage(page, base_url)
    number = re.search(r"/reports/(\d+)/", href)[1]

    page.select_option("select[name=to_organisation]", label="Politie Rivierstad")
    page.locator("form[action$='/forward/'] button[type=submit]").click()
    page.wait_for_load_state()

    assert page.url.endswith("/reports/"), page.url
    assert (
        f"Melding #{number} is doorgestuurd naar Politie Rivierstad."
        in page.locator("main").inner_text()
    )
    page.goto(f"{base_url}/reports/?status=forwarded")
    after = int(re.search(r"(\d+) melding", page.locator("p[role=status]").inner_text())[1])
    assert after == before + 1
    page.locator(f"table a[href='{href}']").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "Politie Rivierstad behandelt haar nu" in main
    assert page.locator("main form").count() == 0  # read-only
    assert_clean(page, "forwarded-read-only")


def test_the_status_form_chooses_nothing_and_keeps_what_was_typed(base_url, page):
    log_in(page, base_url, "wijkbeheerder")
    _open_a_report_in_triage(page, base_url)
    select = page.locator("#status_to_status")
    text = page.locator("#status_resident_text")
    assert select.input_value() == ""
    assert text.input_value() == ""

    # An empty field takes the standard text of the chosen status by itself …
    select.select_option(label="Afgewezen")
    page.wait_for_selector("#resident-text-standard button")
    standard_rejected = "We doen verder niets met uw melding. De reden staat hieronder."
    assert text.input_value() == standard_rejected
    # … and follows the choice while nobody has changed it.
    select.select_option(label="Opgelost")
    page.wait_for_selector("#resident-text-standard :text('Opgelost')")
    standard_resolved = "We hebben uw melding afgehandeld. Bedankt dat u het liet weten."
    assert text.input_value() == standard_resolved

    # What someone typed stays, whatever status is chosen afterwards.
    text.fill("De lift is vandaag gerepareerd.")
    select.select_option(label="Afgewezen")
    page.wait_for_selector("#resident-text-standard :text('Afgewezen')")
    assert text.input_value() == "De lift is vandaag gerepareerd."
    # The standard text is a button away.
    page.locator("#resident-text-standard button").click()
    assert text.input_value() == standard_rejected
    assert_clean(page, "status-form-kept")


def test_the_receipt_copies_the_code_by_button(base_url, browser):
    context = browser.new_context(locale="nl-NL")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/melden/?lang=nl")
        page.fill("input[name=postcode]", "3521 HZ")
        page.fill("input[name=house_number]", "12")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(page.url + "melding/?categorie=litter")
        page.check("input[name=location_kind][value=outside]")
        page.fill("#id_description", "Er staan zakken afval bij de ingang.")
        page.check("input[name=contact_mode][value=anonymous]")
        page.wait_for_timeout(3200)  # the bot trap's minimum fill time
        page.click("form[method=post] button[type=submit]")
        page.wait_for_load_state()
        assert "/melden/ontvangen/" in page.url, page.url
        code = page.inner_text("#tracking-code")
        copy = page.get_by_role("button", name="Kopieer de meldingscode")
        assert copy.is_visible()
        assert page.get_by_role("button", name="Druk deze pagina af").is_visible()
        copy.click()
        page.wait_for_selector("#copy-status:text('De meldingscode is gekopieerd.')")
        assert page.evaluate("navigator.clipboard.readText()") == code
    finally:
        context.close()
