"""Reads of organisations and people; `viewer_for` builds the Viewer every selector takes."""

from django.db.models import Prefetch

from wijkregie.core.access import Grant, Viewer
from wijkregie.partners.models import ApiToken, Membership, Role


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
    memberships = (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .prefetch_related(
            Prefetch(
                "roles",
                queryset=Role.objects.prefetch_related("permissions__content_type"),
            )
        )
        .order_by("organisation__name")
    )
    if token is not None:
        memberships = memberships.filter(organisation_id=token.organisation_id)
        origin = "api"
    return Viewer(
        user_id=user.pk,
        label=user.get_username(),
        grants=_grants(memberships),
        origin=origin,
        request_id=request_id,
        is_superuser=user.is_superuser,
    )


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
