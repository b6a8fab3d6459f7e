"""The bot trap of the resident forms, and the idempotency key every form carries.

It needs no CAPTCHA (CAPTCHAs shut out residents with disabilities): a honeypot field
that people never see, and a signed token that says when the form was rendered. The same
token carries the idempotency key, generated on the server when the form is rendered, so
a double-click, a reload or a retry after a lost connection sends the same key, and the
service stores one report, one message, one photo (the database keeps the key).
"""

import secrets
import time
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.core import signing

FORM_TOKEN_SALT = "wijkregie.reports.public-form"
HONEYPOT_FIELD = "wr_contact_website"
FORM_TOKEN_FIELD = "form_token"


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
