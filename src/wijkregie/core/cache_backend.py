"""Django's Redis cache, with one client per connection pool instead of one per call.

`django.core.cache.backends.redis.RedisCacheClient.get_client` builds a new `redis.Redis`
for every cache operation; its constructor fills a table of ~170 response callbacks each
time, which cost more CPU than the round trip itself (a resident's report makes about ten
cache calls). A `redis.Redis` is safe to share between threads (connections come from
its pool), so each pool gets one, made on first use. Everything else is Django's.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[bool, object] = {}

    def get_client(self, key=None, *, write=False):
        client = self._clients.get(write)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[write] = client
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
