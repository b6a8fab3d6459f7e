import pytest

from wijkregie.partners.models import Membership


@pytest.fixture
def manager(make_professional, organisation):
    user = make_professional(
        "wijkbeheerder",
        organisation=organisation,
        permissions=["core.view_auditentry"],
        mandate="tactical",
    )
    membership = Membership.objects.get(user=user)
    membership.may_decide_on = "Small repairs up to EUR 500."
    membership.save(update_fields=["may_decide_on"])
    return user


def test_home_shows_organisations_roles_mandate_and_where_to_go(client, manager):
    client.force_login(manager)

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["memberships"] == [
        {
            "organisation": "Woonstichting De Vaart",
            "roles": ["role of wijkbeheerder"],
            "mandate": "Tactisch",
            "may_decide_on": "Small repairs up to EUR 500.",
        }
    ]
    html = response.content.decode()
    assert '<h3 class="utrecht-heading-3" id="wr-home-org-1">Woonstichting De Vaart</h3>' in html
    assert "<dd>role of wijkbeheerder</dd>" in html
    assert "<dd>Tactisch</dd>" in html
    assert '<a class="utrecht-link utrecht-link-list__link" href="/audit/">Audittrail</a>' in html
    assert 'href="/api/docs/"' in html


def test_home_tells_a_person_without_organisation_what_to_do(client, django_user_model):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = django_user_model.objects.create_user(username="new", password="x-test-password-1")
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)

    response = client.get("/")

    html = response.content.decode()
    assert response.context["memberships"] == []
    assert "U bent nog geen lid van een organisatie." in html
    assert '<a class="utrecht-link utrecht-link-list__link" href="/audit/">' not in html


def test_home_has_one_h1_and_labelled_sections(client, manager):
    client.force_login(manager)

    html = client.get("/").content.decode()

    assert html.count("<h1 ") == 1
    assert html.count('<section aria-labelledby="wr-home-') == 3
