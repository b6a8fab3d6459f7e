"""The browser of a reporter: a signed cookie with a random id and the digests of the
tracking codes it has proved (reports/passphrases.py: the failures of other people's
devices never lock it out)."""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from wijkregie.core.cache import cache_digest

DEVICE_COOKIE = "wijkregie_follow_device"
DEVICE_SALT = "wijkregie.reports.follow-device"
DEVICE_MAX_CODES = 10
DEVICE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Device:
    """A browser that showed a receipt or passed the passphrase check: its random id and
    the digests of the tracking codes it has proved (never the codes themselves)."""

    id: str
    codes: tuple[str, ...] = ()

    def knows(self, tracking_code: str) -> bool:
        return cache_digest("device-code", tracking_code) in self.codes

    def with_code(self, tracking_code: str) -> "Device":
        digest = cache_digest("device-code", tracking_code)
        codes = (digest, *[c for c in self.codes if c != digest])[:DEVICE_MAX_CODES]
        return Device(self.id, codes)


def device_read(request) -> Device:
    """The request's device cookie, or a new device (a forged cookie counts as none)."""
    try:
        data = signing.loads(request.COOKIES.get(DEVICE_COOKIE, ""), salt=DEVICE_SALT)
    except signing.BadSignature:
        data = None
    if isinstance(data, dict) and isinstance(data.get("d"), str) and data["d"]:
        codes = data.get("c")
        if isinstance(codes, list) and all(isinstance(c, str) for c in codes):
            return Device(data["d"], tuple(codes[:DEVICE_MAX_CODES]))
    return Device(secrets.token_urlsafe(16))


def device_remember(response, device: Device, tracking_code: str) -> None:
    """Remember on this browser that it proved `tracking_code` (reports/passphrases.py:
    the failures of other people's devices never lock it out)."""
    value = signing.dumps(
        {"d": device.id, "c": list(device.with_code(tracking_code).codes)},
        salt=DEVICE_SALT,
        compress=True,
    )
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_MAX_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
