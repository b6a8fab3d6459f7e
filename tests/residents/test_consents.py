"""Consents as records: given when and how, withdrawn when and how; lists computed from them."""

import re
from datetime import date

from django.core.exceptions import ValidationError

import pytest
from rest_framework.test import APIClient

from tests.residents.factories import (
    make_building,
    make_occupancy,
    make_organisation,
    make_partner,
    make_person,
    make_resident,
    make_token,
    make_unit,
    viewer,
)
from wijkregie.core.exceptions import NotFound, PermissionDenied
from wijkregie.core.models import AuditEntry
from wijkregie.partners.models import Membership, OrganisationKind
from wijkregie.residents import importing, services
from wijkregie.residents.links import resident_link_principal, resident_link_token
from wijkregie.residents.models import ContactConsent, Resident
from wijkregie.residents.selectors import resident_consents, residents_consenting

pytestmark = pytest.mark.django_db

STAFF = ["residents.view_resident", "residents.view_resident_contact"]
UNSUBSCRIBE = "unsubscribe:newsletter_email"


@pytest.fixture
def landlord():
    return make_organisation("de-vaart")


@pytest.fixture
def building(landlord):
    return make_building(landlord)


@pytest.fixture
def resident(landlord, building):
    resident = make_resident(landlord, "R1", given_name="Ayla", family_name="Demir")
    make_occupancy(resident, make_unit(building, 12))
    return resident


@pytest.fixture
def staff(landlord):
    return make_person("staff", landlord, STAFF)


@pytest.fixture
def partner(building):
    org = make_organisation("welzijn", OrganisationKind.COMMUNITY_WORK)
    user = make_person("opbouwwerker", org, ["residents.view_resident"])
    make_partner(building, user)
    return user


def history(resident):
    return list(
        ContactConsent.objects.filter(resident=resident)
        .order_by("pk")
        .values_list("purpose", "channel", "given_source", "withdrawn_source")
    )


def test_give_records_what_when_how_and_who(resident, staff, landlord):
    consent = services.contact_consent_give(
        actor=viewer(staff),
        resident_id=resident.pk,
        purpose="contact_again",
        source="door",
        channel="phone",
        source_type="outreach.visit",
        source_id=41,
    )

    assert (consent.purpose, consent.channel, consent.given_source, consent.withdrawn_at) == (
        "contact_again",
        "phone",
        "door",
        None,
    )
    assert (consent.source_type, consent.source_id) == ("outreach.visit", "41")
    assert consent.given_by == Membership.objects.get(user=staff)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_ids, entry.fields, entry.data_owner_id) == (
        "update",
        [str(resident.pk)],
        ["consents"],
        landlord.pk,
    )


def test_giving_an_open_consent_again_writes_nothing_and_a_new_channel_keeps_the_history(
    resident, staff
):
    actor = viewer(staff)
    first = services.contact_consent_give(
        actor=actor,
        resident_id=resident.pk,
        purpose="contact_again",
        source="door",
        channel="phone",
    )
    again = services.contact_consent_give(
        actor=actor,
        resident_id=resident.pk,
        purpose="contact_again",
        source="phone",
        channel="phone",
    )
    assert again.pk == first.pk
    assert AuditEntry.objects.count() == 1

    services.contact_consent_give(
        actor=actor,
        resident_id=resident.pk,
        purpose="contact_again",
        source="email",
        channel="email",
    )

    assert history(resident) == [
        ("contact_again", "phone", "door", "email"),
        ("contact_again", "email", "email", ""),
    ]
    assert AuditEntry.objects.count() == 2


def test_withdraw_closes_the_open_consent_and_nothing_else(resident, staff):
    actor = viewer(staff)
    services.contact_consent_give(
        actor=actor, resident_id=resident.pk, purpose="newsletter_email", source="form"
    )
    services.contact_consent_give(
        actor=actor, resident_id=resident.pk, purpose="chat", source="door"
    )

    withdrawn = services.contact_consent_withdraw(
        actor=actor, resident_id=resident.pk, purpose="newsletter_email", source="phone"
    )
    again = services.contact_consent_withdraw(
        actor=actor, resident_id=resident.pk, purpose="newsletter_email", source="phone"
    )

    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_source == "phone"
    assert again is None
    assert set(resident_consents(resident_id=resident.pk)) == {"chat"}
    assert AuditEntry.objects.count() == 3  # two given, one withdrawn; the no-op writes none


def test_bad_purpose_or_source_is_refused_and_changes_nothing(resident, staff):
    actor = viewer(staff)
    with pytest.raises(ValidationError) as raised:
        services.contact_consent_give(
            actor=actor, resident_id=resident.pk, purpose="marketing", source="door"
        )
    assert raised.value.message_dict == {
        "purpose": ["Deze toestemming kan niet worden vastgelegd."]
    }
    with pytest.raises(ValidationError) as raised:
        services.contact_consent_give(
            actor=actor, resident_id=resident.pk, purpose="chat", source="unsubscribe"
        )
    assert raised.value.message_dict == {
        "source": ["Geef aan hoe de bewoner deze toestemming gaf."]
    }
    assert (ContactConsent.objects.count(), AuditEntry.objects.count()) == (0, 0)


def test_a_partner_who_sees_the_resident_cannot_record_consents(resident, partner, landlord):
    services.contact_consent_give(
        actor=viewer(make_person("admin", landlord, STAFF)),
        resident_id=resident.pk,
        purpose="share_with_partners",
        source="form",
    )

    with pytest.raises(PermissionDenied):
        services.contact_consent_withdraw(
            actor=viewer(partner),
            resident_id=resident.pk,
            purpose="share_with_partners",
            source="phone",
        )
    assert set(resident_consents(resident_id=resident.pk)) == {"share_with_partners"}


def test_an_outsider_gets_not_found(resident):
    outsider = make_person("outsider", make_organisation("elders"), STAFF)
    with pytest.raises(NotFound):
        services.contact_consent_give(
            actor=viewer(outsider), resident_id=resident.pk, purpose="chat", source="door"
        )
    assert ContactConsent.objects.count() == 0


def test_the_partner_sees_the_resident_exactly_while_the_consent_is_open(resident, staff, partner):
    def partner_sees():
        return Resident.objects.visible_to(viewer(partner)).filter(pk=resident.pk).exists()

    assert partner_sees() is False
    services.contact_consent_give(
        actor=viewer(staff), resident_id=resident.pk, purpose="share_with_partners", source="door"
    )
    assert partner_sees() is True
    services.contact_consent_withdraw(
        actor=viewer(staff), resident_id=resident.pk, purpose="share_with_partners", source="phone"
    )
    assert partner_sees() is False


def test_a_signed_link_lets_the_resident_withdraw_their_own_consent_only(
    resident, staff, landlord, building
):
    other = make_resident(landlord, "R2", consent_newsletter_email=True)
    make_occupancy(other, make_unit(building, 14))
    services.contact_consent_give(
        actor=viewer(staff), resident_id=resident.pk, purpose="newsletter_email", source="form"
    )
    token = resident_link_token(resident_id=resident.pk, action=UNSUBSCRIBE)
    principal = resident_link_principal(token, action=UNSUBSCRIBE)

    assert resident_link_principal(token[:-2] + "xx", action=UNSUBSCRIBE) is None
    assert resident_link_principal(token, action="unsubscribe:chat") is None
    with pytest.raises(NotFound):
        services.contact_consent_withdraw(
            actor=principal, resident_id=other.pk, purpose="newsletter_email", source="unsubscribe"
        )
    services.contact_consent_withdraw(
        actor=principal, resident_id=resident.pk, purpose="newsletter_email", source="unsubscribe"
    )

    assert list(
        residents_consenting(purpose="newsletter_email").values_list("external_id", flat=True)
    ) == ["R2"]
    entry = AuditEntry.objects.order_by("-pk").first()
    assert (entry.actor_label, entry.fields) == ("resident", ["consents"])


def test_residents_consenting_is_computed_now_and_by_building(landlord, building, staff):
    elsewhere = make_building(landlord, name="Elders", postcode="3521AB")
    here = make_resident(landlord, "H1", consent_newsletter_email=True)
    make_occupancy(here, make_unit(building, 1))
    moved = make_resident(landlord, "M1", consent_newsletter_email=True)
    make_occupancy(moved, make_unit(building, 2), end=date(2021, 1, 1))
    there = make_resident(landlord, "T1", consent_newsletter_email=True)
    make_occupancy(there, make_unit(elsewhere, 1))
    make_occupancy(make_resident(landlord, "N1"), make_unit(building, 3))

    def numbers(**kwargs):
        return list(
            residents_consenting(purpose="newsletter_email", **kwargs).values_list(
                "external_id", flat=True
            )
        )

    assert numbers() == ["H1", "M1", "T1"]
    assert numbers(building_ids=[building.pk]) == ["H1"]
    services.contact_consent_withdraw(
        actor=viewer(staff), resident_id=here.pk, purpose="newsletter_email", source="phone"
    )
    assert numbers(building_ids=[building.pk]) == []
    with pytest.raises(ValueError):
        residents_consenting(purpose="marketing")


def _import(landlord, building, rows):
    from wijkregie.residents.services import residents_import_start

    header = "relation_number,given_name,family_name,bag_id,occupancy_kind,start_date,"
    header += "consent_newsletter_email,consent_chat\n"
    body = "".join(
        f"R1,Ayla,Demir,{building.units.get().bag_id},main_tenant,2020-01-01,{news},{chat}\n"
        for news, chat in rows
    )
    admin = make_person(
        f"importer{ContactConsent.objects.count()}", landlord, ["residents.import_residents"]
    )
    job = residents_import_start(
        actor=viewer(admin),
        organisation_id=landlord.pk,
        file_name="erp.csv",
        content=(header + body).encode(),
        language="en",
    )
    job.refresh_from_db()
    return job


def test_an_import_gives_on_ja_withdraws_on_nee_and_leaves_an_empty_cell_alone(
    landlord, building, django_capture_on_commit_callbacks
):
    make_unit(building, 1, bag_id="0344010000000001")
    with django_capture_on_commit_callbacks(execute=True):
        first = _import(landlord, building, [("ja", "ja")])
    assert first.status == "succeeded"
    resident = Resident.objects.get(external_id="R1")
    assert history(resident) == [
        ("chat", "", "import", ""),
        ("newsletter_email", "", "import", ""),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        second = _import(landlord, building, [("nee", "")])
    assert second.status == "succeeded"

    assert history(resident) == [
        ("chat", "", "import", ""),
        ("newsletter_email", "", "import", "import"),
    ]
    assert set(resident_consents(resident_id=resident.pk)) == {"chat"}
    assert importing.CONSENT_PURPOSES["consent_chat"] == "chat"


# --- page and API ----------------------------------------------------------------------------


def test_the_landlord_records_a_consent_on_the_resident_page(login, resident, staff):
    client = login(staff)
    page = client.get(f"/residents/{resident.pk}/").content.decode()
    assert "Toestemming opslaan" in page

    response = client.post(
        f"/residents/{resident.pk}/consents/",
        {"purpose": "contact_again", "decision": "give", "source": "door", "channel": "visit"},
    )

    assert response.status_code == 302
    assert history(resident) == [("contact_again", "visit", "door", "")]
    page = re.sub(r"\s+", " ", client.get(f"/residents/{resident.pk}/").content.decode())
    assert "<strong>Opnieuw benaderen</strong> (bezoek): gegeven op" in page


def test_the_consent_form_refused_comes_back_filled_in(login, resident, staff):
    response = login(staff).post(
        f"/residents/{resident.pk}/consents/",
        {"purpose": "contact_again", "source": "door", "channel": "visit"},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Dit veld is vereist." in page
    assert '<option value="contact_again" selected>' in page
    assert ContactConsent.objects.count() == 0


def test_a_partner_sees_no_consents_and_cannot_post_them(login, resident, staff, partner):
    services.contact_consent_give(
        actor=viewer(staff), resident_id=resident.pk, purpose="share_with_partners", source="door"
    )
    client = login(partner)
    page = client.get(f"/residents/{resident.pk}/").content.decode()
    response = client.post(
        f"/residents/{resident.pk}/consents/",
        {"purpose": "share_with_partners", "decision": "withdraw", "source": "phone"},
    )

    assert "Toestemmingen" not in page
    assert response.status_code == 403
    assert set(resident_consents(resident_id=resident.pk)) == {"share_with_partners"}


def test_the_api_lists_and_records_consents(resident, staff, landlord):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(staff, landlord)}")

    given = client.post(
        f"/api/v1/residents/{resident.pk}/consents/",
        {"purpose": "chat", "given": True, "source": "evening"},
        format="json",
    )
    withdrawn = client.post(
        f"/api/v1/residents/{resident.pk}/consents/",
        {"purpose": "chat", "given": False, "source": "phone"},
        format="json",
    )
    bad = client.post(
        f"/api/v1/residents/{resident.pk}/consents/",
        {"purpose": "chat", "given": True, "source": "unsubscribe"},
        format="json",
    )

    assert given.status_code == 200
    assert [(c["purpose"], c["given_source"], c["is_current"]) for c in given.json()] == [
        ("chat", "evening", True)
    ]
    assert [(c["given_source"], c["withdrawn_source"]) for c in withdrawn.json()] == [
        ("evening", "phone")
    ]
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["source"]
    assert ContactConsent.objects.count() == 1
