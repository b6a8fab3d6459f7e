from django import template

from wijkregie.communications.richtext import body_text

register = template.Library()


@register.filter
def newsletter_text(body_html: str) -> str:
    """The plain text of a sanitised newsletter body (the e-mail's text part)."""
    return body_text(body_html or "")
