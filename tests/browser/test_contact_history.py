"""A request to get in touch on the report page and in the resident's contact history, in
Chromium: axe-core, the production CSP, at 1280 and 390 px."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, axe_violations, log_in

SHOTS = os.environ.get("WIJKREGIE_SCREENSHOTS")  # a folder: save screenshots there

FIND = (
    "from wijkregie.residents.models import ContactMoment as C;"
    "m = C.objects.get(source_type='reports.report');"
    "print(m.source_id, m.resident_id)"
)


def _check(page, name: str) -> None:
    assert axe_violations(page) == [], name
    assert page.csp_violations == [], name
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{page.viewport_size['width']}.png", full_page=True)


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
    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda msg: (
            page.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    log_in(page, base_url, "wijkbeheerder")
    page.goto(f"{base_url}/reports/{report_id}/")
    section = page.locator("#contact-history")
    assert section.locator("h2").inner_text() == "Contacthistorie"
    link = section.get_by_role("link", name="Naar de bewoner")
    assert link.get_attribute("href") == f"/residents/{resident_id}/"
    _check(page, "contact-request-linked")
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{base_url}/residents/{resident_id}/"
    assert "Vroeg via de website om contact" in page.locator("main").inner_text()
    _check(page, "resident-contact-history")
    context.close()
