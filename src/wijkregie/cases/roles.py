"""The roles a person can hold on one case (`core.access.ObjectRole`), one per case role.

Imported by `CasesConfig.ready()`. The participant services give and take them
(`object_grant_add` / `object_grant_revoke`); no other code writes case grants.
"""

from wijkregie.cases.models import (
    CHANGE_CASE,
    LINK_REPORT,
    MANAGE_PARTICIPANTS,
    MOVE_REGIE,
    VIEW_CASE,
)
from wijkregie.cases.workflows import CaseRole
from wijkregie.core.access import ObjectRole, object_role_register

MANAGE_AGREEMENTS = "cases.manage_agreements"
MANAGE_ACTIONS = "cases.manage_actions"
MANAGE_MEETINGS = "cases.manage_meetings"

_CONTRIBUTE = {VIEW_CASE, CHANGE_CASE, LINK_REPORT, MANAGE_ACTIONS}
_LEAD = _CONTRIBUTE | {MANAGE_PARTICIPANTS, MANAGE_AGREEMENTS, MANAGE_MEETINGS}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    CaseRole.COORDINATOR: frozenset(_LEAD | {MOVE_REGIE}),
    CaseRole.CHAIR: frozenset(_LEAD),
    CaseRole.HANDLER: frozenset(_CONTRIBUTE),
    CaseRole.ADVISER: frozenset({VIEW_CASE}),
    CaseRole.INVOLVED: frozenset({VIEW_CASE}),
}


def grant_role(case_role: str) -> str:
    """The object-role codename of a case role ("coordinator" → "cases.coordinator")."""
    return f"cases.{case_role}"


ROLES = {
    role: object_role_register(
        ObjectRole(
            codename=grant_role(role),
            model="cases.case",
            permissions=ROLE_PERMISSIONS[role],
            label=str(CaseRole(role).label),
            # The participant services give the roles themselves, after their own checks.
            granted_with=MANAGE_PARTICIPANTS,
        )
    )
    for role in CaseRole.values
}
