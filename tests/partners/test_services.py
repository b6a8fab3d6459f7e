import datetime
import hashlib

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import translation

import pytest

from tests.partners.factories import (
    DataSharingAgreementFactory,
    MembershipFactory,
    OrganisationFactory,
    RoleFactory,
    UserFactory,
)
from wijkregie.core.access import system_viewer
from wijkregie.core.exceptions import ApplicationError, PermissionDenied
from wijkregie.core.models import AuditEntry
from wijkregie.partners import services
from wijkregie.partners.models import (
    ApiToken,
    DataSharingAgreement,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from wijkregie.partners.selectors import viewer_for

User = get_user_model()
MANAGE = ["partners.manage_partners"]


@pytest.fixture(autouse=True)
def _english():
    """Services' messages are asserted by their msgids; the pages' tests check the Dutch."""
    with translation.override("en"):
        yield


@pytest.fixture
def org(db):
    return OrganisationFactory(name="De Vaart", slug="de-vaart")


@pytest.fixture
def manager(make_professional, org):
    return viewer_for(make_professional("boss", organisation=org, permissions=MANAGE))


@pytest.fixture
def outsider(make_professional, org):
    return viewer_for(
        make_professional("clerk", organisation=org, permissions=["partners.view_directory"])
    )


def membership_audit():
    return list(
        AuditEntry.objects.filter(object_type="partners.membership")
        .order_by("id")
        .values_list("action", "object_ids", "fields")
    )


# --- organisations ---------------------------------------------------------------------


def test_organisation_create_stores_the_organisation(manager):
    org = services.organisation_create(
        actor=manager,
        name="Gemeente Rivierstad",
        slug="gemeente-rivierstad",
        kind=OrganisationKind.MUNICIPALITY,
        contact_route="Bel 010-0000000",
        email="wijk@example.org",
        phone="010-0000000",
    )

    stored = Organisation.objects.get(slug="gemeente-rivierstad")
    assert stored.pk == org.pk
    assert (stored.name, stored.kind, stored.contact_route, stored.email, stored.phone) == (
        "Gemeente Rivierstad",
        "municipality",
        "Bel 010-0000000",
        "wijk@example.org",
        "010-0000000",
    )
    assert stored.is_active is True


def test_organisation_create_is_refused_without_manage_partners(outsider):
    with pytest.raises(PermissionDenied):
        services.organisation_create(
            actor=outsider, name="Politie", slug="politie", kind=OrganisationKind.POLICE
        )

    assert Organisation.objects.filter(slug="politie").count() == 0


def test_organisation_create_by_the_system_needs_no_membership(db):
    services.organisation_create(
        actor=system_viewer(), name="Politie", slug="politie", kind=OrganisationKind.POLICE
    )

    assert Organisation.objects.filter(slug="politie").count() == 1


def test_organisation_create_refuses_a_taken_slug(manager, org):
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(
            actor=manager, name="Andere naam", slug="de-vaart", kind=OrganisationKind.OTHER
        )

    assert list(exc.value.message_dict) == ["slug"]
    assert Organisation.objects.count() == 1


def test_organisation_create_refuses_an_unknown_kind(manager):
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(actor=manager, name="X", slug="x", kind="pirates")

    assert list(exc.value.message_dict) == ["kind"]
    assert Organisation.objects.filter(slug="x").count() == 0


def test_organisation_update_changes_only_the_given_fields(manager, org):
    services.organisation_update(
        actor=manager, organisation=org, contact_route="Wijkbalie", is_active=False
    )

    org.refresh_from_db()
    assert (org.name, org.contact_route, org.is_active) == ("De Vaart", "Wijkbalie", False)


def test_organisation_update_is_refused_without_manage_partners(outsider, org):
    with pytest.raises(PermissionDenied):
        services.organisation_update(actor=outsider, organisation=org, name="Overgenomen")

    org.refresh_from_db()
    assert org.name == "De Vaart"


def test_organisation_update_refuses_an_over_long_name(manager, org):
    with pytest.raises(ValidationError) as exc:
        services.organisation_update(actor=manager, organisation=org, name="x" * 201)

    assert list(exc.value.message_dict) == ["name"]
    assert Organisation.objects.get(pk=org.pk).name == "De Vaart"


# --- professionals -------------------------------------------------------------------------


def test_professional_create_without_password_has_an_unusable_one(manager):
    user = services.professional_create(
        actor=manager,
        username="ann",
        email="ann@example.org",
        first_name="Ann",
        last_name="de Boer",
    )

    stored = User.objects.get(username="ann")
    assert stored.pk == user.pk
    assert (stored.email, stored.first_name, stored.last_name) == (
        "ann@example.org",
        "Ann",
        "de Boer",
    )
    assert stored.has_usable_password() is False
    entry = AuditEntry.objects.get(object_type="auth.user")
    assert (entry.action, entry.object_ids, entry.fields, entry.actor_label) == (
        "create",
        [str(user.pk)],
        ["email", "first_name", "last_name", "username"],
        "boss",
    )


def test_professional_create_with_a_password_sets_it(manager):
    user = services.professional_create(
        actor=manager, username="ann", email="ann@example.org", password="lange-wachtzin-2026"
    )

    assert User.objects.get(pk=user.pk).check_password("lange-wachtzin-2026") is True


def test_professional_create_refuses_a_weak_password(manager):
    with pytest.raises(ValidationError) as exc:
        services.professional_create(
            actor=manager, username="ann", email="ann@example.org", password="12345"
        )

    assert list(exc.value.message_dict) == ["password"]
    assert User.objects.filter(username="ann").count() == 0


def test_professional_create_refuses_an_e_mail_address_in_use(manager):
    UserFactory(username="bob", email="Shared@Example.org")

    with pytest.raises(ValidationError) as exc:
        services.professional_create(actor=manager, username="ann", email="shared@example.org")

    assert exc.value.message_dict == {"email": ["Another person already uses this e-mail address."]}
    assert User.objects.filter(username="ann").count() == 0


def test_professional_create_refuses_a_missing_e_mail_address(manager):
    with pytest.raises(ValidationError) as exc:
        services.professional_create(actor=manager, username="ann", email="")

    assert "email" in exc.value.message_dict
    assert User.objects.filter(username="ann").count() == 0


def test_professional_create_refuses_a_taken_username(manager):
    with pytest.raises(ValidationError) as exc:
        services.professional_create(actor=manager, username="boss", email="new@example.org")

    assert list(exc.value.message_dict) == ["username"]
    assert User.objects.filter(email="new@example.org").count() == 0


def test_professional_create_is_refused_without_manage_partners(outsider):
    with pytest.raises(PermissionDenied):
        services.professional_create(actor=outsider, username="ann", email="ann@example.org")

    assert User.objects.filter(username="ann").count() == 0
    assert AuditEntry.objects.count() == 0


# --- memberships --------------------------------------------------------------------------


def test_membership_create_gives_roles_and_mandate_and_is_audited(manager, org):
    person = UserFactory(username="ann")
    intake = Role.objects.get(slug="intake")
    wijkbeheerder = Role.objects.get(slug="wijkbeheerder")

    membership = services.membership_create(
        actor=manager,
        organisation=org,
        user=person,
        roles=["wijkbeheerder", intake],
        job_title="Wijkbeheerder",
        mandate_level="tactical",
        may_decide_on="Kleine reparaties tot 500 euro",
        work_email="ann@example.org",
    )

    stored = Membership.objects.get(user=person, organisation=org)
    assert stored.pk == membership.pk
    assert set(stored.roles.all()) == {intake, wijkbeheerder}
    assert (stored.mandate_level, stored.may_decide_on, stored.job_title, stored.work_phone) == (
        "tactical",
        "Kleine reparaties tot 500 euro",
        "Wijkbeheerder",
        "",
    )
    assert membership_audit() == [
        (
            "create",
            [str(membership.pk)],
            sorted(
                [
                    "organisation",
                    "user",
                    "mandate_level",
                    "job_title",
                    "may_decide_on",
                    "work_email",
                    "roles",
                ]
            ),
        )
    ]
    entry = AuditEntry.objects.get(object_type="partners.membership")
    assert (entry.context_type, entry.context_id, entry.context_label) == (
        "partners.organisation",
        str(org.pk),
        "De Vaart",
    )


def test_membership_create_is_refused_without_manage_partners(outsider, org):
    person = UserFactory(username="ann")

    with pytest.raises(PermissionDenied):
        services.membership_create(actor=outsider, organisation=org, user=person)

    assert Membership.objects.filter(user=person).count() == 0
    assert membership_audit() == []


def test_membership_create_refuses_a_second_membership_of_the_same_person(manager, org):
    person = UserFactory(username="ann")
    MembershipFactory(user=person, organisation=org, is_active=False)

    with pytest.raises(ApplicationError) as exc:
        services.membership_create(actor=manager, organisation=org, user=person)

    assert exc.value.message == f"{person.get_full_name()} is already a member of De Vaart."
    assert Membership.objects.filter(user=person).count() == 1


def test_membership_create_refuses_an_unknown_role(manager, org):
    person = UserFactory(username="ann")

    with pytest.raises(ValidationError) as exc:
        services.membership_create(
            actor=manager, organisation=org, user=person, roles=["intake", "piraat"]
        )

    assert exc.value.message_dict == {"roles": ["Unknown role: piraat."]}
    assert Membership.objects.filter(user=person).count() == 0


def test_membership_create_refuses_a_role_meant_for_another_kind(manager, org):
    person = UserFactory(username="ann")
    RoleFactory(name="Agent", slug="agent", organisation_kinds=["police"])

    with pytest.raises(ValidationError) as exc:
        services.membership_create(actor=manager, organisation=org, user=person, roles=["agent"])

    assert exc.value.message_dict == {"roles": ["Not meant for this kind of organisation: Agent."]}
    assert Membership.objects.filter(user=person).count() == 0


def test_membership_create_accepts_a_role_meant_for_the_kind(manager, org):
    person = UserFactory(username="ann")
    role = RoleFactory(slug="huurders", organisation_kinds=["housing_corporation"])

    membership = services.membership_create(
        actor=manager, organisation=org, user=person, roles=[role]
    )

    assert list(membership.roles.all()) == [role]


def test_membership_create_refuses_an_inactive_organisation(manager):
    closed = OrganisationFactory(is_active=False)
    person = UserFactory(username="ann")

    with pytest.raises(ApplicationError) as exc:
        services.membership_create(actor=manager, organisation=closed, user=person)

    assert exc.value.message == "This organisation is no longer active."
    assert Membership.objects.filter(user=person).count() == 0


def test_membership_create_refuses_an_unknown_mandate_level(manager, org):
    person = UserFactory(username="ann")

    with pytest.raises(ValidationError) as exc:
        services.membership_create(
            actor=manager, organisation=org, user=person, mandate_level="supreme"
        )

    assert list(exc.value.message_dict) == ["mandate_level"]
    assert Membership.objects.filter(user=person).count() == 0


def test_membership_update_records_the_changed_fields(manager, org):
    membership = MembershipFactory(organisation=org, job_title="Stagiair")

    services.membership_update(
        actor=manager,
        membership=membership,
        job_title="Wijkbeheerder",
        mandate_level="operational",  # unchanged: not recorded
        roles=["intake"],
    )

    membership.refresh_from_db()
    assert membership.job_title == "Wijkbeheerder"
    assert [r.slug for r in membership.roles.all()] == ["intake"]
    assert membership_audit() == [("update", [str(membership.pk)], ["job_title", "roles"])]


def test_membership_update_that_changes_nothing_records_nothing(manager, org):
    membership = MembershipFactory(organisation=org, job_title="Stagiair")

    services.membership_update(actor=manager, membership=membership, job_title="Stagiair", roles=[])

    assert membership_audit() == []


def test_membership_update_is_refused_without_manage_partners(outsider, org):
    membership = MembershipFactory(organisation=org, job_title="Stagiair")

    with pytest.raises(PermissionDenied):
        services.membership_update(actor=outsider, membership=membership, job_title="Baas")

    membership.refresh_from_db()
    assert membership.job_title == "Stagiair"
    assert membership_audit() == []


def test_membership_update_refuses_an_over_long_job_title(manager, org):
    membership = MembershipFactory(organisation=org, job_title="Stagiair")

    with pytest.raises(ValidationError) as exc:
        services.membership_update(actor=manager, membership=membership, job_title="x" * 121)

    assert list(exc.value.message_dict) == ["job_title"]
    assert Membership.objects.get(pk=membership.pk).job_title == "Stagiair"
    assert membership_audit() == []


def test_membership_deactivate_ends_the_membership(manager, org):
    membership = MembershipFactory(organisation=org)

    services.membership_deactivate(actor=manager, membership=membership)

    assert Membership.objects.get(pk=membership.pk).is_active is False
    assert membership_audit() == [("update", [str(membership.pk)], ["is_active"])]


def test_membership_deactivate_refuses_an_ended_membership(manager, org):
    membership = MembershipFactory(organisation=org, is_active=False)

    with pytest.raises(ApplicationError) as exc:
        services.membership_deactivate(actor=manager, membership=membership)

    assert exc.value.message == "This membership has already ended."
    assert membership_audit() == []


def test_membership_deactivate_refuses_the_actors_own_membership(manager, org):
    own = Membership.objects.get(user__username="boss")

    with pytest.raises(ApplicationError) as exc:
        services.membership_deactivate(actor=manager, membership=own)

    assert exc.value.message == "You cannot end your own membership."
    assert Membership.objects.get(pk=own.pk).is_active is True


def test_membership_deactivate_is_refused_without_manage_partners(outsider, org):
    membership = MembershipFactory(organisation=org)

    with pytest.raises(PermissionDenied):
        services.membership_deactivate(actor=outsider, membership=membership)

    assert Membership.objects.get(pk=membership.pk).is_active is True


def test_a_token_manages_memberships_of_its_own_organisation_only(make_professional, org):
    other = OrganisationFactory(name="Oostwaard")
    user = make_professional("system", organisation=org, permissions=MANAGE)
    token, _key = services.api_token_create(
        actor=system_viewer(), organisation=org, name="ERP", user=user
    )
    token_viewer = viewer_for(user, token=token)

    with pytest.raises(PermissionDenied):
        services.membership_create(
            actor=token_viewer, organisation=other, user=UserFactory(username="ann")
        )
    services.membership_create(
        actor=token_viewer, organisation=org, user=UserFactory(username="bob")
    )

    assert list(Membership.objects.filter(organisation=other)) == []
    assert Membership.objects.filter(organisation=org, user__username="bob").count() == 1


# --- roles -------------------------------------------------------------------------------


def test_role_create_grants_the_given_permissions(manager):
    role = services.role_create(
        actor=manager,
        name="Huismeester",
        slug="huismeester",
        description="Beheert het complex",
        organisation_kinds=["housing_corporation"],
        permissions=["places.view_building", "partners.view_directory"],
    )

    stored = Role.objects.get(slug="huismeester")
    assert stored.pk == role.pk
    assert stored.organisation_kinds == ["housing_corporation"]
    assert {f"{p.content_type.app_label}.{p.codename}" for p in stored.permissions.all()} == {
        "places.view_building",
        "partners.view_directory",
    }


@pytest.mark.parametrize("code", ["places.fly_building", "auth.add_user", "nonsense"])
def test_role_create_refuses_a_permission_that_cannot_be_assigned(manager, code):
    with pytest.raises(ValidationError) as exc:
        services.role_create(
            actor=manager,
            name="Huismeester",
            slug="huismeester",
            permissions=["places.view_building", code],
        )

    assert exc.value.message_dict == {"permissions": [f"Unknown permission: {code}."]}
    assert Role.objects.filter(slug="huismeester").count() == 0


def test_role_create_refuses_an_unknown_organisation_kind(manager):
    with pytest.raises(ValidationError) as exc:
        services.role_create(
            actor=manager, name="Huismeester", slug="huismeester", organisation_kinds=["pirates"]
        )

    assert list(exc.value.message_dict) == ["organisation_kinds"]
    assert Role.objects.filter(slug="huismeester").count() == 0


def test_role_create_refuses_a_taken_name(manager):
    with pytest.raises(ValidationError) as exc:
        services.role_create(actor=manager, name="Wijkbeheerder", slug="wijkbeheerder-2")

    assert list(exc.value.message_dict) == ["name"]
    assert Role.objects.filter(slug="wijkbeheerder-2").count() == 0


def test_role_create_is_refused_without_manage_partners(outsider):
    with pytest.raises(PermissionDenied):
        services.role_create(actor=outsider, name="Huismeester", slug="huismeester")

    assert Role.objects.filter(slug="huismeester").count() == 0


def test_role_update_replaces_the_permissions(manager):
    role = services.role_create(
        actor=manager, name="Huismeester", slug="huismeester", permissions=["places.view_building"]
    )

    services.role_update(
        actor=manager,
        role=role,
        description="Nieuw",
        permissions=["residents.view_resident"],
    )

    role.refresh_from_db()
    assert role.description == "Nieuw"
    assert [f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all()] == [
        "residents.view_resident"
    ]


def test_role_update_is_refused_without_manage_partners(outsider):
    role = Role.objects.get(slug="beveiliger")

    with pytest.raises(PermissionDenied):
        services.role_update(actor=outsider, role=role, permissions=["partners.manage_partners"])

    assert sorted(p.codename for p in role.permissions.all()) == ["view_building", "visit_doors"]


# --- data-sharing agreements -----------------------------------------------------------------


@pytest.fixture
def parties(org):
    return [org, OrganisationFactory(name="Politie", kind=OrganisationKind.POLICE)]


def agreement_values(parties, **changes):
    values = {
        "title": "Convenant Veilige Wijk",
        "parties": parties,
        "purposes": "Overlast aanpakken",
        "data_categories": ["resident_identity"],
        "legal_basis": "Art. 6 lid 1 sub e AVG",
        "retention_days": 730,
        "valid_from": datetime.date(2026, 1, 1),
        "valid_until": datetime.date(2027, 12, 31),
    }
    values.update(changes)
    return values


def test_data_sharing_agreement_create_stores_it(manager, parties):
    agreement = services.data_sharing_agreement_create(actor=manager, **agreement_values(parties))

    stored = DataSharingAgreement.objects.get(pk=agreement.pk)
    assert set(stored.parties.all()) == set(parties)
    assert (stored.data_categories, stored.retention_days, stored.valid_until) == (
        ["resident_identity"],
        730,
        datetime.date(2027, 12, 31),
    )


def test_data_sharing_agreement_create_needs_two_parties(manager, parties):
    with pytest.raises(ValidationError) as exc:
        services.data_sharing_agreement_create(
            actor=manager, **agreement_values([parties[0], parties[0].pk])
        )

    assert exc.value.message_dict == {"parties": ["An agreement needs at least two parties."]}
    assert DataSharingAgreement.objects.count() == 0


def test_data_sharing_agreement_create_refuses_an_unknown_party(manager, parties):
    with pytest.raises(ValidationError) as exc:
        services.data_sharing_agreement_create(
            actor=manager, **agreement_values([parties[0], 987654])
        )

    assert exc.value.message_dict == {"parties": ["Unknown organisation."]}
    assert DataSharingAgreement.objects.count() == 0


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        ([], "This field cannot be blank."),
        (["resident_identity", "shoe_size"], "Unknown data category: shoe_size."),
    ],
)
def test_data_sharing_agreement_create_refuses_bad_categories(
    manager, parties, categories, message
):
    with pytest.raises(ValidationError) as exc:
        services.data_sharing_agreement_create(
            actor=manager, **agreement_values(parties, data_categories=categories)
        )

    assert exc.value.message_dict == {"data_categories": [message]}
    assert DataSharingAgreement.objects.count() == 0


def test_data_sharing_agreement_create_refuses_an_end_before_the_start(manager, parties):
    with pytest.raises(ValidationError) as exc:
        services.data_sharing_agreement_create(
            actor=manager, **agreement_values(parties, valid_until=datetime.date(2025, 12, 31))
        )

    assert exc.value.message_dict == {
        "valid_until": ["The end date cannot be before the start date."]
    }
    assert DataSharingAgreement.objects.count() == 0


def test_data_sharing_agreement_create_accepts_an_end_on_the_start(manager, parties):
    agreement = services.data_sharing_agreement_create(
        actor=manager, **agreement_values(parties, valid_until=datetime.date(2026, 1, 1))
    )

    assert agreement.valid_until == datetime.date(2026, 1, 1)


def test_data_sharing_agreement_create_refuses_zero_retention(manager, parties):
    with pytest.raises(ValidationError) as exc:
        services.data_sharing_agreement_create(
            actor=manager, **agreement_values(parties, retention_days=0)
        )

    assert exc.value.message_dict == {"retention_days": ["Keep data for at least one day."]}
    assert DataSharingAgreement.objects.count() == 0


def test_data_sharing_agreement_create_is_refused_without_manage_partners(outsider, parties):
    with pytest.raises(PermissionDenied):
        services.data_sharing_agreement_create(actor=outsider, **agreement_values(parties))

    assert DataSharingAgreement.objects.count() == 0


def test_data_sharing_agreement_update_changes_parties_and_categories(manager, parties):
    agreement = DataSharingAgreementFactory(parties=parties)
    third = OrganisationFactory(name="Gemeente")

    services.data_sharing_agreement_update(
        actor=manager,
        agreement=agreement,
        parties=[*parties, third],
        data_categories=["resident_identity", "resident_contact"],
        valid_until=datetime.date(2030, 1, 1),
    )

    agreement.refresh_from_db()
    assert set(agreement.parties.all()) == {*parties, third}
    assert agreement.data_categories == ["resident_identity", "resident_contact"]
    assert agreement.valid_until == datetime.date(2030, 1, 1)


def test_data_sharing_agreement_update_refuses_dropping_to_one_party(manager, parties):
    agreement = DataSharingAgreementFactory(parties=parties, title="Oud")

    with pytest.raises(ValidationError) as exc:
        services.data_sharing_agreement_update(
            actor=manager, agreement=agreement, parties=[parties[0]], title="Nieuw"
        )

    assert list(exc.value.message_dict) == ["parties"]
    stored = DataSharingAgreement.objects.get(pk=agreement.pk)
    assert (set(stored.parties.all()), stored.title) == (set(parties), "Oud")


def test_data_sharing_agreement_update_is_refused_without_manage_partners(outsider, parties):
    agreement = DataSharingAgreementFactory(parties=parties, retention_days=365)

    with pytest.raises(PermissionDenied):
        services.data_sharing_agreement_update(
            actor=outsider, agreement=agreement, retention_days=9999
        )

    assert DataSharingAgreement.objects.get(pk=agreement.pk).retention_days == 365


# --- API tokens ------------------------------------------------------------------------


def test_api_token_create_stores_only_the_hash_of_the_key(manager, org):
    token, key = services.api_token_create(
        actor=manager, organisation=org, name="Woningsysteem", roles=["wijkbeheerder"]
    )

    stored = ApiToken.objects.get(pk=token.pk)
    assert key.startswith(f"wr_{stored.prefix}_")
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    secret = key.split("_", 2)[2]
    stored_values = [str(v) for v in ApiToken.objects.filter(pk=token.pk).values().first().values()]
    assert [v for v in stored_values if key in v or secret in v] == []


def test_api_token_create_without_user_makes_a_service_account(manager, org):
    token, _key = services.api_token_create(
        actor=manager, organisation=org, name="Woningsysteem", roles=["wijkbeheerder"]
    )

    membership = Membership.objects.get(user=token.user)
    assert membership.organisation == org
    assert membership.is_service_account is True
    assert membership.job_title == "Woningsysteem"
    assert [r.slug for r in membership.roles.all()] == ["wijkbeheerder"]
    assert token.user.username == f"api-de-vaart-{token.prefix}"
    assert token.user.has_usable_password() is False


def test_api_token_create_for_an_existing_member(manager, org):
    member = MembershipFactory(organisation=org).user

    token, _key = services.api_token_create(
        actor=manager, organisation=org, name="Koppeling", user=member
    )

    assert token.user == member
    assert Membership.objects.filter(user=member).count() == 1


def test_api_token_create_refuses_a_user_who_is_no_member(manager, org):
    stranger = UserFactory(username="stranger")

    with pytest.raises(ValidationError) as exc:
        services.api_token_create(actor=manager, organisation=org, name="X", user=stranger)

    assert exc.value.message_dict == {
        "user": ["This person is not an active member of the organisation."]
    }
    assert ApiToken.objects.count() == 0


def test_api_token_create_refuses_an_unknown_role_before_creating_anything(manager, org):
    users_before = User.objects.count()

    with pytest.raises(ValidationError):
        services.api_token_create(actor=manager, organisation=org, name="X", roles=["piraat"])

    assert ApiToken.objects.count() == 0
    assert User.objects.count() == users_before


def test_api_token_create_is_refused_without_manage_partners(outsider, org):
    users_before = User.objects.count()

    with pytest.raises(PermissionDenied):
        services.api_token_create(actor=outsider, organisation=org, name="X")

    assert ApiToken.objects.count() == 0
    assert User.objects.count() == users_before


def test_api_token_revoke_revokes_once(manager, org):
    token, _key = services.api_token_create(actor=manager, organisation=org, name="X")

    services.api_token_revoke(actor=manager, token=token)

    revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at
    assert revoked_at is not None
    with pytest.raises(ApplicationError) as exc:
        services.api_token_revoke(actor=manager, token=token)
    assert exc.value.message == "This token has already been revoked."
    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at


def test_api_token_revoke_is_refused_without_manage_partners(manager, outsider, org):
    token, _key = services.api_token_create(actor=manager, organisation=org, name="X")

    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=outsider, token=token)

    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
