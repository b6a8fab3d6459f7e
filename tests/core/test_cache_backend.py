"""The Redis cache backend: one client per pool, on a real Redis of our own, and back in
service by itself after that Redis was down."""

from django.core.cache import caches

import pytest

from tests.core.services import OwnRedis
from tests.core.test_health import redis_cache


@pytest.fixture
def own_redis():
    redis = OwnRedis()
    yield redis
    redis.stop()


def test_one_client_is_made_per_pool_and_used_for_every_call(settings, own_redis):
    settings.CACHES = redis_cache(own_redis.url)
    cache = caches["default"]
    backend = cache._cache
    first = backend.get_client(write=True)
    cache.set("a", 1)
    cache.incr("a")
    assert cache.get("a") == 2
    assert cache.get_many(["a", "b"]) == {"a": 2}
    assert backend.get_client(write=True) is first
    assert backend.get_client(write=False) is backend.get_client(write=False)
    assert set(backend._clients) == {True, False}


def test_the_shared_client_reconnects_after_redis_was_restarted(settings, own_redis):
    settings.CACHES = redis_cache(own_redis.url)
    cache = caches["default"]
    cache.set("before", "x")
    client = cache._cache.get_client(write=True)
    own_redis.stop()
    with pytest.raises(Exception):  # noqa: B017 (redis' ConnectionError or TimeoutError)
        cache.get("before")
    own_redis.start()  # the same port, empty: it keeps nothing on disk
    assert cache.get("before") is None
    cache.set("after", "y")
    assert cache.get("after") == "y"
    assert cache._cache.get_client(write=True) is client
