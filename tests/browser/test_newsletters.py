"""Newsletters in Chromium: the writer's list and newsletter page, the public page (Dutch
and Arabic, right to left) and the unsubscribe page, with axe-core and the production CSP
at 1280 and 390 px; the unsubscribe button works by keyboard."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, axe_violations, log_in

SHOTS = os.environ.get("WIJKREGIE_SCREENSHOTS")  # a folder: save screenshots there

FIND = (
    "from wijkregie.communications.models import Newsletter, NewsletterDelivery as D;"
    "from wijkregie.communications import links;"
    "n = Newsletter.objects.order_by('pk').first();"
    "d = D.objects.filter(newsletter=n, resident__preferred_language='nl').order_by('pk').first();"
    "print(n.pk, n.public_code, links.unsubscribe_token(d.resident_id))"
)


def _check(page, name: str) -> None:
    assert axe_violations(page) == [], name
    assert page.csp_violations == [], name
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{page.viewport_size['width']}.png", full_page=True)


def _page(browser, width):
    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda msg: (
            page.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    return context, page


@pytest.fixture(scope="module")
def found(server_env):
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", FIND],
        cwd=ROOT,
        env=server_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return {"pk": out[-3], "code": out[-2], "token": out[-1]}


@pytest.mark.parametrize("width", [1280, 390])
def test_the_newsletter_pages_of_the_writer(browser, base_url, found, width):
    context, page = _page(browser, width)
    log_in(page, base_url, "wijkbeheerder")
    page.goto(f"{base_url}/communications/newsletters/")
    assert page.locator("h1").inner_text() == "Nieuwsbrieven"
    assert page.get_by_role("link", name="Nieuwsbrief De Horizon – voorjaar").count() == 1
    _check(page, "newsletter-list")
    page.goto(f"{base_url}/communications/newsletters/{found['pk']}/")
    main = page.locator("main").inner_text()
    assert "Wie hem hoe ontving" in main and "Onbestelbaar" in main
    assert page.locator("article[lang=ar][dir=rtl]").count() == 1
    _check(page, "newsletter-detail")
    page.goto(f"{base_url}/communications/newsletters/new/")
    _check(page, "newsletter-create")
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_public_page_and_unsubscribing(browser, base_url, found, width):
    context, page = _page(browser, width)
    page.goto(f"{base_url}/nieuwsbrief/{found['code']}/")
    assert page.locator("h1").inner_text() == "Wat we doen in uw flat"
    assert page.locator("img.wr-newsletter-image").evaluate("i => i.naturalWidth") == 640
    _check(page, "newsletter-public-nl")
    page.get_by_role("link", name="العربية").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "ما نقوم به في مبناكم"
    _check(page, "newsletter-public-ar")
    page.goto(f"{base_url}/nieuwsbrief/afmelden/{found['token']}/")
    _check(page, "newsletter-unsubscribe")
    if width == 390:  # withdraw once, by keyboard
        page.get_by_role("button", name="Afmelden").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "U bent afgemeld." in page.locator("main").inner_text()
        _check(page, "newsletter-unsubscribed")
    page.goto(f"{base_url}/nieuwsbrief/afmelden/{found['token']}x/")
    assert "Deze afmeldlink is niet geldig" in page.locator("main").inner_text()
    _check(page, "newsletter-unsubscribe-refused")
    context.close()
