"""Categories, routing rules and API keys are kept per process (core.cache.ProcessMemo):
a change is seen by the next request, without restarting anything."""

from django.utils import timezone

from tests.reports.test_open311 import make_token
from wijkregie.partners.selectors import api_token_for_key
from wijkregie.reports import selectors
from wijkregie.reports.models import Category, RoutingRule
from wijkregie.reports.services import report_route


def test_a_deactivated_category_is_gone_from_the_forms_at_once(world):
    assert "litter" in [c.slug for c in selectors.category_list()]

    category = Category.objects.get(slug="litter")
    category.active = False
    category.save()

    assert "litter" not in [c.slug for c in selectors.category_list()]
    assert "litter" in [c.slug for c in selectors.category_list(include_inactive=True)]


def test_a_new_routing_rule_routes_the_next_report(world):
    assert report_route(category=world.category, building=world.building) == world.owner.pk

    RoutingRule.objects.create(
        category=world.category, building=world.building, organisation=world.police
    )

    assert report_route(category=world.category, building=world.building) == world.police.pk


def test_a_revoked_key_or_a_deactivated_organisation_is_refused_at_once(world):
    token, key = make_token(world.owner)
    other_token, other_key = make_token(world.police, name="Politie-app")
    assert api_token_for_key(key).pk == token.pk
    assert api_token_for_key(other_key).pk == other_token.pk

    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    world.police.is_active = False
    world.police.save(update_fields=["is_active"])

    assert api_token_for_key(key) is None
    assert api_token_for_key(other_key) is None


def test_a_changed_building_is_seen_by_the_next_lookup(world):
    from wijkregie.places.selectors import building_get_by_public_code

    code = world.building.public_code
    assert building_get_by_public_code(code).name == "De Toren"

    world.building.name = "De Nieuwe Toren"
    world.building.save()

    assert building_get_by_public_code(code).name == "De Nieuwe Toren"


def test_common_areas_are_kept_and_a_change_is_seen_by_the_next_lookup(
    world, django_assert_num_queries
):
    from wijkregie.places.models import CommonArea, CommonAreaKind
    from wijkregie.places.selectors import building_common_areas

    assert [a.name for a in building_common_areas(world.building.pk)] == ["Lift A"]
    with django_assert_num_queries(0):
        assert [a.name for a in building_common_areas(world.building.pk)] == ["Lift A"]

    shed = CommonArea.objects.create(
        building=world.building, kind=CommonAreaKind.BICYCLE_SHED, name="Stalling", entrance="A"
    )
    assert [a.name for a in building_common_areas(world.building.pk)] == ["Stalling", "Lift A"]
    shed.delete()
    assert [a.name for a in building_common_areas(world.building.pk)] == ["Lift A"]
