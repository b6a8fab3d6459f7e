"""Newsletters in Chromium: the writer's list and newsletter page, the public page (Dutch
and Arabic, right to left) and the unsubscribe page, with axe-core and the production CSP
at 1280 and 390 px; the unsubscribe button works by keyboard."""

import subprocess
import sys

import pytest

from tests.browser.conftest import ROOT, assert_clean, log_in, new_page

FIND = (
    "from wijkregie.communications.models import Newsletter, NewsletterDelivery as D;"
    "from wijkregie.communications import links;"
    "n = Newsletter.objects.order_by('pk').first();"
    "d = D.objects.filter(newsletter=n, resident__preferred_language='nl').order_by('pk').first();"
    "print(n.pk, n.public_code, links.unsubscribe_token(d.resident_id))"
)


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
    context, page = new_page(browser, width)
    log_in(page, base_url, "wijkbeheerder")
    page.goto(f"{base_url}/communications/newsletters/")
    assert page.locator("h1").inner_text() == "Nieuwsbrieven"
    assert page.get_by_role("link", name="Nieuwsbrief De Horizon – voorjaar").count() == 1
    assert_clean(page, "newsletter-list")
    page.goto(f"{base_url}/communications/newsletters/{found['pk']}/")
    main = page.locator("main").inner_text()
    assert "Wie hem hoe ontving" in main and "Onbestelbaar" in main
    assert page.locator("article[lang=ar][dir=rtl]").count() == 1
    assert_clean(page, "newsletter-detail")
    page.goto(f"{base_url}/communications/newsletters/new/")
    assert_clean(page, "newsletter-create")
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_public_page_and_unsubscribing(browser, base_url, found, width):
    context, page = new_page(browser, width)
    page.goto(f"{base_url}/nieuwsbrief/{found['code']}/")
    assert page.locator("h1").inner_text() == "Wat we doen in uw flat"
    assert page.locator("img.wr-newsletter-image").evaluate("i => i.naturalWidth") == 640
    assert_clean(page, "newsletter-public-nl")
    page.get_by_role("link", name="العربية").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text() == "ما نقوم به في مبناكم"
    assert_clean(page, "newsletter-public-ar")
    page.goto(f"{base_url}/nieuwsbrief/afmelden/{found['token']}/")
    assert_clean(page, "newsletter-unsubscribe")
    if width == 390:  # withdraw once, by keyboard
        page.get_by_role("button", name="Afmelden").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "U bent afgemeld." in page.locator("main").inner_text()
        assert_clean(page, "newsletter-unsubscribed")
    page.goto(f"{base_url}/nieuwsbrief/afmelden/{found['token']}x/")
    assert "Deze afmeldlink is niet geldig" in page.locator("main").inner_text()
    assert_clean(page, "newsletter-unsubscribe-refused")
    context.close()
