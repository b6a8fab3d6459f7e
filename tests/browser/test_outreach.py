"""The door-to-door phone page offline, in Chromium: an outcome recorded with the network
switched off waits in the outbox (the count is said), the page reloads from the service
worker's cache, and when the network returns the outcome is sent once. Then the round's
coverage page and the evening pages: axe-core under the production CSP, 1280 and 390 px."""

import pytest

from tests.browser.conftest import assert_clean, log_in, new_page

# Predicates as functions: a string expression would be eval'ed, which the CSP forbids.
WAITING = "() => document.getElementById('outbox-status').dataset.waiting === '{n}'"


def _round_id(page, base_url) -> int:
    rounds = page.request.get(f"{base_url}/api/v1/outreach/rounds/").json()
    return next(r["id"] for r in rounds if r["title"] == "Alle deuren langs De Horizon")


def _visits(page, base_url, round_id) -> list:
    return page.request.get(f"{base_url}/api/v1/outreach/rounds/{round_id}/visits/").json()


def test_an_outcome_recorded_offline_is_sent_once_when_the_network_returns(browser, base_url):
    context, page = new_page(browser, 390)
    log_in(page, base_url, "leefbaarheid")
    round_id = _round_id(page, base_url)
    before = _visits(page, base_url, round_id)
    walk = f"{base_url}/outreach/rounds/{round_id}/walk/"
    page.goto(walk)
    # The service worker controls the page and holds a copy of it.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    for _attempt in range(60):  # the worker fetches and keeps the page's files
        if page.evaluate("async () => !!(await caches.match(location.pathname))"):
            break
        page.wait_for_timeout(500)
    else:
        pytest.fail("The service worker kept no copy of the walk page.")
    status = page.locator("#outbox-status")
    assert status.get_attribute("aria-live") == "polite"
    assert status.get_attribute("data-waiting") == "0"
    address = page.locator("#door-address").inner_text()

    context.set_offline(True)
    page.get_by_role("button", name="Niet thuis").click()
    page.wait_for_function(WAITING.format(n=1))
    assert status.inner_text() == "1 uitkomst wacht op verzending. " + (
        "Geen verbinding: uitkomsten blijven op deze telefoon tot die terug is."
    )
    assert page.locator("#door-address").inner_text() != address  # the next door

    page.reload()  # offline: from the service worker's cache
    page.wait_for_function(WAITING.format(n=1))
    assert page.locator("h1").inner_text() == "Alle deuren langs De Horizon"
    assert_clean(page, "outreach-walk-offline")

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(WAITING.format(n=0), timeout=15000)
    assert status.inner_text() == "Elke uitkomst is verzonden."
    page.evaluate("window.dispatchEvent(new Event('online'))")  # a second sync sends nothing
    page.wait_for_timeout(500)
    after = _visits(page, base_url, round_id)
    new = [v for v in after if v["id"] not in {b["id"] for b in before}]
    assert [(v["address"], v["outcome"]) for v in new] == [(address, "not_home")]
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_round_and_the_evening_pages(browser, base_url, width):
    context, page = new_page(browser, width)
    log_in(page, base_url, "leefbaarheid")
    round_id = _round_id(page, base_url)
    page.goto(f"{base_url}/outreach/rounds/{round_id}/")
    assert page.locator(".wr-coverage-figure").inner_text().startswith("80 %")
    assert_clean(page, "outreach-round")
    page.goto(f"{base_url}/outreach/")
    assert_clean(page, "outreach-rounds")
    context.close()

    context, page = new_page(browser, width)
    log_in(page, base_url, "opbouwwerker")
    page.goto(f"{base_url}/outreach/evenings/")
    assert_clean(page, "outreach-evenings")
    page.get_by_role("link", name="Bewonersavond De Horizon").click()
    page.wait_for_load_state()
    assert page.locator("#invitation-count").inner_text() != "0"
    assert_clean(page, "outreach-evening")
    page.goto(f"{base_url}/outreach/rounds/{round_id}/walk/")
    assert_clean(page, "outreach-walk")
    context.close()
