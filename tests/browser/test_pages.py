"""Every page, as every demo persona: zero axe-core violations under the production CSP.

Each persona logs in through the real forms (password, then a TOTP code) and the test
walks every same-site link it can reach from the home page, one page per URL pattern.
"""

from urllib.parse import urljoin, urlsplit

from django.urls import Resolver404, resolve

import pytest

from tests.browser.conftest import axe_violations, log_in

PERSONAS = [
    "wijkbeheerder",
    "leefbaarheid",
    "woonfraude",
    "privacy",
    "beheerder",
    "oostwaard",
    "gebiedsregisseur",
    "boa",
    "wijkagent",
    "opbouwwerker",
    "wijkteam",
    "beveiliger",
    "bemiddelaar",
]
SKIP_PARTS = ("/logout", "/accounts/", "/django-admin/", "/api/schema", "/i18n/", "/media/")
SKIP_ENDINGS = (".csv", ".json", ".xml", ".yaml", ".png", ".svg", ".pdf")
MAX_PAGES = 60


def _pattern(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route + "|" + (match.view_name or "")


def crawl(page, base_url: str, start: str = "/") -> dict[str, list]:
    """Visit every reachable page once per URL pattern; return the violations per URL."""
    seen_patterns: set[str] = set()
    queue = [start]
    results: dict[str, list] = {}
    while queue and len(results) < MAX_PAGES:
        path = queue.pop(0)
        pattern = _pattern(path)
        if pattern is None or pattern in seen_patterns:
            continue
        seen_patterns.add(pattern)
        response = page.goto(urljoin(base_url, path))
        assert response is not None and response.status < 500, f"{path}: {response.status}"
        found = axe_violations(page)
        if page.csp_violations:
            found.append({"id": "csp", "messages": list(page.csp_violations)})
            page.csp_violations.clear()
        results[path] = found
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            if parts.netloc != urlsplit(base_url).netloc or parts.query:
                continue
            if any(p in parts.path for p in SKIP_PARTS) or parts.path.endswith(SKIP_ENDINGS):
                continue
            queue.append(parts.path)
    return results


@pytest.mark.parametrize("username", PERSONAS)
def test_every_page_of_the_persona_has_no_accessibility_violations(base_url, page, username):
    log_in(page, base_url, username)
    assert page.url.rstrip("/").endswith(urlsplit(base_url).netloc), page.url

    results = crawl(page, base_url)

    assert len(results) >= 1
    assert {url: v for url, v in results.items() if v} == {}
