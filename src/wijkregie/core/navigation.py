"""The main navigation: each app registers its entries with the permission they need."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    permission: str | None  # None: every professional
    order: int = 100


_entries: list[NavEntry] = []


def register(label, url_name: str, permission: str | None = None, order: int = 100) -> None:
    if not any(e.url_name == url_name for e in _entries):
        _entries.append(NavEntry(label, url_name, permission, order))


def items_for(request) -> list[dict]:
    viewer = getattr(request, "viewer", None)
    if viewer is None or viewer.is_anonymous:
        return []
    current = request.resolver_match.view_name if request.resolver_match else ""
    return [
        {"label": e.label, "url": reverse(e.url_name), "current": e.url_name == current}
        for e in sorted(_entries, key=lambda e: e.order)
        if e.permission is None or viewer.has_perm(e.permission)
    ]
