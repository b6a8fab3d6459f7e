"""Our own 403/404/500 pages with DEBUG on too (the demo of `make run`): never Django's
technical error pages to a user (core/error_pages.py)."""

from django.test import Client

import pytest

pytestmark = pytest.mark.urls("tests.core.urls")

TECHNICAL = ("DEBUG = True", "Traceback", "URLconf", "technical_500", "Request Method:")


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True
    settings.WIJKREGIE_TECHNICAL_ERROR_PAGES = False
    settings.DEFAULT_EXCEPTION_REPORTER = "wijkregie.core.error_pages.ProductExceptionReporter"


@pytest.fixture
def browser(debug_on, make_professional, organisation):
    """A logged-in client made after DEBUG is on (middleware is loaded on first use)."""
    client = Client(raise_request_exception=False)
    client.force_login(make_professional("ann", organisation=organisation))
    return client


def _assert_ours(response, status: int, heading: str):
    html = response.content.decode()
    assert response.status_code == status
    assert f'<h1 class="utrecht-heading-1">{heading}</h1>' in html
    for word in TECHNICAL:
        assert word not in html


def test_a_path_that_matches_nothing_gets_our_404_page(browser):
    _assert_ours(browser.get("/no/such/page/"), 404, "Pagina niet gevonden")


def test_a_view_raising_not_found_gets_our_404_page(browser):
    _assert_ours(browser.get("/test/not-found/"), 404, "Pagina niet gevonden")


def test_a_view_raising_permission_denied_gets_our_403_page(browser):
    _assert_ours(browser.get("/test/permission-denied/"), 403, "Geen toegang")


def test_a_server_error_gets_our_500_page_and_is_still_logged(browser, log_lines):
    _assert_ours(browser.get("/test/boom/"), 500, "Er ging iets mis")
    (line,) = log_lines()
    assert line["event"] == "request_failed"
    assert line["exception"].endswith("RuntimeError: the database said no")


def test_the_slash_is_still_appended_before_a_404(browser):
    response = browser.get("/accounts/login")
    assert response.status_code == 301
    assert response["Location"] == "/accounts/login/"


def test_a_developer_can_ask_for_the_technical_pages(settings, make_professional, organisation):
    settings.DEBUG = True
    settings.WIJKREGIE_TECHNICAL_ERROR_PAGES = True
    settings.DEFAULT_EXCEPTION_REPORTER = "django.views.debug.ExceptionReporter"
    client = Client(raise_request_exception=False)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "DEBUG = True" in response.content.decode()
