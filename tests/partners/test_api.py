from django.contrib.auth import get_user_model

import pytest

from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory
from wijkregie.core.access import system_viewer
from wijkregie.partners import services
from wijkregie.partners.models import Membership, Organisation, OrganisationKind, Role

User = get_user_model()
MEMBERSHIPS = "/api/v1/partners/memberships/"
ORGANISATIONS = "/api/v1/partners/organisations/"
MANAGE = ["partners.manage_partners"]
NEW = {"username": "x", "email": "x@example.org"}


@pytest.fixture
def vaart(db):
    return OrganisationFactory(name="De Vaart", slug="de-vaart")


@pytest.fixture
def politie(db):
    return OrganisationFactory(name="Politie", slug="politie", kind=OrganisationKind.POLICE)


@pytest.fixture
def agent(politie):
    return MembershipFactory(
        organisation=politie,
        user=UserFactory(username="linda", first_name="Linda", last_name="Mulder"),
        roles=[Role.objects.get(slug="wijkagent")],
        job_title="Wijkagent",
        work_phone="010-5550511",
    )


def token_for(organisation, *, roles=(), user=None) -> str:
    _token, key = services.api_token_create(
        actor=system_viewer(), organisation=organisation, name="Koppeling", roles=roles, user=user
    )
    return key


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def test_organisations_are_listed_for_a_verified_professional(
    make_professional, login, vaart, politie
):
    OrganisationFactory(name="Opgeheven", is_active=False)
    client = login(make_professional("ann", organisation=vaart))

    response = client.get(ORGANISATIONS)

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert [o["slug"] for o in response.json()["results"]] == ["de-vaart", "politie"]
    assert response.json()["results"][1] == {
        "id": politie.pk,
        "name": "Politie",
        "slug": "politie",
        "kind": "police",
        "contact_route": "",
        "email": "",
        "phone": "",
        "is_active": True,
    }


def test_the_api_refuses_an_anonymous_caller(client, vaart):
    response = client.get(ORGANISATIONS)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_membership_is_directory_data(make_professional, login, vaart, agent):
    client = login(
        make_professional("ann", organisation=vaart, permissions=["partners.view_directory"])
    )

    response = client.get(f"{MEMBERSHIPS}{agent.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": agent.pk,
        "organisation": {"id": agent.organisation_id, "name": "Politie", "slug": "politie"},
        "person": {
            "id": agent.user_id,
            "first_name": "Linda",
            "last_name": "Mulder",
            "full_name": "Linda Mulder",
        },
        "roles": [{"slug": "wijkagent", "name": "Wijkagent"}],
        "job_title": "Wijkagent",
        "mandate_level": "operational",
        "may_decide_on": "",
        "work_phone": "010-5550511",
        "work_email": "",
        "is_active": True,
    }


def test_memberships_filter_by_organisation(make_professional, login, vaart, politie, agent):
    client = login(
        make_professional("ann", organisation=vaart, permissions=["partners.view_directory"])
    )

    response = client.get(MEMBERSHIPS, {"organisation": politie.pk})

    assert response.status_code == 200
    assert [m["person"]["full_name"] for m in response.json()["results"]] == ["Linda Mulder"]


def test_memberships_refuse_a_malformed_filter(make_professional, login, vaart):
    client = login(make_professional("ann", organisation=vaart))

    response = client.get(MEMBERSHIPS, {"organisation": "abc"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["organisation"]


def test_a_token_of_one_organisation_does_not_see_another_organisations_people(
    client, make_professional, vaart, politie, agent
):
    # Ann has the directory in Politie, not in De Vaart: her De Vaart token acts for De Vaart.
    ann = make_professional("ann", organisation=vaart)
    MembershipFactory(user=ann, organisation=politie, roles=[Role.objects.get(slug="bemiddelaar")])
    key = token_for(vaart, user=ann)

    listed = client.get(MEMBERSHIPS, **auth(key))
    foreign = client.get(f"{MEMBERSHIPS}{agent.pk}/", **auth(key))

    assert listed.status_code == 200
    assert [m["organisation"]["slug"] for m in listed.json()["results"]] == ["de-vaart"]
    assert foreign.status_code == 404
    assert foreign["Content-Type"] == "application/problem+json"


def test_a_token_of_one_organisation_cannot_write_as_another(
    client, make_professional, login, vaart, politie
):
    # Bob manages partners through his Politie membership, not through De Vaart.
    bob = make_professional("bob", organisation=vaart)
    MembershipFactory(user=bob, organisation=politie, roles=[Role.objects.get(slug="beheerder")])
    key = token_for(vaart, user=bob)
    person = UserFactory(username="new")
    payload = {"organisation": politie.pk, "user": person.pk, "roles": ["wijkagent"]}

    refused = client.post(MEMBERSHIPS, payload, content_type="application/json", **auth(key))

    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert Membership.objects.filter(user=person).count() == 0
    accepted = login(bob).post(MEMBERSHIPS, payload, content_type="application/json")
    assert accepted.status_code == 201


def test_a_managing_token_writes_for_its_own_organisation_only(client, vaart, politie):
    key = token_for(vaart, roles=["beheerder"])
    person = UserFactory(username="new")

    own = client.post(
        MEMBERSHIPS,
        {"organisation": vaart.pk, "user": person.pk, "job_title": "Huismeester"},
        content_type="application/json",
        **auth(key),
    )
    other = client.post(
        MEMBERSHIPS,
        {"organisation": politie.pk, "user": person.pk},
        content_type="application/json",
        **auth(key),
    )

    assert own.status_code == 201
    assert own.json()["job_title"] == "Huismeester"
    assert other.status_code == 403
    assert list(
        Membership.objects.filter(user=person).values_list("organisation__slug", flat=True)
    ) == ["de-vaart"]


def test_a_revoked_token_is_refused(client, vaart):
    token, key = services.api_token_create(
        actor=system_viewer(), organisation=vaart, name="Oud", roles=["bemiddelaar"]
    )
    assert client.get(ORGANISATIONS, **auth(key)).status_code == 200
    services.api_token_revoke(actor=system_viewer(), token=token)

    response = client.get(ORGANISATIONS, **auth(key))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_forged_token_is_refused(client, vaart):
    key = token_for(vaart)

    response = client.get(ORGANISATIONS, **auth(key[:-2] + "xx"))

    assert response.status_code == 401


def test_membership_create_with_a_new_person(make_professional, login, vaart):
    client = login(
        make_professional("boss", organisation=vaart, permissions=["partners.manage_partners"])
    )

    response = client.post(
        MEMBERSHIPS,
        {
            "organisation": vaart.pk,
            "username": "ann",
            "email": "ann@example.org",
            "first_name": "Ann",
            "last_name": "de Boer",
            "roles": ["wijkbeheerder", "intake"],
            "mandate_level": "tactical",
        },
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["person"]["full_name"], body["mandate_level"]) == ("Ann de Boer", "tactical")
    assert [r["slug"] for r in body["roles"]] == ["intake", "wijkbeheerder"]
    assert User.objects.get(username="ann").has_usable_password() is False


def test_membership_create_is_refused_without_manage_partners(make_professional, login, vaart):
    client = login(make_professional("ann", organisation=vaart))
    person = UserFactory(username="new")

    response = client.post(
        MEMBERSHIPS, {"organisation": vaart.pk, "user": person.pk}, content_type="application/json"
    )

    assert response.status_code == 403
    assert Membership.objects.filter(user=person).count() == 0


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"organisation": 987654, **NEW}, ["organisation"]),
        (NEW, ["organisation"]),
        ({"organisation": "VAART", **NEW}, ["organisation"]),
        ({"organisation": "{vaart}", **NEW, "mandate_level": "supreme"}, ["mandate_level"]),
        ({"organisation": "{vaart}", **NEW, "job_title": "x" * 121}, ["job_title"]),
        ({"organisation": "{vaart}", "email": "x@example.org"}, ["non_field_errors"]),
        ({"organisation": "{vaart}", **NEW, "roles": "intake"}, ["roles"]),
    ],
)
def test_membership_create_refuses_invalid_input(make_professional, login, vaart, payload, fields):
    client = login(make_professional("boss", organisation=vaart, permissions=MANAGE))
    payload = {k: vaart.pk if v == "{vaart}" else v for k, v in payload.items()}
    memberships_before = Membership.objects.count()

    response = client.post(MEMBERSHIPS, payload, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert sorted(response.json()["errors"]) == fields
    assert Membership.objects.count() == memberships_before
    assert User.objects.filter(username="x").count() == 0


def test_membership_create_shows_a_services_refusal_as_a_problem(make_professional, login, vaart):
    client = login(
        make_professional("boss", organisation=vaart, permissions=["partners.manage_partners"])
    )

    response = client.post(
        MEMBERSHIPS,
        {"organisation": vaart.pk, "username": "x", "email": "x@example.org", "roles": ["piraat"]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"roles": ["Onbekende rol: piraat."]}
    assert User.objects.filter(username="x").count() == 0


def test_membership_update(make_professional, login, vaart):
    client = login(
        make_professional("boss", organisation=vaart, permissions=["partners.manage_partners"])
    )
    membership = MembershipFactory(organisation=vaart, job_title="Stagiair")

    response = client.patch(
        f"{MEMBERSHIPS}{membership.pk}/",
        {"job_title": "Wijkbeheerder", "roles": ["intake"]},
        content_type="application/json",
    )

    membership.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["roles"] == [{"slug": "intake", "name": "Intake meldingen"}]
    assert membership.job_title == "Wijkbeheerder"


def test_membership_update_is_refused_without_manage_partners(make_professional, login, vaart):
    client = login(make_professional("ann", organisation=vaart))
    membership = MembershipFactory(organisation=vaart, job_title="Stagiair")

    response = client.patch(
        f"{MEMBERSHIPS}{membership.pk}/", {"job_title": "Baas"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert Membership.objects.get(pk=membership.pk).job_title == "Stagiair"


def test_organisation_create_and_update(make_professional, login, vaart):
    client = login(
        make_professional("boss", organisation=vaart, permissions=["partners.manage_partners"])
    )

    created = client.post(
        ORGANISATIONS,
        {"name": "Politie Rivierstad", "slug": "politie-rivierstad", "kind": "police"},
        content_type="application/json",
    )
    organisation = Organisation.objects.get(slug="politie-rivierstad")
    changed = client.patch(
        f"{ORGANISATIONS}{organisation.pk}/",
        {"contact_route": "Bel 010-5550500"},
        content_type="application/json",
    )

    assert created.status_code == 201
    assert changed.status_code == 200
    assert changed.json()["contact_route"] == "Bel 010-5550500"
    assert Organisation.objects.get(pk=organisation.pk).contact_route == "Bel 010-5550500"


def test_organisation_create_refuses_a_taken_slug(make_professional, login, vaart):
    client = login(
        make_professional("boss", organisation=vaart, permissions=["partners.manage_partners"])
    )

    response = client.post(
        ORGANISATIONS,
        {"name": "Andere", "slug": "de-vaart", "kind": "police"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["slug"]
    assert Organisation.objects.count() == 1


def test_organisation_create_is_refused_without_manage_partners(make_professional, login, vaart):
    client = login(make_professional("ann", organisation=vaart))

    response = client.post(
        ORGANISATIONS, {"name": "X", "slug": "x", "kind": "police"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert Organisation.objects.filter(slug="x").count() == 0


def test_the_schema_describes_the_partner_endpoints_without_warnings(db):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    views = (
        "OrganisationListApi",
        "OrganisationDetailApi",
        "MembershipListApi",
        "MembershipDetailApi",
    )
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    problems = [
        msg
        for msg in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if any(f"[{view}" in msg for view in views) or "OrganisationToken" in msg
    ]

    paths = sorted(p for p in schema["paths"] if p.startswith("/api/v1/partners/"))
    assert paths == [
        "/api/v1/partners/memberships/",
        "/api/v1/partners/memberships/{id}/",
        "/api/v1/partners/organisations/",
        "/api/v1/partners/organisations/{id}/",
    ]
    assert problems == []
    assert schema["components"]["securitySchemes"]["organisationToken"]["type"] == "apiKey"
