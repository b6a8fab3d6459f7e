"""Addresses a newsletter carries: the public page, its images, the signed unsubscribe
link and the QR code. No personal data in any of them except the unsubscribe link, which
proves "I am this resident" for one action (residents/links.py: signed, a year valid)."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

import segno

from wijkregie.residents.links import resident_link_principal, resident_link_token

UNSUBSCRIBE_ACTION = "unsubscribe:newsletter_email"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def public_url(newsletter, language: str = "nl") -> str:
    path = reverse("newsletters_public:page", args=[newsletter.public_code])
    return absolute(path + ("?" + urlencode({"lang": language}) if language != "nl" else ""))


def image_url(newsletter, image) -> str:
    return absolute(reverse("newsletters_public:image", args=[newsletter.public_code, image.pk]))


def unsubscribe_token(resident_id: int) -> str:
    return resident_link_token(resident_id=resident_id, action=UNSUBSCRIBE_ACTION)


def unsubscribe_principal(token: str):
    """The resident a token proves, or None for a token that was changed, made up or is
    older than a year."""
    return resident_link_principal(token, action=UNSUBSCRIBE_ACTION)


def unsubscribe_url(resident_id: int) -> str:
    return absolute(
        reverse("newsletters_public:unsubscribe", args=[unsubscribe_token(resident_id)])
    )


def qr_svg(url: str) -> str:
    """The QR code of `url` as an SVG document (segno)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, title=url)


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)
