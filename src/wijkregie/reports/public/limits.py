"""Rate limits of the resident pages: counts per window in the shared cache.

A rate is "count/seconds" as the settings hold it (`WIJKREGIE_REPORT_RATE_PER_IP`, …).
Counting is atomic across processes (`cache.add` + `cache.incr` on Redis); without a
cache nobody is over a limit (core/cache.py: fail open, with a logged warning).
"""

import time
from dataclasses import dataclass

from django.conf import settings

from wijkregie.core.cache import CacheUnavailable, cache_call, cache_digest


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


def report_rates() -> tuple[Rate, Rate, Rate]:
    """Reports per IP address, per building and category, and per building (BRIEF 1:
    abuse is slowed, not blocked). The address's ceiling is high: a room of neighbours on
    one Wi-Fi (a residents' evening) shares one address; repeats of one subject are held
    by the building-and-category limit instead, and bots by the form's trap (trap.py)."""
    return (
        Rate.parse("report-ip", settings.WIJKREGIE_REPORT_RATE_PER_IP),
        Rate.parse("report-building-category", settings.WIJKREGIE_REPORT_RATE_PER_CATEGORY),
        Rate.parse("report-building", settings.WIJKREGIE_REPORT_RATE_PER_BUILDING),
    )


def report_limit_keys(*, ip: str, building_id: int, category_id: int) -> tuple[str, str, str]:
    """What each of `report_rates()` counts, in the same order."""
    return (ip, f"{building_id}:{category_id}", str(building_id))


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


def lookup_rate() -> Rate:
    """Address lookups per IP address (the start page)."""
    return Rate.parse("lookup-ip", settings.WIJKREGIE_LOOKUP_RATE_PER_IP)
