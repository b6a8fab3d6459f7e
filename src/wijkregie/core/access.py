"""Who is looking, and what they may see: the one way need-to-know is written.

A `Viewer` is built once per request (or per API token) by
`wijkregie.partners.selectors.viewer_for`. It carries, for each organisation the person
acts for, the permissions that their roles there grant. Code checks permissions such as
`residents.view_resident`; which role holds which permission is data (BRIEF 26).

The idiom (docs/development.md, "Need-to-know"):

- lists: a queryset scope per model, `Model.objects.visible_to(viewer, permission=…)`,
  on a `VisibleToQuerySet` that writes the model's rule once (`need_to_know`);
- single objects: one access function per object kind (`building_get(viewer=…, id=…)`),
  raising `NotFound` for missing and forbidden alike;
- object checks: `viewer.has_perm(permission, obj=…)`, answered by the `rules`
  predicate registered under that permission (`<app>/rules.py`) or by an object grant.

Object-scoped roles: an app declares its roles on one object (`ObjectRole`, e.g. a
person's role on one case, a member of one channel); `object_grant_add` and
`object_grant_revoke` give and take them (audited), and both `has_perm(…, obj=…)` and
`visible_to` honour them.

Residents act as a `ResidentPrincipal`: proven for one object (a report, by its tracking
code and passphrase) by the one function that checks the proof.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import models

import rules


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

    def has_perm(
        self,
        permission: str,
        organisation_id: int | None = None,
        *,
        obj: models.Model | None = None,
    ) -> bool:
        """Whether the viewer holds `permission`: in any organisation, in one
        (`organisation_id`), or on one object (`obj`: the `rules` predicate registered
        under `permission`, or an object grant of a role that includes it)."""
        if obj is not None:
            return rules.has_perm(permission, self, obj) or object_grant_holds(
                self, permission, obj
            )
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


# --- Lists: the queryset scope ---------------------------------------------------------------


class VisibleToQuerySet(models.QuerySet):
    """A model's need-to-know for lists: `Model.objects.visible_to(viewer, permission=…)`.

    A subclass names its `default_permission` and writes its rule once in
    `need_to_know(viewer, permission, **resolved) -> Q`. Superusers (and the system) see
    every row; object grants of a role that includes `permission` add their objects.
    `resolved` passes on what a rule may take already worked out (residents: the viewer's
    rules, which their selectors also need for the fields of each row).
    """

    default_permission = ""

    def need_to_know(self, viewer: Viewer, permission: str, **resolved) -> models.Q:
        raise NotImplementedError

    def visible_to(self, viewer: Viewer, *, permission: str | None = None, **resolved):
        permission = permission or self.default_permission
        if viewer.is_superuser:
            return self.all()
        return self.filter(
            self.need_to_know(viewer, permission, **resolved)
            | object_grant_q(viewer, self.model, permission)
        )


NOTHING = models.Q(pk__in=[])


# --- Object-scoped roles ---------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectRole:
    """A role a person can hold on one object of `model` ("cases.case").

    `permissions` are what the role allows on that object; `granted_with` is the permission
    (on the object, see `Viewer.has_perm(…, obj=…)`) that someone needs to give or take
    the role; "" means only the system and superusers may.
    """

    codename: str
    model: str
    permissions: frozenset[str]
    label: str = ""
    granted_with: str = ""


_ROLES: dict[str, ObjectRole] = {}


def object_role_register(role: ObjectRole) -> ObjectRole:
    """Declare a role (at import of the app's module). The same codename twice with a
    different meaning is a programming error."""
    existing = _ROLES.get(role.codename)
    if existing is not None and existing != role:
        raise ImproperlyConfigured(f"Object role {role.codename} is declared twice.")
    if "." not in role.model or role.model != role.model.lower():
        raise ImproperlyConfigured(f"Object role {role.codename}: model must be app_label.model.")
    _ROLES[role.codename] = role
    return role


def object_role_unregister(codename: str) -> None:
    """For tests that declare a role of their own."""
    _ROLES.pop(codename, None)


def object_role(codename: str) -> ObjectRole | None:
    return _ROLES.get(codename)


def object_roles_with(model_label: str, permission: str) -> tuple[str, ...]:
    """Codenames of the roles on `model_label` objects that include `permission`."""
    return tuple(
        sorted(
            r.codename
            for r in _ROLES.values()
            if r.model == model_label and permission in r.permissions
        )
    )


def _model_label(model_or_obj) -> str:
    return model_or_obj._meta.label_lower


def _grants_held(viewer: Viewer, model_label: str, permission: str):
    """Active object grants of `viewer` on `model_label` objects for roles with
    `permission`; None when there can be none (no such role, or nobody logged in)."""
    roles = object_roles_with(model_label, permission)
    if not roles or viewer.user_id is None:
        return None
    from wijkregie.core.models import ObjectGrant

    return (
        ObjectGrant.objects.active()
        .held_by(viewer)
        .filter(
            content_type__app_label=model_label.split(".")[0],
            content_type__model=model_label.split(".")[1],
            role__in=roles,
        )
    )


def object_grant_holds(viewer: Viewer, permission: str, obj: models.Model) -> bool:
    """Whether an object grant gives `viewer` `permission` on `obj` (no query when no
    role on that kind of object includes the permission)."""
    grants = _grants_held(viewer, _model_label(obj), permission)
    return grants is not None and grants.filter(object_id=obj.pk).exists()


def object_permissions(viewer: Viewer, obj: models.Model, permissions) -> frozenset[str]:
    """Which of `permissions` the viewer holds on `obj`, as `viewer.has_perm(p, obj=obj)`
    answers each, with one query for the object grants of all of them (a `rules`
    predicate is asked only for a permission no held role gives)."""
    label = _model_label(obj)
    held: set[str] = set()
    if viewer.user_id is not None and any(object_roles_with(label, p) for p in permissions):
        from django.contrib.contenttypes.models import ContentType

        from wijkregie.core.models import ObjectGrant

        codenames = (
            ObjectGrant.objects.active()
            .held_by(viewer)
            .filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
            .values_list("role", flat=True)
        )
        for codename in set(codenames):
            role = _ROLES.get(codename)
            if role is not None and role.model == label:
                held |= role.permissions
    return frozenset(p for p in permissions if p in held or rules.has_perm(p, viewer, obj))


def object_grant_q(viewer: Viewer, model, permission: str, *, field: str = "pk") -> models.Q:
    """The objects (`field` points at them) on which an object grant gives `viewer`
    `permission`: for `VisibleToQuerySet.visible_to` and scopes of related models."""
    grants = _grants_held(viewer, _model_label(model), permission)
    if grants is None:
        return NOTHING
    return models.Q(**{f"{field}__in": grants.values("object_id")})


def _may_grant(actor: Viewer, role: ObjectRole, obj: models.Model) -> bool:
    if actor.is_superuser:
        return True
    return bool(role.granted_with) and actor.has_perm(role.granted_with, obj=obj)


def object_grant_add(
    *,
    actor: Viewer,
    obj: models.Model,
    user_id: int,
    role: str,
    organisation_id: int | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
):
    """Give the person `user_id` the role `role` on `obj`; one audit entry.

    With `organisation_id` the grant holds only while the person acts for that
    organisation (an active membership there). The actor needs the role's `granted_with`
    permission on `obj`. Raises `PermissionDenied`, or `ValidationError` for an unknown
    role, a role for another kind of object, an unknown person or an empty period.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from wijkregie.core.audit import AuditContext, DataOwner, audit_record
    from wijkregie.core.exceptions import PermissionDenied
    from wijkregie.core.models import ObjectGrant

    declared = object_role(role)
    if declared is None or declared.model != _model_label(obj):
        raise ValidationError({"role": _("This role does not exist for this kind of object.")})
    if not _may_grant(actor, declared, obj):
        raise PermissionDenied(_("You may not give roles on this."))
    if not get_user_model().objects.filter(pk=user_id).exists():
        raise ValidationError({"user": _("This person does not exist.")})
    valid_from = valid_from or timezone.now()
    if valid_until is not None and valid_until <= valid_from:
        raise ValidationError({"valid_until": _("The end must lie after the start.")})
    with transaction.atomic():
        grant = ObjectGrant.objects.create(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            user_id=user_id,
            organisation_id=organisation_id,
            role=role,
            granted_by_id=actor.user_id,
            granted_by_label=actor.label[:200],
            valid_from=valid_from,
            valid_until=valid_until,
        )
        audit_record(
            viewer=actor,
            action="create",
            object_type="core.objectgrant",
            object_ids=[grant.pk],
            fields=["user", "role", "organisation_id", "valid_from", "valid_until"],
            organisation_id=organisation_id,
            data_owner=DataOwner(organisation_id),
            context=AuditContext(type=_model_label(obj), id=str(obj.pk), label=str(obj)[:200]),
        )
    return grant


def object_grant_revoke(*, actor: Viewer, grant_id, now: datetime | None = None):
    """End an object grant now; one audit entry. The row stays as the record of who
    held the role when. `NotFound` for a missing grant and for one the actor may not see
    the object of; `PermissionDenied` without the role's `granted_with` permission."""
    from django.db import transaction
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from wijkregie.core.audit import AuditContext, DataOwner, audit_record
    from wijkregie.core.exceptions import NotFound, PermissionDenied
    from wijkregie.core.ids import as_id
    from wijkregie.core.models import ObjectGrant

    grant_id = as_id(grant_id)
    now = now or timezone.now()
    with transaction.atomic():
        grant = (
            ObjectGrant.objects.select_for_update()
            .select_related("content_type")
            .filter(pk=grant_id, revoked_at__isnull=True)
            .first()
        )
        obj = grant.target() if grant is not None else None
        if obj is None:
            raise NotFound(_("Not found."))
        declared = object_role(grant.role)
        if declared is None or not _may_grant(actor, declared, obj):
            raise PermissionDenied(_("You may not take roles away on this."))
        grant.revoked_at = now
        grant.revoked_by_label = actor.label[:200]
        grant.save(update_fields=["revoked_at", "revoked_by_label", "updated_at"])
        audit_record(
            viewer=actor,
            action="update",
            object_type="core.objectgrant",
            object_ids=[grant.pk],
            fields=["revoked_at"],
            organisation_id=grant.organisation_id,
            data_owner=DataOwner(grant.organisation_id),
            context=AuditContext(type=_model_label(obj), id=str(obj.pk), label=str(obj)[:200]),
        )
    return grant


# --- Residents as principals ----------------------------------------------------------------


class ResidentPrincipal:
    """A resident who proved a claim about one object: "I made this report" (tracking code
    and passphrase, or the signed link in an e-mail), later "I am a member of this chat".

    Only the proving function can make one: it holds the `PrincipalIssuer` for the kind of
    object, and there is one issuer per kind. Services on the resident's side take the
    principal and check `is_for(obj)` instead of trusting that a page checked the proof.
    """

    __slots__ = ("subject_type", "subject_id", "proof")

    def __init__(self, *, subject_type: str, subject_id: int, proof: str, issuer=None):
        if issuer is None or _ISSUERS.get(subject_type) is not issuer:
            raise TypeError("A ResidentPrincipal is made by the function that checks the proof.")
        object.__setattr__(self, "subject_type", subject_type)
        object.__setattr__(self, "subject_id", subject_id)
        object.__setattr__(self, "proof", proof)

    def __setattr__(self, name, value):
        raise AttributeError("A ResidentPrincipal cannot be changed.")

    def __eq__(self, other):
        return isinstance(other, ResidentPrincipal) and (
            (self.subject_type, self.subject_id) == (other.subject_type, other.subject_id)
        )

    def __hash__(self):
        return hash((self.subject_type, self.subject_id))

    def __repr__(self):
        return f"<ResidentPrincipal {self.subject_type}:{self.subject_id} by {self.proof}>"

    def is_for(self, obj: models.Model) -> bool:
        return obj is not None and (
            _model_label(obj) == self.subject_type and obj.pk == self.subject_id
        )

    def audit_viewer(self, label: str = "reporter") -> Viewer:
        """Who the audit trail names when the resident changes their own data."""
        return Viewer(user_id=None, label=label, origin="web")


_ISSUERS: dict[str, "PrincipalIssuer"] = {}


class PrincipalIssuer:
    """The capability to make `ResidentPrincipal`s for one kind of object."""

    def __init__(self, subject_type: str, _key=None):
        if _key is not _ISSUER_KEY:
            raise TypeError("Use principal_issuer(subject_type).")
        self.subject_type = subject_type
        self._salt = f"wijkregie.core.access.principal:{subject_type}"

    def issue(self, subject_id: int, *, proof: str) -> ResidentPrincipal:
        return ResidentPrincipal(
            subject_type=self.subject_type, subject_id=int(subject_id), proof=proof, issuer=self
        )

    def seal(self, principal: ResidentPrincipal) -> str:
        """A signed form of the principal, to keep in the resident's session."""
        if principal.subject_type != self.subject_type:
            raise ValueError("This issuer does not seal that principal.")
        return signing.dumps(
            {"id": principal.subject_id, "proof": principal.proof}, salt=self._salt, compress=False
        )

    def unseal(self, sealed, *, max_age: int) -> ResidentPrincipal | None:
        """The principal `seal` signed, if it is younger than `max_age` seconds."""
        try:
            data = signing.loads(str(sealed or ""), salt=self._salt, max_age=max_age)
        except signing.BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            return None
        return self.issue(data["id"], proof=str(data.get("proof", "")))


_ISSUER_KEY = object()


def principal_issuer(subject_type: str) -> PrincipalIssuer:
    """The issuer for `subject_type` ("reports.report"), handed out once: the module that
    proves residents' claims about that kind of object takes it at import."""
    if subject_type in _ISSUERS:
        raise ImproperlyConfigured(f"The principal issuer for {subject_type} is taken.")
    issuer = PrincipalIssuer(subject_type, _key=_ISSUER_KEY)
    _ISSUERS[subject_type] = issuer
    return issuer


__all__ = [
    "ANONYMOUS",
    "NOTHING",
    "Grant",
    "ObjectRole",
    "PrincipalIssuer",
    "ResidentPrincipal",
    "Viewer",
    "VisibleToQuerySet",
    "object_grant_add",
    "object_grant_holds",
    "object_grant_q",
    "object_grant_revoke",
    "object_role",
    "object_role_register",
    "object_roles_with",
    "principal_issuer",
    "system_viewer",
]
