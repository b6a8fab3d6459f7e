"""The shared cache as a helper, never a dependency.

Django's cache is Redis in production, so every web process shares what is kept here
(ARCHITECTURE.md: nothing may assume one process). Two rules for every app that keeps
state in it:

- Key names never hold an IP address, a tracking code, a passphrase, an e-mail address or
  a client's key in clear: the identifying part of a key is `cache_digest(purpose, value)`,
  a keyed HMAC salted per purpose, so the key names tell nothing about anyone.
- A failing cache (Redis down or timing out) never takes a page down: `cache_call`
  answers `default` and logs `cache_unavailable` (a warning with the operation), or
  raises `CacheUnavailable` when the caller asked for `strict=True` and has a fallback
  of its own (the database, a page shown at once).

    count = cache_call("rate-read", "get", key, 0, default=0)
"""

import logging

from django.core.cache import cache
from django.utils.crypto import salted_hmac

from redis.exceptions import RedisError

from wijkregie.core.logging import log_event

CACHE_KEY_SALT = "wijkregie.cache-key."

# What a failing cache raises: redis-py's errors, and socket errors of other backends.
CACHE_ERRORS = (RedisError, OSError)


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
            "cache_unavailable",
            level=logging.WARNING,
            action=operation,
            object="cache",
            result="degraded",
            error=type(exc).__name__,
        )
        if strict:
            raise CacheUnavailable(operation) from exc
        return default
