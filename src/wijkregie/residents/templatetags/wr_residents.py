from django import template
from django.utils.translation import gettext as _

from wijkregie.residents.languages import language_name as name_of_language

register = template.Library()


@register.filter
def language_name(code: str) -> str:
    """nl → Nederlands/Dutch, in the interface language; an unknown code stays as it is."""
    return name_of_language(code) if code else ""


@register.filter
def yesno_text(value) -> str:
    return _("Yes") if value else _("No")
