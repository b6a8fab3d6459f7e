"""Object permissions on cases (found by rules' autodiscovery; asked through
`Viewer.has_perm(permission, obj=case)`). Roles on the case answer the rest."""

import rules

from wijkregie.cases.models import VIEW_CASE
from wijkregie.cases.predicates import may_see_through_parent

rules.set_perm(VIEW_CASE, may_see_through_parent)
