import datetime

import pytest

from tests.partners.factories import (
    DataSharingAgreementFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from wijkregie.core.access import ANONYMOUS, system_viewer
from wijkregie.core.exceptions import NotFound, PermissionDenied
from wijkregie.partners import selectors, services
from wijkregie.partners.models import OrganisationKind
from wijkregie.partners.selectors import viewer_for


@pytest.fixture
def vaart(db):
    return OrganisationFactory(name="De Vaart", slug="de-vaart")


@pytest.fixture
def politie(db):
    return OrganisationFactory(name="Politie", slug="politie", kind=OrganisationKind.POLICE)


@pytest.fixture
def gemeente(db):
    return OrganisationFactory(name="Gemeente", slug="gemeente", kind=OrganisationKind.MUNICIPALITY)


def usernames(memberships):
    return [m.user.username for m in memberships]


# --- organisations ---------------------------------------------------------------------


def test_organisation_list_hides_inactive_organisations_from_non_managers(
    make_professional, vaart, politie
):
    OrganisationFactory(name="Opgeheven", is_active=False)
    viewer = viewer_for(make_professional("ann", organisation=vaart))

    names = [o.name for o in selectors.organisation_list(viewer=viewer, include_inactive=True)]

    assert names == ["De Vaart", "Politie"]


def test_organisation_list_shows_inactive_ones_to_managers_who_ask(
    make_professional, vaart, politie
):
    OrganisationFactory(name="Opgeheven", is_active=False)
    viewer = viewer_for(
        make_professional("boss", organisation=vaart, permissions=["partners.manage_partners"])
    )

    assert [o.name for o in selectors.organisation_list(viewer=viewer)] == ["De Vaart", "Politie"]
    assert [o.name for o in selectors.organisation_list(viewer=viewer, include_inactive=True)] == [
        "De Vaart",
        "Opgeheven",
        "Politie",
    ]


def test_organisation_list_is_empty_for_anonymous_viewers(vaart):
    assert list(selectors.organisation_list(viewer=ANONYMOUS)) == []


def test_organisation_get_answers_not_found_for_missing_and_hidden_alike(make_professional, vaart):
    closed = OrganisationFactory(name="Opgeheven", is_active=False)
    viewer = viewer_for(make_professional("ann", organisation=vaart))

    assert selectors.organisation_get(viewer=viewer, id=vaart.pk) == vaart
    with pytest.raises(NotFound):
        selectors.organisation_get(viewer=viewer, id=closed.pk)
    with pytest.raises(NotFound):
        selectors.organisation_get(viewer=viewer, id=987654)


# --- memberships ---------------------------------------------------------------------------


@pytest.fixture
def people(vaart, politie):
    MembershipFactory(user=UserFactory(username="vaart-bea", last_name="B"), organisation=vaart)
    MembershipFactory(
        user=UserFactory(username="vaart-old", last_name="O"), organisation=vaart, is_active=False
    )
    MembershipFactory(
        user=UserFactory(username="vaart-svc", last_name="S"),
        organisation=vaart,
        is_service_account=True,
    )
    MembershipFactory(
        user=UserFactory(username="politie-piet", last_name="P"), organisation=politie
    )


def test_membership_list_shows_colleagues_only_without_the_directory(
    make_professional, vaart, people
):
    viewer = viewer_for(make_professional("ann", organisation=vaart))

    assert usernames(selectors.membership_list(viewer=viewer)) == ["ann", "vaart-bea"]


def test_membership_list_shows_everyone_active_with_the_directory(make_professional, vaart, people):
    viewer = viewer_for(
        make_professional("ann", organisation=vaart, permissions=["partners.view_directory"])
    )

    assert usernames(
        selectors.membership_list(
            viewer=viewer, include_inactive=True, include_service_accounts=True
        )
    ) == ["ann", "vaart-bea", "politie-piet"]


def test_membership_list_shows_ended_and_service_memberships_to_managers_who_ask(
    make_professional, vaart, politie, people
):
    viewer = viewer_for(
        make_professional("boss", organisation=vaart, permissions=["partners.manage_partners"])
    )

    # ordered by last name; make_professional leaves it empty
    assert usernames(selectors.membership_list(viewer=viewer, organisation_id=vaart.pk)) == [
        "boss",
        "vaart-bea",
    ]
    assert usernames(
        selectors.membership_list(
            viewer=viewer,
            organisation_id=vaart.pk,
            include_inactive=True,
            include_service_accounts=True,
        )
    ) == ["boss", "vaart-bea", "vaart-old", "vaart-svc"]


def test_membership_list_filters_by_organisation(make_professional, vaart, politie, people):
    viewer = viewer_for(
        make_professional("ann", organisation=vaart, permissions=["partners.view_directory"])
    )

    assert usernames(selectors.membership_list(viewer=viewer, organisation_id=politie.pk)) == [
        "politie-piet"
    ]


def test_membership_list_is_empty_for_anonymous_viewers(people):
    assert list(selectors.membership_list(viewer=ANONYMOUS)) == []


def test_membership_get_answers_not_found_for_missing_and_forbidden_alike(
    make_professional, vaart, politie, people
):
    viewer = viewer_for(make_professional("ann", organisation=vaart))
    colleague = selectors.membership_list(viewer=viewer).get(user__username="vaart-bea")
    foreign_id = politie.memberships.get().pk

    assert selectors.membership_get(viewer=viewer, id=colleague.pk) == colleague
    with pytest.raises(NotFound):
        selectors.membership_get(viewer=viewer, id=foreign_id)
    with pytest.raises(NotFound):
        selectors.membership_get(viewer=viewer, id=987654)


def test_directory_lists_active_people_per_active_organisation(
    make_professional, vaart, politie, people
):
    OrganisationFactory(name="Opgeheven", is_active=False)
    viewer = viewer_for(
        make_professional("ann", organisation=vaart, permissions=["partners.view_directory"])
    )

    organisations = selectors.directory(viewer=viewer)

    assert [(o.name, usernames(o.directory_members)) for o in organisations] == [
        ("De Vaart", ["ann", "vaart-bea"]),
        ("Politie", ["politie-piet"]),
    ]


def test_directory_is_refused_without_the_directory_permission(make_professional, vaart):
    viewer = viewer_for(make_professional("ann", organisation=vaart))

    with pytest.raises(PermissionDenied):
        selectors.directory(viewer=viewer)


# --- agreements ----------------------------------------------------------------------------


def test_data_sharing_agreement_list_shows_non_managers_their_own_agreements(
    make_professional, vaart, politie, gemeente
):
    DataSharingAgreementFactory(title="Eigen", parties=[vaart, politie])
    DataSharingAgreementFactory(title="Vreemd", parties=[politie, gemeente])
    member = viewer_for(make_professional("ann", organisation=vaart))
    manager = viewer_for(
        make_professional("boss", organisation=vaart, permissions=["partners.manage_partners"])
    )

    assert [a.title for a in selectors.data_sharing_agreement_list(viewer=member)] == ["Eigen"]
    assert [a.title for a in selectors.data_sharing_agreement_list(viewer=manager)] == [
        "Eigen",
        "Vreemd",
    ]


def test_data_sharing_agreement_get_answers_not_found_for_a_foreign_agreement(
    make_professional, vaart, politie, gemeente
):
    foreign = DataSharingAgreementFactory(parties=[politie, gemeente])
    member = viewer_for(make_professional("ann", organisation=vaart))

    with pytest.raises(NotFound):
        selectors.data_sharing_agreement_get(viewer=member, id=foreign.pk)


@pytest.fixture
def convenant(vaart, politie, gemeente):
    return DataSharingAgreementFactory(
        title="Convenant",
        parties=[vaart, politie, gemeente],
        data_categories=["resident_identity"],
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
    )


def test_agreements_covering_needs_every_organisation_as_party(convenant, vaart, politie, gemeente):
    outsider = OrganisationFactory(name="Buiten")
    day = datetime.date(2026, 6, 1)

    assert selectors.agreements_covering([vaart.pk, politie.pk], "resident_identity", on=day) == [
        convenant
    ]
    assert (
        selectors.agreements_covering(
            organisation_ids=[vaart.pk, outsider.pk], category="resident_identity", on=day
        )
        == []
    )


def test_agreements_covering_needs_the_category(convenant, vaart, politie):
    day = datetime.date(2026, 6, 1)

    assert selectors.agreements_covering([vaart.pk, politie.pk], "resident_contact", on=day) == []


@pytest.mark.parametrize(
    ("day", "covered"),
    [
        (datetime.date(2025, 12, 31), False),
        (datetime.date(2026, 1, 1), True),
        (datetime.date(2026, 12, 31), True),
        (datetime.date(2027, 1, 1), False),
    ],
)
def test_agreements_covering_needs_the_agreement_valid_on_the_day(
    convenant, vaart, politie, day, covered
):
    found = selectors.agreements_covering([vaart.pk, politie.pk], "resident_identity", on=day)

    assert found == ([convenant] if covered else [])


def test_agreements_covering_refuses_an_unknown_category(vaart):
    with pytest.raises(ValueError):
        selectors.agreements_covering([vaart.pk], "shoe_size")


def test_organisations_sharing_with_gives_the_other_parties(convenant, vaart, politie, gemeente):
    DataSharingAgreementFactory(
        parties=[vaart, OrganisationFactory(name="Contact")], data_categories=["resident_contact"]
    )
    day = datetime.date(2026, 6, 1)

    assert selectors.organisations_sharing_with(vaart.pk, "resident_identity", on=day) == {
        politie.pk,
        gemeente.pk,
    }
    assert (
        selectors.organisations_sharing_with(
            vaart.pk, "resident_identity", on=datetime.date(2027, 1, 1)
        )
        == frozenset()
    )


# --- tokens and viewers ------------------------------------------------------------------


def test_api_token_list_is_refused_without_manage_partners(make_professional, vaart):
    services.api_token_create(actor=system_viewer(), organisation=vaart, name="ERP")
    viewer = viewer_for(make_professional("ann", organisation=vaart))

    with pytest.raises(PermissionDenied):
        selectors.api_token_list(viewer=viewer, organisation_id=vaart.pk)


def test_api_token_list_gives_managers_the_organisations_tokens(make_professional, vaart, politie):
    token, _key = services.api_token_create(actor=system_viewer(), organisation=vaart, name="ERP")
    services.api_token_create(actor=system_viewer(), organisation=politie, name="BVH")
    viewer = viewer_for(
        make_professional("boss", organisation=vaart, permissions=["partners.manage_partners"])
    )

    assert list(selectors.api_token_list(viewer=viewer, organisation_id=vaart.pk)) == [token]


def test_viewer_for_a_token_acts_for_the_tokens_organisation_only(
    make_professional, vaart, politie
):
    user = make_professional("ann", organisation=vaart, permissions=["places.view_building"])
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    MembershipFactory(user=user, organisation=politie)
    token, _key = services.api_token_create(
        actor=system_viewer(), organisation=politie, name="BVH", user=user
    )

    session_viewer = viewer_for(user)
    token_viewer = viewer_for(user, token=token)

    assert session_viewer.organisation_ids == {vaart.pk, politie.pk}
    assert session_viewer.is_superuser is True
    assert token_viewer.organisation_ids == {politie.pk}
    assert token_viewer.is_superuser is False
    assert token_viewer.extra == {"organisation_scope": politie.pk}
    assert token_viewer.has_perm("places.view_building") is False


def test_viewer_grants_are_kept_until_a_membership_role_or_permission_changes(
    make_professional, vaart, politie, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Permission

    user = make_professional("ann", organisation=vaart, permissions=["places.view_building"])
    viewer_for(user)
    with django_assert_num_queries(0):
        assert viewer_for(user).has_perm("places.view_building") is True

    membership = user.memberships.get()
    role = membership.roles.get()
    with django_capture_on_commit_callbacks(execute=True):
        role.permissions.remove(Permission.objects.get(codename="view_building"))
    assert viewer_for(user).has_perm("places.view_building") is False

    with django_capture_on_commit_callbacks(execute=True):
        MembershipFactory(user=user, organisation=politie)
    assert viewer_for(user).organisation_ids == {vaart.pk, politie.pk}

    with django_capture_on_commit_callbacks(execute=True):
        membership.is_active = False
        membership.save()
    assert viewer_for(user).organisation_ids == {politie.pk}


def test_directory_takes_three_queries_however_many_people(
    make_professional, vaart, politie, people, django_assert_num_queries
):
    viewer = viewer_for(
        make_professional("ann", organisation=vaart, permissions=["partners.view_directory"])
    )
    for n in range(5):
        MembershipFactory(organisation=politie, user=UserFactory(username=f"extra{n}"))

    with django_assert_num_queries(3):  # organisations, their people, the people's roles
        organisations = selectors.directory(viewer=viewer)
        rows = [
            (m.user.username, [r.name for r in m.roles.all()])
            for o in organisations
            for m in o.directory_members
        ]

    assert len(rows) == 8
