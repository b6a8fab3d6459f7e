"""django-rules predicates for cases: pure functions of the viewer and a case.

A person's roles on a case are object grants (`cases/roles.py`), which `Viewer.has_perm`
reads itself; the predicate here adds the one rule that is not a grant: a sub-case that
is not restricted may be seen by those who may see its parent.
"""

import rules

from wijkregie.cases.models import VIEW_CASE
from wijkregie.cases.workflows import Confidentiality
from wijkregie.core.access import Viewer, object_grant_holds


@rules.predicate
def may_see_through_parent(viewer: Viewer, case) -> bool:
    if viewer.is_superuser:
        return True
    if case.parent_id is None or case.confidentiality != Confidentiality.NORMAL:
        return False
    return object_grant_holds(viewer, VIEW_CASE, case.parent)
