from django.conf import settings

from wijkregie.core.navigation import items_for


def shell(request):
    """What the page frame needs on every page: theme, languages and the navigation."""
    viewer = getattr(request, "viewer", None)
    return {
        "theme_class": settings.WIJKREGIE_THEME_CLASS,
        "theme_stylesheet": settings.WIJKREGIE_THEME_STYLESHEET,
        "demo_mode": settings.DEMO_MODE,
        "viewer": viewer,
        "nav_items": items_for(request),
    }
