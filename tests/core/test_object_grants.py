"""Object-scoped roles: a person's role on one object, honoured by `Viewer.has_perm(…, obj=…)`
and by `visible_to`. The tests declare a role on buildings, as `cases` will on a case."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone

import pytest

from tests.partners.factories import OrganisationFactory
from tests.places.factories import BuildingFactory
from wijkregie.core.access import (
    ObjectRole,
    object_grant_add,
    object_grant_revoke,
    object_role_register,
    object_role_unregister,
    system_viewer,
)
from wijkregie.core.exceptions import NotFound, PermissionDenied
from wijkregie.core.models import AuditEntry, ObjectGrant
from wijkregie.partners.models import Membership
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building

STEWARD = ObjectRole(
    codename="places.steward",
    model="places.building",
    permissions=frozenset({"places.view_building"}),
    label="Steward of one building",
    granted_with="places.change_building",
)


@pytest.fixture
def steward_role():
    object_role_register(STEWARD)
    yield STEWARD
    object_role_unregister(STEWARD.codename)


@pytest.fixture
def world(db, make_professional, steward_role):
    owner = OrganisationFactory(name="Woonstichting De Vaart", slug="de-vaart")
    other = OrganisationFactory(name="Welzijn Rivierstad", slug="welzijn")
    horizon = BuildingFactory(name="De Horizon", owner=owner)
    baken = BuildingFactory(name="Het Baken", owner=owner)
    manager = make_professional(
        "beheer", organisation=owner, permissions=["places.view_building", "places.change_building"]
    )
    worker = make_professional("opbouw", organisation=other, permissions=[])
    return {
        "owner": owner,
        "other": other,
        "horizon": horizon,
        "baken": baken,
        "manager": manager,
        "worker": worker,
    }


def grant(world, **overrides):
    values = {
        "actor": viewer_for(world["manager"]),
        "obj": world["horizon"],
        "user_id": world["worker"].pk,
        "role": STEWARD.codename,
    }
    values.update(overrides)
    return object_grant_add(**values)


def test_without_a_grant_a_person_sees_no_building_of_another_organisation(world):
    worker = viewer_for(world["worker"])

    assert list(Building.objects.visible_to(worker)) == []
    assert worker.has_perm("places.view_building", obj=world["horizon"]) is False


def test_a_grant_gives_the_role_on_that_one_object(world):
    grant(world)
    worker = viewer_for(world["worker"])

    assert list(Building.objects.visible_to(worker)) == [world["horizon"]]
    assert worker.has_perm("places.view_building", obj=world["horizon"]) is True
    assert worker.has_perm("places.view_building", obj=world["baken"]) is False
    # Only the role's permissions: a steward may not change the building.
    assert worker.has_perm("places.change_building", obj=world["horizon"]) is False


def test_granting_is_audited_with_the_object_as_context(world):
    made = grant(world)

    entry = AuditEntry.objects.get(object_type="core.objectgrant")
    assert (entry.action, entry.object_ids, entry.actor_label) == (
        "create",
        [str(made.pk)],
        "beheer",
    )
    assert (entry.context_type, entry.context_id) == ("places.building", str(world["horizon"].pk))
    assert (made.granted_by_id, made.granted_by_label) == (world["manager"].pk, "beheer")


def test_a_revoked_grant_no_longer_holds_and_stays_on_record(world):
    made = grant(world)

    object_grant_revoke(actor=viewer_for(world["manager"]), grant_id=made.pk)

    worker = viewer_for(world["worker"])
    assert list(Building.objects.visible_to(worker)) == []
    assert worker.has_perm("places.view_building", obj=world["horizon"]) is False
    made.refresh_from_db()
    assert made.revoked_at is not None and made.revoked_by_label == "beheer"
    assert list(
        AuditEntry.objects.filter(object_type="core.objectgrant")
        .order_by("id")
        .values_list("action", "fields")
    ) == [
        ("create", ["organisation_id", "role", "user", "valid_from", "valid_until"]),
        ("update", ["revoked_at"]),
    ]


def test_a_grant_holds_only_within_its_period(world):
    now = timezone.now()
    grant(
        world,
        valid_until=now - datetime.timedelta(seconds=1),
        valid_from=now - datetime.timedelta(days=2),
    )
    grant(world, obj=world["baken"], valid_from=now + datetime.timedelta(days=1))
    worker = viewer_for(world["worker"])

    assert list(Building.objects.visible_to(worker)) == []
    assert worker.has_perm("places.view_building", obj=world["horizon"]) is False
    assert worker.has_perm("places.view_building", obj=world["baken"]) is False


def test_a_grant_for_an_organisation_holds_only_while_the_person_acts_for_it(world):
    grant(world, organisation_id=world["other"].pk)
    worker = viewer_for(world["worker"])
    assert worker.has_perm("places.view_building", obj=world["horizon"]) is True

    for membership in Membership.objects.filter(user=world["worker"]):
        membership.is_active = False
        membership.save()  # as the services do: every process forgets its kept grants

    assert (
        viewer_for(world["worker"]).has_perm("places.view_building", obj=world["horizon"]) is False
    )
    assert list(Building.objects.visible_to(viewer_for(world["worker"]))) == []


def test_an_organisation_token_carries_only_its_own_organisations_grants(world):
    from wijkregie.core.access import Viewer

    grant(world)  # not tied to an organisation
    worker = viewer_for(world["worker"])
    scoped = Viewer(
        user_id=worker.user_id,
        label=worker.label,
        grants=worker.grants,
        extra={"organisation_scope": world["other"].pk},
    )

    assert scoped.has_perm("places.view_building", obj=world["horizon"]) is False
    grant(world, organisation_id=world["other"].pk)
    assert scoped.has_perm("places.view_building", obj=world["horizon"]) is True


def test_only_who_holds_the_granting_permission_on_the_object_may_grant(world):
    worker = viewer_for(world["worker"])

    with pytest.raises(PermissionDenied):
        grant(world, actor=worker)
    other_building = BuildingFactory(name="Elders")  # the manager's organisation does not own it
    with pytest.raises(PermissionDenied):
        grant(world, obj=other_building)
    assert ObjectGrant.objects.count() == 0
    assert grant(world, actor=system_viewer()).role == STEWARD.codename


def test_a_role_without_a_granting_permission_is_given_by_the_system_only(world):
    role = ObjectRole(
        codename="places.inspector",
        model="places.building",
        permissions=frozenset({"places.view_building"}),
    )
    object_role_register(role)
    try:
        with pytest.raises(PermissionDenied):
            grant(world, role=role.codename)
        assert grant(world, role=role.codename, actor=system_viewer()).role == role.codename
    finally:
        object_role_unregister(role.codename)


def test_granting_refuses_unknown_roles_people_and_empty_periods(world):
    now = timezone.now()
    with pytest.raises(ValidationError) as unknown:
        grant(world, role="places.nobody")
    with pytest.raises(ValidationError) as wrong_kind:
        grant(world, obj=world["owner"])  # a steward is a role on buildings
    with pytest.raises(ValidationError) as nobody:
        grant(world, user_id=get_user_model().objects.order_by("-pk").first().pk + 1)
    with pytest.raises(ValidationError) as empty:
        grant(world, valid_from=now, valid_until=now)

    assert [set(e.value.message_dict) for e in (unknown, wrong_kind, nobody, empty)] == [
        {"role"},
        {"role"},
        {"user"},
        {"valid_until"},
    ]
    assert ObjectGrant.objects.count() == 0


def test_revoking_checks_the_actor_and_gives_not_found_for_a_missing_grant(world):
    made = grant(world)

    with pytest.raises(PermissionDenied):
        object_grant_revoke(actor=viewer_for(world["worker"]), grant_id=made.pk)
    with pytest.raises(NotFound):
        object_grant_revoke(actor=system_viewer(), grant_id=made.pk + 1)
    with pytest.raises(NotFound):
        object_grant_revoke(actor=system_viewer(), grant_id="x")
    object_grant_revoke(actor=system_viewer(), grant_id=made.pk)
    with pytest.raises(NotFound):  # once revoked, it is gone for revoking
        object_grant_revoke(actor=system_viewer(), grant_id=made.pk)


def test_a_role_is_declared_once(steward_role):
    object_role_register(STEWARD)  # the same declaration again (a reloaded module) is fine
    with pytest.raises(ImproperlyConfigured):
        object_role_register(
            ObjectRole(codename=STEWARD.codename, model="places.unit", permissions=frozenset())
        )
    with pytest.raises(ImproperlyConfigured):
        object_role_register(
            ObjectRole(codename="places.x", model="Building", permissions=frozenset())
        )


def test_object_checks_without_a_declared_role_read_no_grants(world, django_assert_num_queries):
    """Object grants cost nothing where no role on that kind of object is declared."""
    object_role_unregister(STEWARD.codename)
    manager = viewer_for(world["manager"])
    worker = viewer_for(world["worker"])

    with django_assert_num_queries(0):
        assert manager.has_perm("places.change_building", obj=world["horizon"]) is True
    with django_assert_num_queries(0):
        assert worker.has_perm("places.change_building", obj=world["horizon"]) is False
    assert "objectgrant" not in str(Building.objects.visible_to(manager).query).lower()
