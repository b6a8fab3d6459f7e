"""Panels of the professional home page: each app registers what it shows there.

A panel is a template and a function of the request that gives its context (None: not
shown), asked only for professionals with the panel's permission. Core knows no app.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomePanel:
    name: str
    template: str
    context: Callable
    permission: str | None
    order: int = 100


_panels: list[HomePanel] = []


def register(
    name: str, template: str, context: Callable, permission: str | None = None, order: int = 100
) -> None:
    if not any(p.name == name for p in _panels):
        _panels.append(HomePanel(name, template, context, permission, order))


def panels_for(request) -> list[dict]:
    viewer = getattr(request, "viewer", None)
    if viewer is None or viewer.is_anonymous:
        return []
    shown = []
    for panel in sorted(_panels, key=lambda p: p.order):
        if panel.permission is not None and not viewer.has_perm(panel.permission):
            continue
        context = panel.context(request)
        if context is not None:
            shown.append({"template": panel.template, "context": context})
    return shown
