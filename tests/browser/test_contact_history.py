"""A request to get in touch on the report page and in the resident's contact history, in
Chromium: axe-core, the production CSP, at 1280 and 390 px."""

import subprocess
import sys

import pytest

from tests.browser.conftest import ROOT, assert_clean, log_in, new_page

FIND = (
    "from wijkregie.residents.models import ContactMoment as C;"
    "m = C.objects.get(source_type='reports.report');"
    "print(m.source_id, m.resident_id)"
)


@pytest.mark.parametrize("width", [1280, 390])
def test_linked_request_on_the_report_and_the_resident_page(browser, base_url, server_env, width):
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", FIND],
        cwd=ROOT,
        env=server_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    report_id, resident_id = out[-2], out[-1]
    context, page = new_page(browser, width)
    log_in(page, base_url, "wijkbeheerder")
    page.goto(f"{base_url}/reports/{report_id}/")
    section = page.locator("#contact-history")
    assert section.locator("h2").inner_text() == "Contacthistorie"
    link = section.get_by_role("link", name="Naar de bewoner")
    assert link.get_attribute("href") == f"/residents/{resident_id}/"
    assert_clean(page, "contact-request-linked")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{base_url}/residents/{resident_id}/"
    assert "Vroeg via de website om contact" in page.locator("main").inner_text()
    assert_clean(page, "resident-contact-history")
    context.close()
