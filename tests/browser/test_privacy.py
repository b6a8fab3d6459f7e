"""The privacy officer's pages in Chromium: axe-core, the production CSP, the keyboard,
and the exports downloaded from the real server."""

import json
from pathlib import Path

import pytest

from tests.browser.conftest import assert_clean, log_in, new_page


def _subject_page(page, base_url) -> str:
    page.goto(f"{base_url}/privacy/")
    assert_clean(page, "privacy-index")
    page.fill("input[name=q]", "an")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_clean(page, "privacy-search")
    with page.expect_navigation():
        page.locator("main a.utrecht-link[href*='/privacy/residents.resident/']").first.click()
    assert_clean(page, "privacy-subject")
    return page.url


@pytest.mark.parametrize("width", [1280, 390])
def test_the_privacy_pages_have_no_violations(browser, base_url, width):
    context, page = new_page(browser, width)
    log_in(page, base_url, "privacy")
    _subject_page(page, base_url)
    context.close()


def test_the_officer_downloads_the_exports_and_uses_the_form_by_keyboard(page, base_url):
    log_in(page, base_url, "privacy")
    subject_url = _subject_page(page, base_url)

    with page.expect_download() as pdf:
        page.get_by_role("link", name="Downloaden als pdf (voor de persoon)").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-1.7")
    with page.expect_download() as data:
        page.get_by_role("link", name="Downloaden als JSON").click()
    export = json.loads(Path(data.value.path()).read_text())
    assert export["subject"]["id"] == int(subject_url.rstrip("/").rsplit("/", 1)[1])

    # The erasure form by keyboard only: focus the reason, Tab through, submit with Enter.
    page.locator("textarea[name=reason]").focus()
    page.keyboard.type("kort")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "confirm"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == subject_url
    assert page.locator(".utrecht-form-field-error-message").count() == 2
    assert_clean(page, "privacy-subject-errors")
