"""What the confirmation page shows once, kept in the shared cache for RECEIPT_SECONDS.

The receipt (tracking code, the passphrase shown once) is cached under the submission's
idempotency key, so that the answer to a double-click or a retry can still show it, and
the link to it is a signed token of that key. The passphrase of a submission is generated
once and shared by every retry (`pending_passphrase`), and deleted once it has been shown.

The cache is a convenience here: the database holds the report and its key, so a lost
receipt is rebuilt from it (intake.py) and a failing cache shows the receipt at once.
"""

from django.core import signing

from wijkregie.core.cache import CacheUnavailable, cache_call, cache_digest
from wijkregie.reports.passphrases import RECEIPT_SECONDS

RECEIPT_TOKEN_SALT = "wijkregie.reports.public-form.receipt"


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
            timeout=RECEIPT_SECONDS,
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
            timeout=RECEIPT_SECONDS,
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
    cache_call("pending-passphrase", "add", key, fresh, timeout=RECEIPT_SECONDS)
    return cache_call("pending-passphrase", "get", key) or fresh


def passphrase_shown(idempotency_key: str) -> None:
    cache_call("pending-passphrase", "delete", _pending_key(idempotency_key))


def renewal_claim(idempotency_key: str) -> bool:
    """Whether this request may renew the receipt's passphrase: the first of concurrent
    clicks wins (so the page and the database agree on one new passphrase); True when
    the cache failed."""
    key = f"wr:renew-pp:{cache_digest('renew-passphrase', idempotency_key)}"
    return bool(
        cache_call("renew-passphrase", "add", key, 1, timeout=RECEIPT_SECONDS, default=True)
    )


def receipt_token(idempotency_key: str) -> str:
    return signing.dumps(idempotency_key, salt=RECEIPT_TOKEN_SALT, compress=False)


def receipt_token_read(token: str) -> str | None:
    try:
        value = signing.loads(token, salt=RECEIPT_TOKEN_SALT, max_age=RECEIPT_SECONDS)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None
