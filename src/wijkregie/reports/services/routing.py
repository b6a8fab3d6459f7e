"""Which organisation receives a report: routing rules and their configuration."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from wijkregie.core.access import Viewer
from wijkregie.core.cache import ProcessMemo
from wijkregie.core.exceptions import PermissionDenied
from wijkregie.partners.models import Organisation
from wijkregie.places.models import Building
from wijkregie.reports.models import (
    Category,
    RoutingRule,
)
from wijkregie.reports.selectors import category_chain

# The rules that may apply to a building (its own and its neighbourhood's), kept per
# process and per building (core.cache.ProcessMemo; apps.py forgets them on a change).
ROUTING = ProcessMemo("reports.routing")

# --- Routing -----------------------------------------------------------------------------


def report_route(*, category: Category, building: Building) -> int:
    """The id of the organisation that receives a report of `category` in `building`.

    A rule for the building wins over one for its neighbourhood; then the category's
    default organisation; each for the category and then its parents; finally the owner.
    """
    chain = category_chain(category)
    depth = {c.pk: i for i, c in enumerate(chain)}
    candidates = [
        row
        for row in ROUTING.get((building.pk, building.neighbourhood_id), lambda: _rules(building))
        if row[1] in depth
    ]
    if candidates:
        candidates.sort(key=lambda row: (row[0] is None, depth[row[1]]))
        return candidates[0][2]
    for c in chain:
        if c.default_organisation_id:
            return c.default_organisation_id
    return building.owner_id


def _rules(building: Building) -> list[tuple[int | None, int, int]]:
    place = Q(building_id=building.pk)
    if building.neighbourhood_id:
        place |= Q(neighbourhood_id=building.neighbourhood_id)
    return list(
        RoutingRule.objects.filter(place).values_list(
            "building_id", "category_id", "organisation_id"
        )
    )


# --- Configuration -------------------------------------------------------------------------


def routing_rule_set(
    *,
    actor: Viewer,
    category: Category,
    organisation: Organisation,
    building: Building | None = None,
    neighbourhood=None,
) -> RoutingRule:
    """Route `category` in a building or neighbourhood to `organisation` (create or update).

    For administrators (`partners.manage_partners`) and the system.
    """
    if not (actor.is_superuser or actor.has_perm("partners.manage_partners")):
        raise PermissionDenied(_("You may not change how reports are routed."))
    if (building is None) == (neighbourhood is None):
        raise ValidationError({"building": _("Choose a building or a neighbourhood, not both.")})
    with transaction.atomic():
        rule = RoutingRule.objects.filter(
            category=category, building=building, neighbourhood=neighbourhood
        ).first()
        if rule is None:
            rule = RoutingRule(
                category=category,
                building=building,
                neighbourhood=neighbourhood,
                organisation=organisation,
            )
            rule.full_clean()
            rule.save()
        elif rule.organisation_id != organisation.pk:
            rule.organisation = organisation
            rule.save(update_fields=["organisation", "updated_at"])
    return rule
