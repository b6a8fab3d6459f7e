"""Abuse controls of the public pages: rate limits, the bot trap and the idempotency key.

All state lives in Django's cache (Redis in production, so every web process shares it;
ARCHITECTURE.md: nothing may assume one process). Cache keys never hold an IP address, a
tracking code, a passphrase or an e-mail address in clear: every identifying part of a key
is a keyed HMAC (`cache_digest`), so the key names in the cache tell nothing about anyone.

The cache is a helper, never a dependency: when it fails (Redis down or timing out) every
function here answers as if the cache were empty and logs `public_cache_unavailable`
(a warning), so residents can still report and follow up. Rate limits then fail open;
receipts fall back to the database (public_views); nothing a resident typed is lost.

The bot trap needs no CAPTCHA (CAPTCHAs shut out residents with disabilities): a honeypot
field that people never see, and a signed token that says when the form was rendered.
The same token carries the idempotency key, generated on the server when the form is
rendered, so a double-click, a reload or a retry after a lost connection sends the same
key and the report service stores one report.
"""

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from redis.exceptions import RedisError

from wijkregie.core.logging import log_event

FORM_TOKEN_SALT = "wijkregie.reports.public-form"
HONEYPOT_FIELD = "wr_contact_website"
FORM_TOKEN_FIELD = "form_token"
CACHE_KEY_SALT = "wijkregie.reports.cache-key."

# What a failing cache raises: redis-py's errors, and socket errors of other backends.
CACHE_ERRORS = (RedisError, OSError)


def _digest(value: str) -> str:
    # Only for idempotency_key_for: stored in the database, so it must never change.
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def cache_digest(purpose: str, value: str) -> str:
    """The part of a cache key that stands for `value` (an address, a tracking code, a
    key): a keyed HMAC, salted per purpose so one digest cannot be matched to another."""
    return salted_hmac(CACHE_KEY_SALT + purpose, value, algorithm="sha256").hexdigest()[:32]


class CacheUnavailable(Exception):
    """Raised by `cache_call(..., strict=True)` when the cache failed."""


def cache_call(operation: str, method: str, *args, default=None, strict=False, **kwargs):
    """`cache.<method>(*args, **kwargs)`, or `default` (with a logged warning) when the
    cache fails. `strict=True` raises CacheUnavailable instead of answering `default`."""
    try:
        return getattr(cache, method)(*args, **kwargs)
    except CACHE_ERRORS as exc:
        log_event(
            "public_cache_unavailable",
            level=logging.WARNING,
            action=operation,
            object="cache",
            result="degraded",
            origin="web",
            error=type(exc).__name__,
        )
        if strict:
            raise CacheUnavailable(operation) from exc
        return default


# --- Rate limits ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    scope: str
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, scope: str, text: str) -> "Rate":
        """A rate written as "10/3600" (count per seconds), as the settings hold it."""
        limit, window = str(text).split("/")
        return cls(scope=scope, limit=int(limit), window=int(window))


def report_rates() -> tuple[Rate, Rate]:
    """Reports per IP address and per building (BRIEF 1: abuse is slowed, not blocked)."""
    return (
        Rate.parse("report-ip", settings.WIJKREGIE_REPORT_RATE_PER_IP),
        Rate.parse("report-building", settings.WIJKREGIE_REPORT_RATE_PER_BUILDING),
    )


def _bucket_key(rate: Rate, ident: str) -> str:
    window_index = int(time.time()) // rate.window
    return f"wr:rl:{rate.scope}:{cache_digest('rate:' + rate.scope, ident)}:{window_index}"


def rate_count(rate: Rate, ident: str) -> int:
    return cache_call("rate-read", "get", _bucket_key(rate, ident), 0, default=0) or 0


def rate_exceeded(rate: Rate, ident: str) -> bool:
    """True when `ident` has used up `rate` in the current window (counts nothing).

    Fails open: without a cache nobody is over a limit (a warning is logged)."""
    return rate_count(rate, ident) >= rate.limit


def rate_hit(rate: Rate, ident: str) -> int:
    """Count one use of `rate` by `ident`; returns the count in the current window
    (0 when the cache failed: the use is not counted).

    `cache.add` + `cache.incr` are atomic on Redis, so concurrent processes count right.
    """
    key = _bucket_key(rate, ident)
    try:
        cache_call("rate-count", "add", key, 0, timeout=rate.window + 5, strict=True)
        try:
            return cache_call("rate-count", "incr", key, strict=True)
        except ValueError:  # evicted between add and incr
            cache_call("rate-count", "set", key, 1, timeout=rate.window + 5, strict=True)
            return 1
    except CacheUnavailable:
        return 0


# --- Bot trap and idempotency key ---------------------------------------------------


class Verdict(Enum):
    OK = "ok"
    BOT = "bot"  # the honeypot is filled in: a neutral answer, nothing stored
    REFUSED = "refused"  # no token, or one we cannot verify: say so, give the form back
    TOO_FAST = "too_fast"  # sent sooner than a person can: ask to send again
    EXPIRED = "expired"  # the form was open too long: ask to send again


@dataclass(frozen=True)
class FormCheck:
    verdict: Verdict
    idempotency_key: str = ""
    reason: str = ""  # why a form was refused (for the log): "missing" or "unverified"


def new_form_token() -> str:
    """A signed token with a fresh idempotency key and the time the form was rendered.

    The key is random and signed, so a client can neither choose it (and collide with
    somebody else's report) nor send a form without one."""
    key = secrets.token_urlsafe(24)
    return signing.dumps({"k": key, "t": int(time.time())}, salt=FORM_TOKEN_SALT, compress=False)


def form_token_for_key(key: str, *, rendered_at: int) -> str:
    """The token for an existing key (re-rendering a form keeps its key)."""
    return signing.dumps({"k": key, "t": rendered_at}, salt=FORM_TOKEN_SALT, compress=False)


def read_form_token(token: str) -> dict | None:
    try:
        data = signing.loads(token or "", salt=FORM_TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        return None
    if not isinstance(data.get("t"), int):
        return None
    return data


def check_form(data) -> FormCheck:
    """Judge a posted public form by its honeypot and its signed token.

    A token that does not verify (a key change without SECRET_KEY_FALLBACKS, a mangled
    page) is most likely a person's form: REFUSED, so the page says so and gives the form
    back filled in, never a false "thank you". Only the honeypot gets the neutral answer.
    """
    if (data.get(HONEYPOT_FIELD) or "").strip():
        return FormCheck(Verdict.BOT)
    raw = data.get(FORM_TOKEN_FIELD, "") or ""
    token = read_form_token(raw)
    if token is None:
        return FormCheck(Verdict.REFUSED, reason="unverified" if raw else "missing")
    age = time.time() - token["t"]
    if age > settings.WIJKREGIE_FORM_MAX_AGE:
        return FormCheck(Verdict.EXPIRED, token["k"])
    if age < settings.WIJKREGIE_FORM_MIN_SECONDS:
        return FormCheck(Verdict.TOO_FAST, token["k"])
    return FormCheck(Verdict.OK, token["k"])


def idempotency_key_for(*parts: str) -> str:
    """A stable key for a request from an API client's own key (Open311): namespaced per
    client so two reporting apps choosing the same key cannot collide."""
    return "o311-" + _digest("\x1f".join(parts))


# --- The receipt: what the confirmation page shows once ----------------------------


RECEIPT_TIMEOUT = 3600


def _receipt_key(idempotency_key: str) -> str:
    return f"wr:receipt:{cache_digest('receipt', idempotency_key)}"


def receipt_store(idempotency_key: str, receipt: dict, *, replace: bool = False) -> bool:
    """Keep what the confirmation page shows (tracking code, the passphrase shown once)
    for an hour, so that the response to a double-click or a retry can still show it.

    Keeps the first receipt unless `replace`. False when the cache failed: the caller
    shows the receipt at once instead of redirecting to it."""
    method = "set" if replace else "add"
    try:
        cache_call(
            "receipt-store",
            method,
            _receipt_key(idempotency_key),
            receipt,
            timeout=RECEIPT_TIMEOUT,
            strict=True,
        )
    except CacheUnavailable:
        return False
    return True


def receipt_peek(idempotency_key: str) -> dict | None:
    """The cached receipt without taking it. Raises CacheUnavailable when the cache failed."""
    return cache_call("receipt-read", "get", _receipt_key(idempotency_key), strict=True)


def receipt_take(idempotency_key: str) -> dict | None:
    """The receipt, with the passphrase removed from the cache once it has been read.
    None when there is none, or the cache failed."""
    key = _receipt_key(idempotency_key)
    receipt = cache_call("receipt-read", "get", key)
    if receipt is None:
        return None
    if receipt.get("passphrase"):
        cache_call(
            "receipt-store",
            "set",
            key,
            {**receipt, "passphrase": ""},
            timeout=RECEIPT_TIMEOUT,
        )
    # Shown now: the secret need not wait in the cache for a retry any more.
    passphrase_shown(idempotency_key)
    return receipt


def _pending_key(idempotency_key: str) -> str:
    return f"wr:pending-pp:{cache_digest('pending-passphrase', idempotency_key)}"


def pending_passphrase(idempotency_key: str, generate) -> str:
    """The passphrase for the submission with this key: generated once, shared by every
    retry, so concurrent double-clicks hand the service the same passphrase. Without a
    cache every call generates a new one (the first stored report's one counts)."""
    key = _pending_key(idempotency_key)
    fresh = generate()
    cache_call("pending-passphrase", "add", key, fresh, timeout=RECEIPT_TIMEOUT)
    return cache_call("pending-passphrase", "get", key) or fresh


def passphrase_shown(idempotency_key: str) -> None:
    cache_call("pending-passphrase", "delete", _pending_key(idempotency_key))


def renewal_claim(idempotency_key: str) -> bool:
    """Whether this request may renew the receipt's passphrase: the first of concurrent
    clicks wins (so the page and the database agree on one new passphrase); True when
    the cache failed."""
    key = f"wr:renew-pp:{cache_digest('renew-passphrase', idempotency_key)}"
    return bool(
        cache_call("renew-passphrase", "add", key, 1, timeout=RECEIPT_TIMEOUT, default=True)
    )


def _sent_key(idempotency_key: str) -> str:
    return f"wr:sent:{cache_digest('sent', idempotency_key)}"


def already_sent(idempotency_key: str) -> bool:
    """Whether a submission with this key succeeded before (a retry: no limits, no work).
    False when the cache failed (report submissions then ask the database)."""
    return cache_call("sent-read", "get", _sent_key(idempotency_key)) is not None


def mark_sent(idempotency_key: str) -> None:
    cache_call("sent-store", "set", _sent_key(idempotency_key), 1, timeout=RECEIPT_TIMEOUT)


def receipt_token(idempotency_key: str) -> str:
    return signing.dumps(idempotency_key, salt=FORM_TOKEN_SALT + ".receipt", compress=False)


def receipt_token_read(token: str) -> str | None:
    try:
        value = signing.loads(token, salt=FORM_TOKEN_SALT + ".receipt", max_age=RECEIPT_TIMEOUT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None


# --- The signed follow-up link in e-mails to reporters who left an address -------------

FOLLOW_LINK_SALT = "wijkregie.reports.follow-up-link"


def follow_up_link_token(report_id: int) -> str:
    """A token for `reports_public:follow_up_link`: opens the report's follow-up page
    without the passphrase for WIJKREGIE_FOLLOW_UP_LINK_DAYS (e-mails to shielded and
    open reporters; anonymous reports never get one)."""
    return signing.dumps({"r": report_id}, salt=FOLLOW_LINK_SALT, compress=False)


def follow_up_link_read(token: str) -> int | None:
    max_age = settings.WIJKREGIE_FOLLOW_UP_LINK_DAYS * 24 * 3600
    try:
        data = signing.loads(token or "", salt=FOLLOW_LINK_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    value = data.get("r") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


# --- The device cookie: the reporter's own browser ----------------------------------------

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
