"""The public form's rate limits on the real Redis that production shares between
web processes: counts from many threads at once add up exactly, and the limit holds."""

import os
import threading
import uuid

import pytest
import redis

from wijkregie.reports.public.limits import Rate, rate_count, rate_exceeded, rate_hit

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2")


@pytest.fixture
def redis_cache(settings):

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}; CI must test against it.")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"wijkregie-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "wijkregie.core.cache_backend.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def test_concurrent_hits_are_counted_exactly_on_redis(redis_cache):
    rate = Rate(scope="report-ip", limit=1000, window=3600)
    ident = "203.0.113.9"

    def hit_five_times():
        for _ in range(5):
            rate_hit(rate, ident)

    threads = [threading.Thread(target=hit_five_times) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert rate_count(rate, ident) == 100


def test_the_limit_holds_on_redis_and_is_per_address(redis_cache):
    rate = Rate(scope="report-ip", limit=3, window=3600)

    counts = [rate_hit(rate, "198.51.100.1") for _ in range(3)]

    assert counts == [1, 2, 3]
    assert rate_exceeded(rate, "198.51.100.1") is True
    assert rate_exceeded(rate, "198.51.100.2") is False
