"""A shielded reporter cannot be linked across organisations through a pseudonym.

The situation: one person makes two shielded reports with one e-mail address, noise to
the housing corporation and drug dealing to the police. The corporation forwards the
noise report to the police *without* the reporter's consent to forward. The police now
hold the identity on the drug-dealing report and must not be able to tell that the
forwarded noise report comes from the same person.
"""

from django.test import Client
from django.urls import reverse

import pytest

from tests.reports.factories import RoutingRuleFactory, pseudonym_label, submit
from wijkregie.reports import selectors, services
from wijkregie.reports.models import Category, ContactMode, LocationKind

EMAIL = "zelfde.melder@example.org"


@pytest.fixture
def two_reports(world):
    drugs = Category.objects.get(slug="drug-dealing")
    RoutingRuleFactory(category=drugs, building=world.building, organisation=world.police)
    reporter = {"name": "Zelfde Melder", "email": EMAIL}
    common = {
        "contact_mode": ContactMode.SHIELDED,
        "location_kind": LocationKind.NOT_APPLICABLE,
        "common_area": None,
        "reporter": reporter,
    }
    noise = submit(
        world, category=Category.objects.get(slug="noise-nuisance"), description="Lawaai.", **common
    ).report
    dealing = submit(world, category=drugs, description="Handel in de hal.", **common).report
    assert (noise.receiving_organisation_id, dealing.receiving_organisation_id) == (
        world.owner.pk,
        world.police.pk,
    )
    intake = world.viewer("intake")
    services.report_status_change(actor=intake, report_id=noise.pk, to_status="in_triage")
    services.report_forward(actor=intake, report_id=noise.pk, to_organisation_id=world.police.pk)
    noise.refresh_from_db()
    return noise, dealing


def _leaves(value, out: set) -> set:
    if isinstance(value, dict):
        for v in value.values():
            _leaves(v, out)
    elif isinstance(value, list):
        for v in value:
            _leaves(v, out)
    elif isinstance(value, str) and value:
        out.add(value)
    return out


def _seen(client: Client, report_id: int) -> set:
    """Every non-empty string the API shows this client about one report."""
    values: set = set()
    for name in ("report_detail", "reporter_identity", "report_timeline", "report_messages"):
        response = client.get(reverse(f"reports_api:{name}", args=[report_id]))
        if response.status_code == 200:
            _leaves(response.json(), values)
        else:
            assert response.status_code == 404, (name, response.status_code)
    return values


def test_police_see_unrelated_pseudonyms_on_the_forwarded_and_their_own_report(
    world, two_reports, login
):
    noise, dealing = two_reports
    client = login(world.users["police_intake"])
    first = client.get(reverse("reports_api:reporter_identity", args=[noise.pk])).json()
    second = client.get(reverse("reports_api:reporter_identity", args=[dealing.pk])).json()
    assert (first["visible"], first["hidden_reason"], first["email"]) == (
        False,
        "not_forwarded",
        "",
    )
    assert (second["visible"], second["email"]) == (True, EMAIL)
    assert first["pseudonym"] == pseudonym_label(noise, seen_by=world.police, holder=world.owner)
    assert second["pseudonym"] == pseudonym_label(dealing, seen_by=world.police)
    assert first["pseudonym"] != second["pseudonym"]
    # The seeds are equal (same reporter, same building): only the scoping separates them.
    assert noise.reporter_seed == dealing.reporter_seed


def test_no_persona_can_join_the_two_reports(world, two_reports):
    noise, dealing = two_reports
    shared_by = {}
    for name, user in world.users.items():
        client = Client()
        client.force_login(user)
        shared_by[name] = _seen(client, noise.pk) & _seen(client, dealing.pk)
    # What both reports show alike to the police is what any two reports of this
    # building, kind and status show alike; nothing that belongs to the reporter.
    police_shared = shared_by.pop("police_intake")
    assert police_shared == {
        "De Toren",  # the building
        "Politie Test",  # the receiving organisation, themselves
        "Niet op één plek",  # the location label of "not applicable"
        "not_applicable",
        "Ontvangen",  # the first status and its standard text
        "We hebben uw melding ontvangen. We kijken er snel naar.",
        "status",  # the timeline entry kind
        "in_triage",  # the next allowed status
        "on_time",
        "shielded",
        "web",
    }
    assert {name: shared for name, shared in shared_by.items() if shared} == {}


def test_the_forwarding_organisation_keeps_its_own_pseudonym(world, two_reports):
    noise, _dealing = two_reports
    # As the organisation holding the identity the corporation's code is unchanged.
    assert pseudonym_label(noise, seen_by=world.owner) == pseudonym_label(
        noise, seen_by=world.owner, holder=world.owner
    )
    label = selectors.reporter_pseudonym(noise, viewer=world.viewer("police_intake"))
    assert label == pseudonym_label(noise, seen_by=world.police, holder=world.owner)
