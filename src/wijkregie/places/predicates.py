"""django-rules predicates for buildings: pure functions of the viewer and a building.

Registered under permission names in `places/rules.py`; code asks
`viewer.has_perm("places.view_building", obj=building)`.
"""

import rules

from wijkregie.core.access import Viewer
from wijkregie.places.models import VIEW_BUILDING, BuildingContact

CHANGE_BUILDING = "places.change_building"
IMPORT_UNITS = "places.import_units"


@rules.predicate
def may_see_building(viewer: Viewer, building) -> bool:
    """Owner or partner with `places.view_building` (0 queries for owners, else 1): the
    rule of `BuildingQuerySet.need_to_know` for one building already at hand."""
    if viewer.is_superuser:
        return True
    organisation_ids = viewer.organisations_with(VIEW_BUILDING)
    if building.owner_id in organisation_ids:
        return True
    return (
        bool(organisation_ids)
        and BuildingContact.objects.partnerships(organisation_ids)
        .filter(building_id=building.pk)
        .exists()
    )


def _owner_holds(permission: str):
    @rules.predicate(name=f"owner_holds:{permission}")
    def owner_holds(viewer: Viewer, building) -> bool:
        return viewer.is_superuser or viewer.has_perm(permission, organisation_id=building.owner_id)

    return owner_holds


may_change_building = _owner_holds(CHANGE_BUILDING)
may_import_units = _owner_holds(IMPORT_UNITS)
