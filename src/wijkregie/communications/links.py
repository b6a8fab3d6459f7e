"""Addresses a newsletter carries: the public page, its images, the signed unsubscribe
link and the QR code. No personal data in any of them except the unsubscribe link, which
names one delivery under a signature (django.core.signing, SECRET_KEY)."""

from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

import segno

UNSUBSCRIBE_SALT = "wijkregie.communications.newsletter-unsubscribe"


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def public_url(newsletter, language: str = "nl") -> str:
    path = reverse("newsletters_public:page", args=[newsletter.public_code])
    return absolute(path + ("?" + urlencode({"lang": language}) if language != "nl" else ""))


def image_url(newsletter, image) -> str:
    return absolute(reverse("newsletters_public:image", args=[newsletter.public_code, image.pk]))


def unsubscribe_token(delivery_id: int) -> str:
    return signing.dumps(delivery_id, salt=UNSUBSCRIBE_SALT)


def unsubscribe_delivery_id(token: str) -> int | None:
    """The delivery a token names, or None for a token that was changed or made up."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def unsubscribe_url(delivery_id: int) -> str:
    return absolute(
        reverse("newsletters_public:unsubscribe", args=[unsubscribe_token(delivery_id)])
    )


def qr_svg(url: str) -> str:
    """The QR code of `url` as an SVG document (segno)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, title=url)


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)
