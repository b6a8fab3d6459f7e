"""Abuse controls of the public pages: rate limits, the bot trap and the idempotency key.

All state lives in Django's cache (Redis in production, so every web process shares it;
ARCHITECTURE.md: nothing may assume one process). Cache keys never hold an IP address or
a tracking code in clear: they are keyed HMACs, so the cache holds nothing personal.

The bot trap needs no CAPTCHA (CAPTCHAs shut out residents with disabilities): a honeypot
field that people never see, and a signed token that says when the form was rendered.
The same token carries the idempotency key, generated on the server when the form is
rendered, so a double-click, a reload or a retry after a lost connection sends the same
key and the report service stores one report.
"""

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.core import signing
from django.core.cache import cache

FORM_TOKEN_SALT = "wijkregie.reports.public-form"
HONEYPOT_FIELD = "wr_contact_website"
FORM_TOKEN_FIELD = "form_token"


def _digest(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


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
    return f"wr:rl:{rate.scope}:{_digest(ident)}:{window_index}"


def rate_count(rate: Rate, ident: str) -> int:
    return cache.get(_bucket_key(rate, ident), 0)


def rate_exceeded(rate: Rate, ident: str) -> bool:
    """True when `ident` has used up `rate` in the current window (counts nothing)."""
    return rate_count(rate, ident) >= rate.limit


def rate_hit(rate: Rate, ident: str) -> int:
    """Count one use of `rate` by `ident`; returns the count in the current window.

    `cache.add` + `cache.incr` are atomic on Redis, so concurrent processes count right.
    """
    key = _bucket_key(rate, ident)
    cache.add(key, 0, timeout=rate.window + 5)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=rate.window + 5)
        return 1


# --- Bot trap and idempotency key ---------------------------------------------------


class Verdict(Enum):
    OK = "ok"
    BOT = "bot"  # honeypot filled in, or a token we did not sign: a neutral answer
    TOO_FAST = "too_fast"  # sent sooner than a person can: ask to send again
    EXPIRED = "expired"  # the form was open too long: ask to send again


@dataclass(frozen=True)
class FormCheck:
    verdict: Verdict
    idempotency_key: str = ""


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
    """Judge a posted public form by its honeypot and its signed token."""
    if (data.get(HONEYPOT_FIELD) or "").strip():
        return FormCheck(Verdict.BOT)
    token = read_form_token(data.get(FORM_TOKEN_FIELD, ""))
    if token is None:
        return FormCheck(Verdict.BOT)
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
    return f"wr:receipt:{_digest(idempotency_key)}"


def receipt_store(idempotency_key: str, receipt: dict) -> None:
    """Keep what the confirmation page shows (tracking code, the passphrase shown once)
    for an hour, so that the response to a double-click or a retry can still show it."""
    cache.add(_receipt_key(idempotency_key), receipt, timeout=RECEIPT_TIMEOUT)


def receipt_take(idempotency_key: str) -> dict | None:
    """The receipt, with the passphrase removed from the cache once it has been read."""
    key = _receipt_key(idempotency_key)
    receipt = cache.get(key)
    if receipt is None:
        return None
    if receipt.get("passphrase"):
        cache.set(key, {**receipt, "passphrase": ""}, timeout=RECEIPT_TIMEOUT)
    # Shown now: the secret need not wait in the cache for a retry any more.
    cache.delete(_pending_key(idempotency_key))
    return receipt


def _pending_key(idempotency_key: str) -> str:
    return f"wr:pending-pp:{_digest(idempotency_key)}"


def pending_passphrase(idempotency_key: str, generate) -> str:
    """The passphrase for the submission with this key: generated once, shared by every
    retry, so concurrent double-clicks hand the service the same passphrase."""
    key = _pending_key(idempotency_key)
    cache.add(key, generate(), timeout=RECEIPT_TIMEOUT)
    return cache.get(key) or generate()


def already_sent(idempotency_key: str) -> bool:
    """Whether a submission with this key succeeded before (a retry: no limits, no work)."""
    return cache.get(f"wr:sent:{_digest(idempotency_key)}") is not None


def mark_sent(idempotency_key: str) -> None:
    cache.set(f"wr:sent:{_digest(idempotency_key)}", 1, timeout=RECEIPT_TIMEOUT)


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
