import hashlib
import re

from django.contrib.auth import get_user_model

import pytest

from tests.partners.factories import (
    DataSharingAgreementFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from wijkregie.core.models import AuditEntry
from wijkregie.partners.models import (
    ApiToken,
    DataSharingAgreement,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)

User = get_user_model()
MANAGE = ["partners.manage_partners"]


@pytest.fixture
def vaart(db):
    return OrganisationFactory(name="De Vaart", slug="de-vaart")


@pytest.fixture
def manager_client(make_professional, login, vaart):
    return login(make_professional("boss", organisation=vaart, permissions=MANAGE))


@pytest.fixture
def clerk_client(make_professional, login, vaart):
    """A professional without partners.manage_partners (but with the directory)."""
    return login(
        make_professional("clerk", organisation=vaart, permissions=["partners.view_directory"])
    )


def text(response) -> str:
    return response.content.decode()


# --- organisations ---------------------------------------------------------------------


def test_organisation_list_shows_organisations_in_dutch(manager_client, vaart):
    OrganisationFactory(name="Politie Rivierstad", kind=OrganisationKind.POLICE)

    response = manager_client.get("/partners/organisations/")

    assert response.status_code == 200
    assert '<h1 class="utrecht-heading-1">Organisaties</h1>' in text(response)
    assert "Politie Rivierstad" in text(response)
    assert "Woningcorporatie" in text(response)


def test_organisation_list_is_forbidden_without_manage_partners(clerk_client):
    assert clerk_client.get("/partners/organisations/").status_code == 403


def test_organisation_list_sends_an_anonymous_visitor_to_the_login_page(client, vaart):
    response = client.get("/partners/organisations/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/partners/organisations/"


def organisation_form(**changes):
    data = {
        "name": "Politie Rivierstad",
        "slug": "politie-rivierstad",
        "kind": "police",
        "contact_route": "Bel 010-5550500",
        "email": "",
        "phone": "",
    }
    data.update(changes)
    return data


def test_organisation_create_adds_the_organisation(manager_client):
    response = manager_client.post("/partners/organisations/new/", organisation_form())

    organisation = Organisation.objects.get(slug="politie-rivierstad")
    assert response.status_code == 302
    assert response["Location"] == f"/partners/organisations/{organisation.pk}/"
    assert (organisation.name, organisation.kind, organisation.contact_route) == (
        "Politie Rivierstad",
        "police",
        "Bel 010-5550500",
    )


def test_organisation_create_is_forbidden_without_manage_partners(clerk_client):
    response = clerk_client.post("/partners/organisations/new/", organisation_form())

    assert response.status_code == 403
    assert Organisation.objects.filter(slug="politie-rivierstad").count() == 0


def test_organisation_create_shows_a_dutch_error_for_a_missing_name(manager_client):
    response = manager_client.post("/partners/organisations/new/", organisation_form(name=""))

    assert response.status_code == 200
    assert "Naam: Dit veld is vereist." in text(response)
    assert 'id="form-errors"' in text(response)
    assert Organisation.objects.filter(slug="politie-rivierstad").count() == 0


def test_organisation_create_refuses_an_over_long_name(manager_client):
    response = manager_client.post(
        "/partners/organisations/new/", organisation_form(name="x" * 201)
    )

    assert response.status_code == 200
    assert "Zorg dat deze waarde niet meer dan 200 tekens bevat (het zijn er nu 201)." in text(
        response
    )
    assert Organisation.objects.filter(slug="politie-rivierstad").count() == 0


def test_organisation_create_shows_the_services_refusal_of_a_taken_slug(manager_client, vaart):
    response = manager_client.post(
        "/partners/organisations/new/", organisation_form(slug="de-vaart")
    )

    assert response.status_code == 200
    assert "Er bestaat al een Organisatie met eenzelfde Korte naam." in text(response)
    assert Organisation.objects.count() == 1


def test_organisation_edit_saves_changes(manager_client, vaart):
    response = manager_client.post(
        f"/partners/organisations/{vaart.pk}/edit/",
        organisation_form(
            name="Woonstichting De Vaart", slug="de-vaart", kind="housing_corporation"
        ),
    )

    vaart.refresh_from_db()
    assert response.status_code == 302
    assert (vaart.name, vaart.is_active) == ("Woonstichting De Vaart", False)


def test_organisation_edit_is_forbidden_without_manage_partners(clerk_client, vaart):
    response = clerk_client.post(
        f"/partners/organisations/{vaart.pk}/edit/",
        organisation_form(name="Gekaapt", slug="de-vaart", kind="housing_corporation"),
    )

    vaart.refresh_from_db()
    assert response.status_code == 403
    assert vaart.name == "De Vaart"


def test_organisation_detail_of_a_missing_organisation_is_not_found(manager_client):
    assert manager_client.get("/partners/organisations/987654/").status_code == 404


def test_organisation_detail_lists_the_members(manager_client, vaart):
    MembershipFactory(
        organisation=vaart,
        user=UserFactory(username="ann", first_name="Ann", last_name="de Boer"),
        job_title="Wijkbeheerder",
        roles=[Role.objects.get(slug="intake")],
    )

    response = manager_client.get(f"/partners/organisations/{vaart.pk}/")

    assert response.status_code == 200
    assert "Ann de Boer" in text(response)
    assert "Intake meldingen" in text(response)
    assert "Leden van De Vaart" in text(response)


# --- memberships --------------------------------------------------------------------------


def membership_form(**changes):
    data = {
        "person": "",
        "username": "ann",
        "first_name": "Ann",
        "last_name": "de Boer",
        "email": "ann@example.org",
        "roles": [],
        "mandate_level": "tactical",
        "may_decide_on": "Kleine reparaties",
        "job_title": "Wijkbeheerder",
        "work_phone": "010-5550101",
        "work_email": "ann@de-vaart.example.org",
    }
    data.update(changes)
    return data


def test_membership_create_makes_a_new_person_a_member(manager_client, vaart):
    intake = Role.objects.get(slug="intake")

    response = manager_client.post(
        f"/partners/organisations/{vaart.pk}/members/new/", membership_form(roles=[intake.pk])
    )

    membership = Membership.objects.get(user__username="ann")
    assert response.status_code == 302
    assert response["Location"] == f"/partners/organisations/{vaart.pk}/"
    assert (membership.organisation, membership.mandate_level, membership.work_phone) == (
        vaart,
        "tactical",
        "010-5550101",
    )
    assert list(membership.roles.all()) == [intake]
    assert membership.user.email == "ann@example.org"
    assert AuditEntry.objects.filter(object_type="partners.membership").count() == 1


def test_membership_create_can_pick_an_existing_person(manager_client, vaart):
    person = UserFactory(username="bob")

    response = manager_client.post(
        f"/partners/organisations/{vaart.pk}/members/new/",
        membership_form(person=person.pk, username="", email="", first_name="", last_name=""),
    )

    assert response.status_code == 302
    assert Membership.objects.get(user=person).organisation == vaart


def test_membership_create_needs_a_person(manager_client, vaart):
    users_before = User.objects.count()

    response = manager_client.post(
        f"/partners/organisations/{vaart.pk}/members/new/", membership_form(username="")
    )

    assert response.status_code == 200
    assert "Kies een bestaande persoon of vul een gebruikersnaam in voor een nieuwe." in text(
        response
    )
    assert User.objects.count() == users_before


def test_membership_create_creates_no_person_when_the_membership_is_refused(manager_client, vaart):
    police_role = Role.objects.create(name="Agent", slug="agent", organisation_kinds=["police"])
    users_before = User.objects.count()

    response = manager_client.post(
        f"/partners/organisations/{vaart.pk}/members/new/",
        membership_form(roles=[police_role.pk]),
    )

    assert response.status_code == 200
    assert User.objects.count() == users_before
    assert Membership.objects.filter(user__username="ann").count() == 0


def test_membership_create_refuses_an_over_long_job_title(manager_client, vaart):
    response = manager_client.post(
        f"/partners/organisations/{vaart.pk}/members/new/", membership_form(job_title="x" * 121)
    )

    assert response.status_code == 200
    assert "Zorg dat deze waarde niet meer dan 120 tekens bevat (het zijn er nu 121)." in text(
        response
    )
    assert User.objects.filter(username="ann").count() == 0


def test_membership_create_is_forbidden_without_manage_partners(clerk_client, vaart):
    response = clerk_client.post(
        f"/partners/organisations/{vaart.pk}/members/new/", membership_form()
    )

    assert response.status_code == 403
    assert User.objects.filter(username="ann").count() == 0


def test_membership_edit_saves_roles_and_mandate(manager_client, vaart):
    membership = MembershipFactory(organisation=vaart, job_title="Stagiair")
    boa = Role.objects.get(slug="boa")

    response = manager_client.post(
        f"/partners/memberships/{membership.pk}/edit/",
        {
            "roles": [boa.pk],
            "mandate_level": "strategic",
            "may_decide_on": "Alles",
            "job_title": "Teamleider",
            "work_phone": "",
            "work_email": "",
        },
    )

    membership.refresh_from_db()
    assert response.status_code == 302
    assert (membership.job_title, membership.mandate_level, list(membership.roles.all())) == (
        "Teamleider",
        "strategic",
        [boa],
    )


def test_membership_edit_refuses_an_unknown_mandate_level(manager_client, vaart):
    membership = MembershipFactory(organisation=vaart, job_title="Stagiair")

    response = manager_client.post(
        f"/partners/memberships/{membership.pk}/edit/",
        {"mandate_level": "supreme", "job_title": "Baas"},
    )

    membership.refresh_from_db()
    assert response.status_code == 200
    assert "Selecteer een geldige keuze. supreme is geen beschikbare keuze." in text(response)
    assert membership.job_title == "Stagiair"


def test_membership_deactivate_ends_the_membership(manager_client, vaart):
    membership = MembershipFactory(organisation=vaart)

    confirm = manager_client.get(f"/partners/memberships/{membership.pk}/end/")
    response = manager_client.post(f"/partners/memberships/{membership.pk}/end/")

    assert confirm.status_code == 200
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).is_active is False


def test_membership_deactivate_of_the_own_membership_shows_the_refusal(manager_client, vaart):
    own = Membership.objects.get(user__username="boss")

    response = manager_client.post(f"/partners/memberships/{own.pk}/end/")

    assert response.status_code == 400
    assert "U kunt uw eigen lidmaatschap niet beëindigen." in text(response)
    assert Membership.objects.get(pk=own.pk).is_active is True


def test_membership_deactivate_is_forbidden_without_manage_partners(clerk_client, vaart):
    membership = MembershipFactory(organisation=vaart)

    response = clerk_client.post(f"/partners/memberships/{membership.pk}/end/")

    assert response.status_code == 403
    assert Membership.objects.get(pk=membership.pk).is_active is True


# --- roles -------------------------------------------------------------------------------


def test_role_list_shows_the_default_roles(manager_client):
    response = manager_client.get("/partners/roles/")

    assert response.status_code == 200
    assert "Woonfraude-onderzoeker" in text(response)
    assert "partners.view_directory" in text(response)


def test_role_create_with_the_permissions_checklist(manager_client):
    response = manager_client.post(
        "/partners/roles/new/",
        {
            "name": "Huismeester",
            "slug": "huismeester",
            "description": "",
            "organisation_kinds": ["housing_corporation"],
            "permissions_places": ["places.view_building"],
            "permissions_partners": ["partners.view_directory"],
        },
    )

    role = Role.objects.get(slug="huismeester")
    assert response.status_code == 302
    assert role.organisation_kinds == ["housing_corporation"]
    assert sorted(f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all()) == [
        "partners.view_directory",
        "places.view_building",
    ]


def test_role_create_refuses_a_forged_permission(manager_client):
    response = manager_client.post(
        "/partners/roles/new/",
        {"name": "Huismeester", "slug": "huismeester", "permissions_places": ["auth.add_user"]},
    )

    assert response.status_code == 200
    assert "Selecteer een geldige keuze. auth.add_user is geen beschikbare keuze." in text(response)
    assert Role.objects.filter(slug="huismeester").count() == 0


def test_role_edit_shows_the_current_permissions_checked(manager_client):
    role = Role.objects.get(slug="beveiliger")

    response = manager_client.get(f"/partners/roles/{role.pk}/edit/")

    assert response.status_code == 200
    assert re.search(r'value="places\.view_building"[^>]*checked', text(response))


def test_role_create_is_forbidden_without_manage_partners(clerk_client):
    response = clerk_client.post("/partners/roles/new/", {"name": "X", "slug": "x"})

    assert response.status_code == 403
    assert Role.objects.filter(slug="x").count() == 0


# --- agreements ----------------------------------------------------------------------------


def agreement_form(parties, **changes):
    data = {
        "title": "Convenant Veilige Wijk",
        "parties": [p.pk for p in parties],
        "purposes": "Overlast aanpakken",
        "data_categories": ["resident_identity"],
        "legal_basis": "Art. 6 lid 1 sub e AVG",
        "retention_days": "730",
        "valid_from": "2026-01-01",
        "valid_until": "",
    }
    data.update(changes)
    return data


def test_agreement_create_and_detail(manager_client, vaart):
    politie = OrganisationFactory(name="Politie")

    response = manager_client.post("/partners/agreements/new/", agreement_form([vaart, politie]))

    agreement = DataSharingAgreement.objects.get()
    assert response.status_code == 302
    detail = manager_client.get(response["Location"])
    assert "Bewoners: naam en adres" in text(detail)
    assert "730 dagen" in text(detail)
    assert set(agreement.parties.all()) == {vaart, politie}


def test_agreement_create_with_one_party_shows_a_dutch_error(manager_client, vaart):
    response = manager_client.post("/partners/agreements/new/", agreement_form([vaart]))

    assert response.status_code == 200
    assert "Een convenant heeft minstens twee partijen." in text(response)
    assert DataSharingAgreement.objects.count() == 0


def test_agreement_create_with_the_end_before_the_start_shows_a_dutch_error(manager_client, vaart):
    politie = OrganisationFactory(name="Politie")

    response = manager_client.post(
        "/partners/agreements/new/",
        agreement_form([vaart, politie], valid_until="2025-06-01"),
    )

    assert response.status_code == 200
    assert "De einddatum kan niet voor de begindatum liggen." in text(response)
    assert DataSharingAgreement.objects.count() == 0


def test_agreement_edit_saves_changes(manager_client, vaart):
    politie = OrganisationFactory(name="Politie")
    agreement = DataSharingAgreementFactory(parties=[vaart, politie])

    response = manager_client.post(
        f"/partners/agreements/{agreement.pk}/edit/",
        agreement_form([vaart, politie], retention_days="30"),
    )

    agreement.refresh_from_db()
    assert response.status_code == 302
    assert agreement.retention_days == 30


def test_agreement_pages_are_forbidden_without_manage_partners(clerk_client, vaart):
    politie = OrganisationFactory(name="Politie")

    assert clerk_client.get("/partners/agreements/").status_code == 403
    response = clerk_client.post("/partners/agreements/new/", agreement_form([vaart, politie]))
    assert response.status_code == 403
    assert DataSharingAgreement.objects.count() == 0


# --- API tokens ------------------------------------------------------------------------


def test_token_create_shows_the_key_once(manager_client, vaart):
    response = manager_client.post(
        f"/partners/organisations/{vaart.pk}/tokens/new/",
        {"name": "Woningsysteem", "user": "", "roles": [Role.objects.get(slug="wijkbeheerder").pk]},
    )

    token = ApiToken.objects.get()
    key = re.search(r"wr_[0-9a-f]{8}_[A-Za-z0-9_-]+", text(response)).group(0)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    listing = manager_client.get(f"/partners/organisations/{vaart.pk}/tokens/")
    assert "Woningsysteem" in text(listing)
    assert key not in text(listing)


def test_token_create_refuses_roles_for_an_existing_member(manager_client, vaart):
    boss = User.objects.get(username="boss")

    response = manager_client.post(
        f"/partners/organisations/{vaart.pk}/tokens/new/",
        {"name": "X", "user": boss.pk, "roles": [Role.objects.get(slug="boa").pk]},
    )

    assert response.status_code == 200
    assert "Rollen kiest u alleen voor een nieuw systeemaccount." in text(response)
    assert ApiToken.objects.count() == 0


def test_token_revoke(manager_client, vaart):
    manager_client.post(f"/partners/organisations/{vaart.pk}/tokens/new/", {"name": "X"})
    token = ApiToken.objects.get()

    response = manager_client.post(f"/partners/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_token_pages_are_forbidden_without_manage_partners(clerk_client, vaart):
    response = clerk_client.post(f"/partners/organisations/{vaart.pk}/tokens/new/", {"name": "X"})

    assert response.status_code == 403
    assert ApiToken.objects.count() == 0


def test_token_revoke_of_a_missing_token_is_not_found(manager_client):
    assert manager_client.post("/partners/tokens/987654/revoke/").status_code == 404


# --- directory -----------------------------------------------------------------------------


def test_directory_shows_people_roles_mandate_and_contact_route(clerk_client, vaart):
    politie = OrganisationFactory(
        name="Politie Rivierstad", kind="police", contact_route="Geen spoed: 010-5550500"
    )
    MembershipFactory(
        organisation=politie,
        user=UserFactory(username="linda", first_name="Linda", last_name="Mulder"),
        roles=[Role.objects.get(slug="wijkagent")],
        mandate_level="operational",
        may_decide_on="Inzet surveillance",
        work_phone="010-5550511",
    )
    MembershipFactory(
        organisation=politie,
        user=UserFactory(username="svc", first_name="Koppeling", last_name="Systeem"),
        is_service_account=True,
    )

    response = clerk_client.get("/partners/directory/")

    page = text(response)
    assert response.status_code == 200
    assert '<h1 class="utrecht-heading-1">Partnergids</h1>' in page
    assert "Linda Mulder" in page
    assert "Wijkagent" in page
    assert "Operationeel" in page
    assert "Mag beslissen over: Inzet surveillance" in page
    assert "Geen spoed: 010-5550500" in page
    assert "010-5550511" in page
    assert "Koppeling Systeem" not in page


def test_directory_is_forbidden_without_the_directory_permission(make_professional, login, vaart):
    client = login(make_professional("ann", organisation=vaart))

    assert client.get("/partners/directory/").status_code == 403


# --- every page renders; navigation; admin -------------------------------------------------


def test_every_management_page_renders_for_a_manager(manager_client, vaart):
    politie = OrganisationFactory(name="Politie")
    membership = MembershipFactory(organisation=vaart)
    agreement = DataSharingAgreementFactory(parties=[vaart, politie])
    manager_client.post(f"/partners/organisations/{vaart.pk}/tokens/new/", {"name": "X"})
    token = ApiToken.objects.get()
    role = Role.objects.get(slug="wijkbeheerder")
    urls = [
        "/partners/organisations/",
        "/partners/organisations/new/",
        f"/partners/organisations/{vaart.pk}/",
        f"/partners/organisations/{vaart.pk}/edit/",
        f"/partners/organisations/{vaart.pk}/members/new/",
        f"/partners/organisations/{vaart.pk}/tokens/",
        f"/partners/organisations/{vaart.pk}/tokens/new/",
        f"/partners/memberships/{membership.pk}/edit/",
        f"/partners/memberships/{membership.pk}/end/",
        f"/partners/tokens/{token.pk}/revoke/",
        "/partners/roles/",
        "/partners/roles/new/",
        f"/partners/roles/{role.pk}/edit/",
        "/partners/agreements/",
        "/partners/agreements/new/",
        f"/partners/agreements/{agreement.pk}/",
        f"/partners/agreements/{agreement.pk}/edit/",
        "/partners/directory/",
    ]

    statuses = {url: manager_client.get(url).status_code for url in urls}

    assert statuses == dict.fromkeys(urls, 200)


def test_pages_have_no_inline_styles_or_scripts(manager_client, vaart):
    for url in [
        "/partners/organisations/",
        f"/partners/organisations/{vaart.pk}/",
        "/partners/roles/new/",
    ]:
        page = text(manager_client.get(url))
        assert " style=" not in page
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []


def test_the_navigation_offers_the_partner_pages_by_permission(make_professional, login, vaart):
    manager = make_professional("boss", organisation=vaart, permissions=MANAGE)
    clerk = make_professional("clerk", organisation=vaart, permissions=["partners.view_directory"])

    manager_home = text(login(manager).get("/"))
    clerk_home = text(login(clerk).get("/"))

    assert 'href="/partners/organisations/"' in manager_home
    assert 'href="/partners/agreements/"' in manager_home
    # the entry follows the directory permission (the default administrator role has both)
    assert 'href="/partners/directory/"' not in manager_home
    assert 'href="/partners/organisations/"' not in clerk_home
    assert 'href="/partners/directory/"' in clerk_home


def test_the_admin_creates_organisations_through_the_service(login, db):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = login(admin_user)

    response = client.post(
        "/django-admin/partners/organisation/add/",
        {"name": "Politie", "slug": "politie", "kind": "police", "is_active": "on"},
    )

    assert response.status_code == 302
    assert Organisation.objects.get(slug="politie").kind == "police"
    assert client.get("/django-admin/partners/membership/").status_code == 200


def test_the_pages_switch_to_english(manager_client):
    manager_client.cookies["wijkregie_language"] = "en"

    response = manager_client.get("/partners/organisations/")

    assert '<h1 class="utrecht-heading-1">Organisations</h1>' in text(response)
    assert "Housing corporation" in text(response)
