import pytest

from wijkregie.partners import roles
from wijkregie.partners.models import Role


def codes(role):
    return {f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all()}


@pytest.mark.django_db
def test_migrate_creates_every_default_role():
    assert set(Role.objects.values_list("slug", flat=True)) >= set(roles.DEFAULT_ROLES)
    assert Role.objects.get(slug="wijkagent").name == "Wijkagent"


@pytest.mark.django_db
def test_the_neighbourhood_manager_role_has_exactly_its_permissions():
    assert codes(Role.objects.get(slug="wijkbeheerder")) == {
        "outreach.plan_outreach",
        "outreach.visit_doors",
        "places.view_building",
        "places.import_units",
        "places.change_building",
        "residents.view_resident",
        "residents.view_resident_contact",
        "residents.import_residents",
        "partners.view_directory",
        "cases.open_case",
        "communications.manage_newsletters",
        "communications.send_letters",
        "chat.take_part",
        "chat.moderate",
        "chat.issue_join_codes",
    }


@pytest.mark.django_db
def test_the_administrator_role_has_exactly_its_permissions():
    assert codes(Role.objects.get(slug="beheerder")) == {
        "partners.manage_partners",
        "partners.view_directory",
        "places.view_building",
        "places.change_building",
        "places.import_units",
        "residents.import_residents",
    }


@pytest.mark.django_db
def test_create_default_roles_adds_missing_roles_and_keeps_changed_ones():
    changed = Role.objects.get(slug="beveiliger")
    changed.permissions.clear()
    changed.description = "Door de beheerder aangepast"
    changed.save()
    Role.objects.filter(slug="bemiddelaar").delete()

    created = roles.create_default_roles()

    assert created == ["bemiddelaar"]
    assert codes(Role.objects.get(slug="bemiddelaar")) == {"partners.view_directory"}
    kept = Role.objects.get(slug="beveiliger")
    assert (codes(kept), kept.description) == (set(), "Door de beheerder aangepast")


@pytest.mark.django_db
def test_create_default_roles_skips_permissions_that_do_not_exist(monkeypatch):
    monkeypatch.setattr(
        roles,
        "DEFAULT_ROLES",
        {"proef": ("Proefrol", ("places.view_building", "reports.does_not_exist"))},
    )

    assert roles.create_default_roles() == ["proef"]
    assert codes(Role.objects.get(slug="proef")) == {"places.view_building"}


@pytest.mark.django_db
def test_create_default_roles_twice_creates_nothing_the_second_time():
    before = Role.objects.count()

    assert roles.create_default_roles() == []
    assert Role.objects.count() == before
