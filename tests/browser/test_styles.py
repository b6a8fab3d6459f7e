"""What the CSS does in Chromium: Noto Sans everywhere (not the browser's serif), and no
field painted invalid before anyone tried to send the form."""

import pytest

from tests.browser.conftest import log_in
from tests.browser.test_public import building_page

pytestmark = pytest.mark.browser

LOOK = """(el) => { const s = getComputedStyle(el);
  return [s.borderTopColor, s.borderBottomColor, s.borderTopWidth, s.backgroundColor,
          s.color].join(' '); }"""


def _font(page, selector: str) -> str:
    return page.locator(selector).first.evaluate("(el) => getComputedStyle(el).fontFamily")


def assert_sans(page):
    for selector in ("body", "label", "legend", "dt", ".wr-brand, header a"):
        if page.locator(selector).count():
            family = _font(page, selector)
            assert family.split(",")[0].strip().strip("'\"") in ("Noto Sans", "Noto Sans Arabic"), (
                selector,
                family,
            )


def assert_not_invalid_before_sending(page, selector: str):
    """The empty required field looks like the same field filled in (valid)."""
    field = page.locator(selector)
    assert field.evaluate("(el) => el.matches(':invalid')")  # required and empty
    before = field.evaluate(LOOK)
    field.fill("Er staat al dagen afval bij de lift.")
    field.blur()  # focus has its own border
    assert field.evaluate("(el) => el.matches(':valid')")
    assert field.evaluate(LOOK) == before
    field.fill("")
    field.blur()
    return before


def test_fonts_and_no_red_fields_on_the_resident_forms(base_url, page):
    building = building_page(page, base_url)
    assert_sans(page)
    page.goto(building + "melding/?categorie=litter")
    assert_sans(page)
    untouched = assert_not_invalid_before_sending(page, "#id_description")
    # After a try the server marks the field invalid, and it looks it.
    page.click("form[method=post] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#id_description").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_description").evaluate(LOOK) != untouched

    page.goto(building + "contact/")
    assert_sans(page)
    assert_not_invalid_before_sending(page, "#id_description")


def test_fonts_and_no_red_fields_on_the_report_page(base_url, page):
    log_in(page, base_url, "wijkbeheerder")
    assert_sans(page)
    page.goto(f"{base_url}/reports/")
    page.locator("table a[href^='/reports/']").first.click()
    page.wait_for_load_state()
    assert_sans(page)
    assert_not_invalid_before_sending(page, "#id_body")
