"""Who is looking: the viewer every selector and service takes.

A `Viewer` is built once per request (or per API token) by
`wijkregie.partners.selectors.viewer_for`. It carries, for each organisation the person
acts for, the permissions that their roles there grant. Code checks permissions such as
`residents.view_resident`; which role holds which permission is data (BRIEF 26).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Grant:
    organisation_id: int
    organisation_name: str
    organisation_kind: str
    permissions: frozenset[str]
    mandate_level: str = "operational"
    # For display only (the home page): code checks `permissions`, never role names.
    role_names: tuple[str, ...] = ()
    may_decide_on: str = ""


@dataclass(frozen=True)
class Viewer:
    user_id: int | None
    label: str
    grants: tuple[Grant, ...] = ()
    origin: str = "web"
    request_id: str = ""
    is_superuser: bool = False
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(g.organisation_id for g in self.grants)

    def organisations_with(self, permission: str) -> frozenset[int]:
        return frozenset(g.organisation_id for g in self.grants if permission in g.permissions)

    def has_perm(self, permission: str, organisation_id: int | None = None) -> bool:
        if organisation_id is None:
            return any(permission in g.permissions for g in self.grants)
        return organisation_id in self.organisations_with(permission)

    def grant_for(self, organisation_id: int | None) -> Grant | None:
        for g in self.grants:
            if g.organisation_id == organisation_id:
                return g
        return None

    @property
    def primary_grant(self) -> Grant | None:
        return self.grants[0] if self.grants else None


ANONYMOUS = Viewer(user_id=None, label="anonymous", origin="web")


def system_viewer(label: str = "system", origin: str = "command") -> Viewer:
    """The viewer for commands and tasks acting on the platform's own behalf."""
    return Viewer(user_id=None, label=label, origin=origin, is_superuser=True)
