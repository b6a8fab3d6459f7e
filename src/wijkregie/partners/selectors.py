"""Reads of organisations and people; `viewer_for` builds the Viewer every selector takes.

Who sees what:

- organisations: every professional sees the active ones (no personal data); managers
  (`partners.manage_partners`) also the inactive ones;
- memberships (directory data: names, organisation, roles, mandate, work contact): colleagues
  in the viewer's own organisations always; all active ones with `partners.view_directory`
  or `partners.manage_partners`; ended memberships and service accounts only for managers;
- data-sharing agreements: managers all; others those their organisations are party to;
- API tokens: managers only.

Single-object selectors raise `NotFound` for missing and forbidden alike.
"""

import hmac
from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import Permission
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.core.access import Grant, Viewer
from wijkregie.core.cache import ProcessMemo
from wijkregie.core.exceptions import NotFound, PermissionDenied
from wijkregie.partners.models import (
    ApiToken,
    DataCategory,
    DataSharingAgreement,
    Membership,
    Organisation,
    Role,
)

MANAGE_PARTNERS = "partners.manage_partners"
VIEW_DIRECTORY = "partners.view_directory"
# The apps whose permissions a role may grant.
ASSIGNABLE_PERMISSION_APPS = ("core", "partners", "places", "residents", "reports", "cases")


def _grants(memberships) -> tuple[Grant, ...]:
    grants = []
    for m in memberships:
        perms = frozenset(
            f"{p.content_type.app_label}.{p.codename}"
            for role in m.roles.all()
            for p in role.permissions.all()
        )
        grants.append(
            Grant(
                organisation_id=m.organisation_id,
                organisation_name=m.organisation.name,
                organisation_kind=m.organisation.kind,
                permissions=perms,
                mandate_level=m.mandate_level,
                role_names=tuple(role.name for role in m.roles.all()),
                may_decide_on=m.may_decide_on,
            )
        )
    return tuple(grants)


def viewer_for(
    user, *, token: ApiToken | None = None, origin: str = "web", request_id: str = ""
) -> Viewer:
    """The viewer for a person (all their active memberships) or for an organisation token
    (only the token's organisation)."""
    if user is None or not user.is_authenticated:
        return Viewer(user_id=None, label="anonymous", origin=origin, request_id=request_id)
    token_organisation = token.organisation_id if token is not None else None
    grants = GRANTS.get(
        (user.pk, token_organisation), lambda: _grants(_memberships(user, token_organisation))
    )
    extra = {}
    if token is not None:
        origin = "api"
        # Services refuse a token's writes outside its own organisation.
        extra["organisation_scope"] = token.organisation_id
    return Viewer(
        user_id=user.pk,
        label=user.get_username(),
        grants=grants,
        origin=origin,
        request_id=request_id,
        # A token acts for its organisation with its roles there, never as a superuser.
        is_superuser=user.is_superuser and token is None,
        extra=extra,
    )


# Every request builds its viewer from the person's memberships, roles and permissions:
# the grants are kept per process (core.cache.ProcessMemo) and forgotten in every process
# when a membership, role, organisation, user or a role's permissions change (apps.py).
# The grants are frozen dataclasses: safe to share.
GRANTS = ProcessMemo("partners.grants")


def _memberships(user, organisation_id: int | None):
    memberships = (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .prefetch_related(
            Prefetch(
                "roles",
                queryset=Role.objects.order_by("name").prefetch_related(
                    # With their content types: one query fewer on every request.
                    Prefetch(
                        "permissions", queryset=Permission.objects.select_related("content_type")
                    )
                ),
            )
        )
        .order_by("organisation__name")
    )
    if organisation_id is not None:
        memberships = memberships.filter(organisation_id=organisation_id)
    return memberships


def viewer_for_request(request) -> Viewer:
    """The viewer of a page or API request, built once and kept on the request."""
    cached = getattr(request, "_wijkregie_viewer", None)
    if cached is not None:
        return cached
    auth = getattr(request, "auth", None)
    token = auth if isinstance(auth, ApiToken) else None
    viewer = viewer_for(
        request.user,
        token=token,
        origin="api" if request.path.startswith("/api/") else "web",
        request_id=getattr(request, "request_id", ""),
    )
    request._wijkregie_viewer = viewer
    return viewer


# --- permissions helpers ----------------------------------------------------------------


def _may_read(viewer: Viewer) -> bool:
    return viewer.is_superuser or not viewer.is_anonymous


def may_manage_partners(viewer: Viewer) -> bool:
    return viewer.is_superuser or viewer.has_perm(MANAGE_PARTNERS)


def may_view_directory(viewer: Viewer) -> bool:
    return may_manage_partners(viewer) or viewer.has_perm(VIEW_DIRECTORY)


def assignable_permission_list() -> QuerySet[Permission]:
    """Every permission a role may grant (the apps in ASSIGNABLE_PERMISSION_APPS)."""
    return (
        Permission.objects.filter(content_type__app_label__in=ASSIGNABLE_PERMISSION_APPS)
        .select_related("content_type")
        .order_by("content_type__app_label", "codename")
    )


# --- organisations -------------------------------------------------------------------


def organisation_list(*, viewer: Viewer, include_inactive: bool = False) -> QuerySet[Organisation]:
    if not _may_read(viewer):
        return Organisation.objects.none()
    qs = Organisation.objects.all()
    if not (include_inactive and may_manage_partners(viewer)):
        qs = qs.filter(is_active=True)
    return qs.order_by("name")


def organisation_get(*, viewer: Viewer, id: int) -> Organisation:
    try:
        return organisation_list(viewer=viewer, include_inactive=True).get(pk=id)
    except (Organisation.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("Not found.")) from exc


# --- memberships -------------------------------------------------------------------------


def membership_list(
    *,
    viewer: Viewer,
    organisation_id: int | None = None,
    include_inactive: bool = False,
    include_service_accounts: bool = False,
) -> QuerySet[Membership]:
    """The memberships the viewer may see, optionally of one organisation.

    `include_inactive` and `include_service_accounts` are honoured for managers only.
    """
    if not _may_read(viewer):
        return Membership.objects.none()
    qs = Membership.objects.select_related("user", "organisation").prefetch_related(
        Prefetch("roles", queryset=Role.objects.order_by("name"))
    )
    manager = may_manage_partners(viewer)
    if not (manager or viewer.has_perm(VIEW_DIRECTORY)):
        qs = qs.filter(organisation_id__in=viewer.organisation_ids)
    if not (include_inactive and manager):
        qs = qs.filter(is_active=True, organisation__is_active=True)
    if not (include_service_accounts and manager):
        qs = qs.filter(is_service_account=False)
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    return qs.order_by(
        "organisation__name", "user__last_name", "user__first_name", "user__username"
    )


def membership_get(*, viewer: Viewer, id: int) -> Membership:
    try:
        return membership_list(
            viewer=viewer, include_inactive=True, include_service_accounts=True
        ).get(pk=id)
    except (Membership.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("Not found.")) from exc


def directory(*, viewer: Viewer) -> list[Organisation]:
    """The partner directory: active organisations, each with `.directory_members` (its
    active people, with user and roles). Raises PermissionDenied without
    `partners.view_directory` (or `partners.manage_partners`)."""
    if not may_view_directory(viewer):
        raise PermissionDenied(_("You are not allowed to see the partner directory."))
    members = (
        Membership.objects.filter(is_active=True, is_service_account=False)
        .select_related("user")
        .prefetch_related(Prefetch("roles", queryset=Role.objects.order_by("name")))
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    return list(
        Organisation.objects.filter(is_active=True)
        .prefetch_related(Prefetch("memberships", queryset=members, to_attr="directory_members"))
        .order_by("name")
    )


# --- roles --------------------------------------------------------------------------------


def role_list(*, viewer: Viewer) -> QuerySet[Role]:
    if not _may_read(viewer):
        return Role.objects.none()
    return Role.objects.prefetch_related(
        Prefetch("permissions", queryset=Permission.objects.select_related("content_type"))
    ).order_by("name")


def role_get(*, viewer: Viewer, id: int) -> Role:
    try:
        return role_list(viewer=viewer).get(pk=id)
    except (Role.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("Not found.")) from exc


# --- data-sharing agreements -----------------------------------------------------------------


def data_sharing_agreement_list(*, viewer: Viewer) -> QuerySet[DataSharingAgreement]:
    if not _may_read(viewer):
        return DataSharingAgreement.objects.none()
    qs = DataSharingAgreement.objects.prefetch_related(
        Prefetch("parties", queryset=Organisation.objects.order_by("name"))
    )
    if not may_manage_partners(viewer):
        qs = qs.filter(
            pk__in=DataSharingAgreement.objects.filter(parties__in=viewer.organisation_ids).values(
                "pk"
            )
        )
    return qs.order_by("title", "pk")


def data_sharing_agreement_get(*, viewer: Viewer, id: int) -> DataSharingAgreement:
    try:
        return data_sharing_agreement_list(viewer=viewer).get(pk=id)
    except (DataSharingAgreement.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("Not found.")) from exc


def _valid_on(day: date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def agreements_covering(
    organisation_ids: Iterable[int], category: str, *, on: date | None = None
) -> list[DataSharingAgreement]:
    """The agreements valid on `on` (default: today) that have *all* `organisation_ids` as
    parties and cover the data `category` (a `DataCategory` value).

    A system-level fact, not filtered by a viewer: the residents app asks it, e.g.
    `agreements_covering([viewer_org, landlord], DataCategory.RESIDENT_IDENTITY)`.
    """
    if category not in DataCategory.values:
        raise ValueError(f"unknown data category {category!r}")
    day = on or timezone.localdate()
    ids = set(organisation_ids)
    if not ids:
        return []
    qs = DataSharingAgreement.objects.filter(_valid_on(day))
    for oid in ids:  # one join per party: every one of them must be a party
        qs = qs.filter(parties=oid)
    # Filtered in Python: JSON containment is not available on SQLite, and there are few
    # agreements.
    return [a for a in qs.distinct().order_by("title", "pk") if category in a.data_categories]


def organisations_sharing_with(
    organisation_id: int, category: str, *, on: date | None = None
) -> frozenset[int]:
    """The other organisations with which `organisation_id` shares `category` under an
    agreement valid on `on` (default: today)."""
    if category not in DataCategory.values:
        raise ValueError(f"unknown data category {category!r}")
    day = on or timezone.localdate()
    result: set[int] = set()
    agreements = DataSharingAgreement.objects.filter(_valid_on(day), parties=organisation_id)
    for agreement in agreements.prefetch_related("parties").distinct():
        if category in agreement.data_categories:
            result.update(p.pk for p in agreement.parties.all())
    result.discard(organisation_id)
    return frozenset(result)


def shared_categories(
    organisation_ids: Iterable[int], *, on: date | None = None
) -> dict[tuple[int, int], frozenset[str]]:
    """For each ordered pair of distinct organisations among `organisation_ids`, the data
    categories they share under agreements valid on `on` (default: today) that have both
    as parties; a pair without any is absent. A system-level fact (two queries whatever
    the number of organisations), e.g. for what each participant of a case receives."""
    ids = set(organisation_ids)
    if len(ids) < 2:
        return {}
    day = on or timezone.localdate()
    found: dict[tuple[int, int], set[str]] = {}
    agreements = DataSharingAgreement.objects.filter(_valid_on(day), parties__in=ids)
    for agreement in agreements.distinct().prefetch_related("parties"):
        parties = {p.pk for p in agreement.parties.all()} & ids
        for a in parties:
            for b in parties - {a}:
                found.setdefault((a, b), set()).update(agreement.data_categories)
    return {pair: frozenset(c) for pair, c in found.items()}


# --- API tokens ---------------------------------------------------------------------------


def api_token_list(*, viewer: Viewer, organisation_id: int) -> QuerySet[ApiToken]:
    """The tokens of an organisation, newest first; for managers only (PermissionDenied)."""
    if not may_manage_partners(viewer):
        raise PermissionDenied(_("You are not allowed to manage partners."))
    scope = viewer.extra.get("organisation_scope")
    if scope is not None and scope != organisation_id:
        raise PermissionDenied(_("This API token acts for its own organisation only."))
    return (
        ApiToken.objects.filter(organisation_id=organisation_id)
        .select_related("user", "organisation")
        .order_by("-created_at", "-pk")
    )


def api_token_get(*, viewer: Viewer, id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=id).values_list("organisation_id", flat=True).first()
    if token is None or not may_manage_partners(viewer):
        raise NotFound(_("Not found."))
    try:
        return api_token_list(viewer=viewer, organisation_id=token).get(pk=id)
    except PermissionDenied as exc:
        raise NotFound(_("Not found.")) from exc


# Every API and Open311 request checks its key: the active token per prefix is kept per
# process (core.cache.ProcessMemo), forgotten in every process when a token, its
# organisation or its user changes (apps.py). Read-only.
API_TOKENS = ProcessMemo("partners.api-tokens")


def api_token_for_key(key: str) -> ApiToken | None:
    """The active token behind a plain key (`wr_<prefix>_<secret>`), or None.

    The one place that checks a key: the API's token authentication and Open311's
    api_key both call it. A revoked token, an inactive service account or an
    inactive organisation gives None, exactly like an unknown key.
    """
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "wr":
        return None
    token = API_TOKENS.get(
        parts[1],
        lambda: (
            ApiToken.objects.select_related("user", "organisation")
            .filter(prefix=parts[1], revoked_at__isnull=True)
            .first()
        ),
    )
    if (
        token is None
        or not hmac.compare_digest(token.key_hash, ApiToken.hash_key(key))
        or not token.user.is_active
        or not token.organisation.is_active
    ):
        return None
    return token
