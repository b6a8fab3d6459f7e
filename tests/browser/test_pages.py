"""Every page, as every demo persona: zero axe-core violations under the production CSP.

Each persona logs in through the real forms (password, then a TOTP code) and the test
walks every same-site link it can reach from the home page, one page per URL pattern.
"""

from urllib.parse import urljoin, urlsplit

from django.urls import Resolver404, resolve

import pytest

from tests.browser.conftest import axe_violations, log_in

# What each persona can reach by following links from the home page: navigation is
# need-to-know too (e.g. only the privacy officer reaches the audit trail, only
# intake staff the report queue, nobody outside the landlord the resident import).
REACHABLE = {
    "wijkbeheerder": {
        "api-docs",
        "cases:action_edit",
        "cases:detail",
        "cases:escalation",
        "cases:by_health",
        "cases:list",
        "cases:meeting",
        "cases:my_work",
        "cases:open",
        "cases:report_link",
        "communications:newsletter_create",
        "communications:newsletter_detail",
        "communications:newsletter_list",
        "communications:batch_create",
        "communications:batch_detail",
        "communications:letters",
        "communications:template_create",
        "communications:template_edit",
        "chat:channel",
        "chat:codes",
        "chat:index",
        "chat:moderation",
        "core:home",
        "outreach:evening_create",
        "outreach:evening_list",
        "outreach:round_create",
        "outreach:round_detail",
        "outreach:round_list",
        "outreach:round_walk",
        "partners:directory",
        "places:building_detail",
        "places:building_list",
        "places:units_import",
        "reports:detail",
        "reports:observation",
        "reports:queue",
        "reports:standard_text_edit",
        "reports:standard_texts",
        "residents:building",
        "residents:detail",
        "residents:import",
        "residents:import_job",
        "residents:index",
        "residents:not_reached",
        "residents:unit_history",
    },
    "leefbaarheid": {
        "api-docs",
        "cases:action_edit",
        "cases:detail",
        "cases:escalation",
        "cases:by_health",
        "cases:list",
        "cases:meeting",
        "cases:my_work",
        "cases:open",
        "communications:newsletter_create",
        "communications:newsletter_detail",
        "communications:newsletter_list",
        "communications:batch_create",
        "communications:batch_detail",
        "communications:letters",
        "communications:template_create",
        "communications:template_edit",
        "chat:channel",
        "chat:codes",
        "chat:index",
        "chat:moderation",
        "core:home",
        "outreach:evening_create",
        "outreach:evening_list",
        "outreach:round_create",
        "outreach:round_detail",
        "outreach:round_list",
        "outreach:round_walk",
        "partners:directory",
        "places:building_detail",
        "places:building_list",
        "reports:observation",
        "residents:building",
        "residents:detail",
        "residents:index",
        "residents:not_reached",
        "residents:unit_history",
    },
    "woonfraude": {
        "api-docs",
        "cases:detail",
        "cases:by_health",
        "cases:list",
        "cases:my_work",
        "cases:open",
        "core:home",
        "places:building_detail",
        "places:building_list",
        "reports:observation",
        "residents:building",
        "residents:detail",
        "residents:index",
        "residents:not_reached",
        "residents:unit_history",
    },
    "privacy": {
        "api-docs",
        "cases:by_health",
        "cases:list",
        "cases:my_work",
        "core:audit_list",
        "core:home",
        "core:privacy",
        "partners:directory",
    },
    "beheerder": {
        "api-docs",
        "cases:escalation",
        "cases:by_health",
        "cases:list",
        "cases:my_work",
        "core:home",
        "partners:agreement_create",
        "partners:agreement_detail",
        "partners:agreement_edit",
        "partners:agreement_list",
        "partners:directory",
        "partners:membership_create",
        "partners:membership_deactivate",
        "partners:membership_edit",
        "partners:organisation_create",
        "partners:organisation_detail",
        "partners:organisation_edit",
        "partners:organisation_list",
        "partners:role_create",
        "partners:role_edit",
        "partners:role_list",
        "partners:token_create",
        "partners:token_list",
        "places:building_detail",
        "places:building_list",
        "places:units_import",
        "reports:observation",
        "residents:import",
        "residents:import_job",
    },
    "oostwaard": {
        "api-docs",
        "cases:by_health",
        "cases:list",
        "cases:my_work",
        "cases:open",
        "communications:newsletter_create",
        "communications:newsletter_list",
        "communications:batch_create",
        "communications:letters",
        "communications:template_create",
        "chat:index",
        "chat:moderation",
        "core:home",
        "outreach:evening_create",
        "outreach:evening_list",
        "outreach:round_create",
        "outreach:round_list",
        "partners:directory",
        "places:building_detail",
        "places:building_list",
        "places:units_import",
        "reports:observation",
        "reports:queue",
        "reports:standard_texts",
        "residents:building",
        "residents:detail",
        "residents:import",
        "residents:import_job",
        "residents:index",
        "residents:not_reached",
        "residents:unit_history",
    },
    "gebiedsregisseur": {
        "api-docs",
        "cases:action_edit",
        "cases:detail",
        "cases:escalation",
        "cases:by_health",
        "cases:list",
        "cases:meeting",
        "cases:my_work",
        "cases:open",
        "chat:channel",
        "chat:index",
        "chat:moderation",
        "core:home",
        "outreach:evening_create",
        "outreach:evening_list",
        "outreach:round_create",
        "outreach:round_list",
        "partners:directory",
        "places:building_detail",
        "places:building_list",
        "reports:observation",
        "residents:building",
        "residents:detail",
        "residents:index",
        "residents:not_reached",
        "residents:unit_history",
    },
    "boa": {
        "api-docs",
        "cases:action_edit",
        "cases:detail",
        "cases:escalation",
        "cases:by_health",
        "cases:list",
        "cases:meeting",
        "cases:my_work",
        "cases:open",
        "cases:report_link",
        "chat:channel",
        "chat:index",
        "core:home",
        "outreach:round_list",
        "partners:directory",
        "places:building_detail",
        "places:building_list",
        "reports:detail",
        "reports:observation",
        "reports:queue",
        "reports:standard_texts",
        "residents:building",
        "residents:detail",
        "residents:index",
        "residents:not_reached",
        "residents:unit_history",
    },
    "wijkagent": {
        "api-docs",
        "cases:action_edit",
        "cases:detail",
        "cases:escalation",
        "cases:by_health",
        "cases:list",
        "cases:meeting",
        "cases:my_work",
        "cases:open",
        "cases:report_link",
        "chat:channel",
        "chat:index",
        "core:home",
        "outreach:round_list",
        "partners:directory",
        "places:building_detail",
        "places:building_list",
        "reports:detail",
        "reports:observation",
        "reports:queue",
        "reports:standard_texts",
        "residents:building",
        "residents:detail",
        "residents:index",
        "residents:not_reached",
        "residents:unit_history",
    },
    "opbouwwerker": {
        "api-docs",
        "cases:action_edit",
        "cases:detail",
        "cases:escalation",
        "cases:by_health",
        "cases:list",
        "cases:meeting",
        "cases:my_work",
        "cases:open",
        "chat:channel",
        "chat:index",
        "core:home",
        "outreach:evening_create",
        "outreach:evening_detail",
        "outreach:evening_list",
        "outreach:round_create",
        "outreach:round_detail",
        "outreach:round_list",
        "outreach:round_walk",
        "partners:directory",
        "places:building_detail",
        "places:building_list",
        "reports:observation",
        "residents:building",
        "residents:detail",
        "residents:index",
        "residents:not_reached",
        "residents:unit_history",
    },
    "wijkteam": {
        "api-docs",
        "cases:action_edit",
        "cases:detail",
        "cases:escalation",
        "cases:by_health",
        "cases:list",
        "cases:meeting",
        "cases:my_work",
        "cases:open",
        "chat:channel",
        "chat:index",
        "core:home",
        "outreach:round_list",
        "partners:directory",
        "places:building_detail",
        "places:building_list",
        "reports:observation",
        "residents:building",
        "residents:detail",
        "residents:index",
        "residents:not_reached",
        "residents:unit_history",
    },
    "beveiliger": {
        "api-docs",
        "cases:by_health",
        "cases:list",
        "cases:my_work",
        "core:home",
        "outreach:round_detail",
        "outreach:round_list",
        "outreach:round_walk",
        "places:building_detail",
        "places:building_list",
        "reports:observation",
    },
    "bemiddelaar": {
        "api-docs",
        "cases:by_health",
        "cases:list",
        "cases:my_work",
        "core:home",
        "partners:directory",
    },
}

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

    assert {resolve(url).view_name for url in results} == REACHABLE[username]
    assert {url: v for url, v in results.items() if v} == {}
