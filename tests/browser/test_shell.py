from tests.browser.conftest import assert_clean


def test_login_page_has_no_accessibility_violations(base_url, page):
    page.goto(f"{base_url}/accounts/login/")

    assert page.locator("h1").count() == 1
    assert_clean(page, "login")


def test_skip_link_is_the_first_stop_for_the_keyboard(base_url, page):
    page.goto(f"{base_url}/accounts/login/")

    page.keyboard.press("Tab")

    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"


def test_pages_are_served_with_the_strict_content_security_policy(base_url, page):
    response = page.goto(f"{base_url}/accounts/login/")

    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
