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
import secrets
import threading

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
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


# --- Reference data kept in each process -----------------------------------------------


class ProcessMemo:
    """Reference data that every request reads and that rarely changes (categories,
    routing rules, API keys), kept in each web process and reloaded when any process
    changed it: correct across processes, one shared-cache read per request.

    The shared cache holds a generation (a random token) per memo; `changed()` gives it
    a new one when the transaction that changed the data commits, and forgets this
    process's copy at once. `get(key, load)` answers from this process's copy while the
    generation it was loaded under is still the shared one, else calls `load()` (the
    database) and keeps the result. Without a cache nothing is kept: every call loads.

    In a request the generations of all memos are read once, together, at the first
    `get` (what was committed before the request started is seen); outside a request
    (tasks, commands) every `get` reads its generation.

        CATEGORIES = ProcessMemo("reports.categories")
        CATEGORIES.get("active", lambda: list(Category.objects.filter(active=True)))
        post_save.connect(CATEGORIES.on_model_change, sender=Category)

    Kept values are shared between requests: treat them as read-only. `max_keys` bounds
    the copy (it starts afresh when full).
    """

    _all: list["ProcessMemo"] = []

    def __init__(self, name: str, *, max_keys: int = 10_000):
        self.name = name
        self.max_keys = max_keys
        self._generation: str | None = None
        self._values: dict = {}
        ProcessMemo._all.append(self)

    @property
    def _key(self) -> str:
        return f"wr:memo:{self.name}"

    def _shared_generation(self) -> str | None:
        seen = getattr(_request, "generations", None)
        if seen is None:
            generation = cache_call("memo-read", "get", self._key)
        else:
            if self.name not in seen:
                names = {memo._key: memo.name for memo in ProcessMemo._all}
                found = cache_call("memo-read", "get_many", list(names)) or {}
                seen.update({name: found.get(key) for key, name in names.items()})
            generation = seen[self.name]
        if generation is None:
            cache_call("memo-store", "add", self._key, secrets.token_hex(8), timeout=None)
            generation = cache_call("memo-read", "get", self._key)
            if seen is not None:
                seen[self.name] = generation
        return generation

    def get(self, key, load):
        generation = self._shared_generation()
        if generation is None:  # no cache: nothing can be kept correctly
            return load()
        if generation != self._generation:
            self._values = {}
            self._generation = generation
        if key in self._values:
            return self._values[key]
        value = load()
        if len(self._values) >= self.max_keys:
            self._values = {}
        self._values[key] = value
        return value

    def changed(self) -> None:
        """The data behind this memo changed: forget this process's copy now, and every
        process's when the current transaction commits (at once outside one)."""
        self.forget()
        transaction.on_commit(self._bump)

    def _bump(self) -> None:
        self.forget()
        cache_call("memo-store", "set", self._key, secrets.token_hex(8), timeout=None)

    def forget(self) -> None:
        self._values = {}
        self._generation = None

    def on_model_change(self, sender=None, **kwargs) -> None:
        """A receiver for post_save / post_delete of the models behind this memo."""
        self.changed()

    @classmethod
    def forget_all(cls) -> None:
        """Forget every process copy (a test's rolled-back data must not outlive it)."""
        for memo in cls._all:
            memo.forget()


# The generations read in the current request (None outside a request).
_request = threading.local()


def _request_begins(**kwargs) -> None:
    _request.generations = {}


def _request_ends(**kwargs) -> None:
    _request.generations = None


request_started.connect(_request_begins, dispatch_uid="wijkregie.core.cache.request_started")
request_finished.connect(_request_ends, dispatch_uid="wijkregie.core.cache.request_finished")
