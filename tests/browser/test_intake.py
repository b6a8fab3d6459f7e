"""The intake pages in Chromium, as the corporation's neighbourhood manager (demo persona
`wijkbeheerder`): forwarding a report, the status form. Reuses the browser tests' server
with the demo flat (tests/browser/conftest.py)."""

import re

import pytest

from tests.browser.conftest import axe_violations, log_in

pytestmark = pytest.mark.browser


def _open_a_report_in_triage(page, base_url) -> str:
    page.goto(f"{base_url}/reports/?status=in_triage")
    link = page.locator("table a[href^='/reports/']").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_load_state()
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
    assert axe_violations(page) == []
    assert page.csp_violations == []
