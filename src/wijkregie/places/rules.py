"""Object permissions on buildings (found by rules' autodiscovery; asked through
`Viewer.has_perm(permission, obj=building)`)."""

import rules

from wijkregie.places.models import VIEW_BUILDING
from wijkregie.places.predicates import (
    CHANGE_BUILDING,
    IMPORT_UNITS,
    may_change_building,
    may_import_units,
    may_see_building,
)

rules.set_perm(VIEW_BUILDING, may_see_building)
rules.set_perm(CHANGE_BUILDING, may_change_building)
rules.set_perm(IMPORT_UNITS, may_import_units)
