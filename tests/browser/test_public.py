"""The resident pages in Chromium at 320 CSS pixels: zero axe-core violations (WCAG 2.2 AA)
under the production Content-Security-Policy, no sideways scrolling, in every resident
language, through the whole path: find the building, report, receipt, follow-up.

Runs with the browser tests (`make test-browser`); it reuses their server with the demo
flat (tests/browser/conftest.py).
"""

import re

import pytest

from tests.browser.conftest import violations

pytestmark = pytest.mark.browser

LANGUAGES = ["nl", "en", "tr", "ar", "pl", "uk"]


def building_page(page, base_url):
    page.goto(f"{base_url}/melden/?lang=nl")
    page.fill("input[name=postcode]", "3521 HZ")
    page.fill("input[name=house_number]", "12")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert re.search(r"/melden/[\w-]+/$", page.url), page.url
    return page.url


def test_the_report_path_has_no_violations_at_320_px(base_url, narrow_page):
    page = narrow_page
    results = {}
    page.goto(f"{base_url}/melden/")
    results["start"] = violations(page)
    building = building_page(page, base_url)
    results["building"] = violations(page)

    page.click("button[type=submit]")  # no subject chosen: the error state
    page.wait_for_load_state()
    results["building-error"] = violations(page)

    page.goto(building)
    page.check("#categorie-threats")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".wr-urgent").count() == 1
    results["report-urgent"] = violations(page)

    page.click("form[method=post] button[type=submit]")  # nothing filled in: errors
    page.wait_for_load_state()
    results["report-errors"] = violations(page)

    page.check("#id_location_kind_2")
    page.select_option("#id_common_area", index=1)
    page.fill("#id_description", "Iemand bedreigt mensen bij de lift.")
    page.check("#id_contact_mode_0")
    page.wait_for_timeout(3200)  # the bot trap's minimum fill time
    page.click("form[method=post] button[type=submit]")
    page.wait_for_load_state()
    assert "/melden/ontvangen/" in page.url, page.url
    results["receipt"] = violations(page)
    code = page.inner_text("#tracking-code")
    passphrase = page.inner_text("#passphrase")

    page.goto(f"{base_url}/melden/volgen/")
    results["follow-up"] = violations(page)
    page.fill("#id_tracking_code", code)
    page.fill("#id_passphrase", "WRONG-WRON-GWRO")
    page.click("form[method=post] button[type=submit]")
    page.wait_for_load_state()
    results["follow-up-error"] = violations(page)
    page.fill("#id_tracking_code", code)
    page.fill("#id_passphrase", passphrase)
    page.click("form[method=post] button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/melden/volgen/melding/"), page.url
    results["follow-up-report"] = violations(page)

    page.goto(building.rstrip("/") + "/contact/")
    results["contact"] = violations(page)

    assert {name: found for name, found in results.items() if found} == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_no_violations_at_320_px(base_url, narrow_page, language):
    page = narrow_page
    building = building_page(page, base_url)

    page.goto(f"{building}?lang={language}")
    assert page.get_attribute("html", "lang") == language
    assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    found = {"building": violations(page)}
    page.goto(f"{building}melding/?categorie=litter")
    found["report"] = violations(page)

    assert {name: v for name, v in found.items() if v} == {}
