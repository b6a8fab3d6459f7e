"""Tags for the error pages, which must render whatever else is broken."""

from django import template
from django.conf import settings
from django.templatetags.static import static

register = template.Library()


@register.simple_tag
def safe_static(path: str) -> str:
    """The static URL of `path`, or its plain URL when the manifest lacks it (collectstatic
    not run): the error page then shows without its hashed stylesheet, but it shows."""
    try:
        return static(path)
    except ValueError:
        return f"{settings.STATIC_URL}{path}"
