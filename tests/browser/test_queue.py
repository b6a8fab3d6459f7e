"""The work queue in Chromium: on a phone (390 px) and the building search combobox by
keyboard only; axe-core and the production CSP on every state."""

import re

from tests.browser.conftest import assert_clean, log_in, new_page


def test_the_queue_on_a_phone_shows_the_list_first(browser, base_url):
    context, page = new_page(browser, 390, 844)
    try:
        log_in(page, base_url, "wijkbeheerder")
        page.goto(f"{base_url}/reports/")
        assert_clean(page, "queue-390")
        # The header on one line: the heading and its link share a row.
        heading = page.locator(".wr-queue-header h1").bounding_box()
        link = page.locator(".wr-queue-header a").bounding_box()
        assert link["y"] < heading["y"] + heading["height"]
        assert link["x"] > heading["x"] + heading["width"] - 1
        # Filters folded away; the list is there; nothing wider than the phone.
        assert page.locator("details.wr-queue-filters").get_attribute("open") is None
        assert not page.locator("#id_category").is_visible()
        assert page.locator("table.wr-queue-table tbody tr").count() >= 3
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # The quick views come before the list (which reply is waiting depends on what
        # other tests opened on this server: the order itself is tested in
        # tests/reports/test_queue.py).
        views = page.locator("nav.wr-queue-views")
        assert views.get_by_role("link", name="Reactie ontvangen").is_visible()
        assert views.bounding_box()["y"] < page.locator("table.wr-queue-table").bounding_box()["y"]
        # Opening the filters by keyboard.
        page.locator("details.wr-queue-filters > summary").focus()
        page.keyboard.press("Enter")
        assert page.locator("#id_category").is_visible()
        assert_clean(page, "queue-390-filters")
    finally:
        context.close()


def test_the_building_search_works_by_keyboard(page, base_url):
    log_in(page, base_url, "wijkbeheerder")
    page.goto(f"{base_url}/reports/")
    page.locator("details.wr-queue-filters > summary").focus()
    page.keyboard.press("Enter")
    field = page.locator("#id_building_q")
    field.focus()
    page.keyboard.type("Hori", delay=30)
    option = page.locator("#building-listbox [role=option]").first
    option.wait_for(state="visible")
    assert field.get_attribute("aria-expanded") == "true"
    assert page.locator("#building-listbox [role=option]").count() == 1
    assert_clean(page, "combobox-open")

    page.keyboard.press("ArrowDown")
    active = field.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")  # chooses, does not submit
    assert field.input_value() == "De Horizon"
    assert field.get_attribute("aria-expanded") == "false"
    building = page.locator("input[type=hidden][name=building]").input_value()
    assert building.isdigit()

    # Escape closes the list; typing again makes it a text search until a choice.
    page.keyboard.type("x")
    page.keyboard.press("Escape")
    assert field.get_attribute("aria-expanded") == "false"
    assert page.locator("input[type=hidden][name=building]").input_value() == ""
    page.keyboard.press("Backspace")
    page.keyboard.press("ArrowDown")
    page.locator("#building-listbox [role=option]").first.wait_for(state="visible")
    page.keyboard.press("Enter")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the list is closed: now the form is sent
    assert re.search(rf"[?&]building={building}(&|$)", page.url)
    rows = page.locator("table.wr-queue-table tbody tr")
    buildings = {rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())}
    assert buildings == {"De Horizon"}  # every row, and there is one
    assert_clean(page, "queue-building")
