import pytest

from tests.browser.conftest import axe_violations


@pytest.mark.django_db(transaction=True)
def test_login_page_has_no_accessibility_violations(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")

    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []
    assert page.csp_violations == []


@pytest.mark.django_db(transaction=True)
def test_skip_link_is_the_first_stop_for_the_keyboard(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")

    page.keyboard.press("Tab")

    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
