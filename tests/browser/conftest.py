"""Playwright on Debian's Chromium, with axe-core injected from the local npm copy.

The pages are served by pytest-django's live server with the production
Content-Security-Policy (the CSP middleware is always on), so a violation of the policy
shows up as a broken page here.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("WIJKREGIE_CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parents[2] / "var" / "vendor" / "axe" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the
# tests themselves are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("WIJKREGIE_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must run the browser tests.")
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda msg: (
            page.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core with the WCAG 2.0/2.1/2.2 A and AA rules; return its violations."""
    # Playwright's add_script_tag with content would be blocked by the CSP; evaluating
    # the library through the DevTools protocol is not.
    page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
