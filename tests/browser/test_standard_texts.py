"""The standard-text library and putting a text into a message, in Chromium: axe-core,
the production CSP, the keyboard, at 1280 and 390 px."""

import subprocess
import sys

import pytest

from tests.browser.conftest import ROOT, assert_clean, log_in, new_page

A_REPORT_OF_DE_VAART = (  # by a reporter who wrote in English
    "from wijkregie.reports.models import ReporterIdentity as I;"
    "print(I.objects.filter(report__receiving_organisation__slug='de-vaart', language='en')"
    ".order_by('report_id').values_list('report_id', flat=True)[0])"
)


@pytest.mark.parametrize("width", [1280, 390])
def test_library_and_a_text_put_into_a_message(browser, base_url, server_env, width):
    report_id = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", A_REPORT_OF_DE_VAART],
        cwd=ROOT,
        env=server_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    context, page = new_page(browser, width)
    log_in(page, base_url, "wijkbeheerder")
    page.goto(f"{base_url}/reports/texts/")
    assert page.locator("h1").inner_text() == "Standaardteksten"
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert rows.first.inner_text().split("\t")[0] == "Graag een foto"
    assert_clean(page, "standard-texts")
    rows.first.get_by_role("link").click()
    assert page.locator("textarea[lang=ar]").get_attribute("dir") == "rtl"
    assert_clean(page, "standard-text-edit")

    page.goto(f"{base_url}/reports/{report_id}/")
    box = page.locator("textarea[name=body]")
    box.fill("Goedemiddag,")
    page.select_option("select[name=standard_text]", label="Wanneer gebeurt het?")
    page.get_by_role("button", name="Tekst in het bericht zetten").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("textarea[name=body]").input_value() == (
        "Goedemiddag,\n\nThank you for your report. On which days and at what times does this "
        "usually happen?"
    )
    assert_clean(page, "standard-text-inserted")
    context.close()
