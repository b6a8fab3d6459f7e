"""Whose data it was: the data owner's privacy officer sees who read it (ADR 0003, 0009)."""

import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

import pytest

from wijkregie.core.audit import audit_verify
from wijkregie.core.models import AuditEntry
from wijkregie.places.models import Building


@pytest.fixture
def demo(db, settings):
    settings.DEMO_MODE = True
    call_command("demo", "--quiet-logins", stdout=io.StringIO())


def login(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_the_demo_ends_with_every_entry_sealed(demo):
    assert AuditEntry.objects.exists()
    assert not AuditEntry.objects.filter(seal__isnull=True).exists()
    assert audit_verify() == []


def test_the_landlords_privacy_officer_sees_the_police_open_its_residents(demo, client):
    horizon = Building.objects.get(name="De Horizon")
    response = login(client, "wijkagent").get(f"/residents/buildings/{horizon.pk}/")
    assert response.status_code == 200
    listed = AuditEntry.objects.order_by("-id").first()
    assert (listed.actor_label, listed.action, listed.object_type) == (
        "wijkagent",
        "list",
        "residents.resident",
    )
    assert listed.organisation_label == horizon_police_name()
    assert listed.data_owner_id == horizon.owner_id
    assert listed.data_owner_label == "Woonstichting De Vaart"
    client.logout()

    page = login(client, "privacy").get("/audit/?actor=wijkagent")

    assert page.status_code == 200
    # Besides: the demo's private line in the building chat that the wijkagent turned
    # into a shielded report (the report's creation, De Vaart's building).
    from_chat = AuditEntry.objects.get(
        actor_label="wijkagent", object_type="reports.report", context_type="places.building"
    )
    assert from_chat.data_owner_id == horizon.owner_id
    assert [row["entry"].pk for row in page.context["rows"]] == [listed.pk, from_chat.pk]
    html = page.content.decode()
    assert "Woonstichting De Vaart" in html
    assert "De Horizon" in html


def test_another_landlords_privacy_officer_does_not_see_it(demo, client, make_professional):
    from wijkregie.partners.models import Organisation

    horizon = Building.objects.get(name="De Horizon")
    login(client, "wijkagent").get(f"/residents/buildings/{horizon.pk}/")
    client.logout()
    oostwaard = Organisation.objects.get(slug="oostwaard")
    officer = make_professional(
        "privacy-oostwaard", organisation=oostwaard, permissions=["core.view_auditentry"]
    )
    client.force_login(officer)

    page = client.get("/audit/?actor=wijkagent")

    assert page.status_code == 200
    assert page.context["rows"] == []


def horizon_police_name() -> str:
    from wijkregie.partners.models import Organisation

    return Organisation.objects.get(slug="politie-rivierstad").name
