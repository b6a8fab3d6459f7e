"""Live delivery of chat events to the connected browsers of every web process.

A post commits, then `publish` sends one small JSON event for its channel. Each web
process keeps one `Hub` per event loop: with Redis (WIJKREGIE_CHAT_REDIS_URL, by default
REDIS_URL) the hub holds one pattern subscription for all chat channels and hands each
event to the queues of the streams connected to that channel in this process; without
Redis (the embedded default, one process) `publish` hands events to the hubs of this
process directly. docs/adr/0016 says why Redis pub/sub and not LISTEN/NOTIFY.

Events are hints with a payload, never the record: a stream that may have missed some
(a full queue, a lost Redis connection) is told to catch up from the database, where
message ids are committed in order per channel (services.message_post locks the channel).
"""

import asyncio
import contextlib
import json
import logging
import threading

from django.conf import settings

import redis
import redis.asyncio as aioredis

logger = logging.getLogger(__name__)

QUEUE_SIZE = 256
CATCH_UP = {"type": "catch_up"}


def _url() -> str:
    return settings.WIJKREGIE_CHAT_REDIS_URL


def _topic(channel_id) -> str:
    return f"{settings.WIJKREGIE_CHAT_PUBSUB_PREFIX}:{channel_id}"


_sync_clients: dict[str, redis.Redis] = {}
_sync_lock = threading.Lock()


def _client() -> redis.Redis:
    """One client (with its connection pool) per URL, shared by the threads of a process."""
    url = _url()
    with _sync_lock:
        if url not in _sync_clients:
            _sync_clients[url] = redis.Redis.from_url(
                url, socket_connect_timeout=1, socket_timeout=1
            )
        return _sync_clients[url]


def publish(channel_id: int, event: dict) -> None:
    """Send `event` to every stream of `channel_id` in every process. Never raises: a
    lost event is caught up by the streams (the database has the messages)."""
    data = json.dumps({**event, "channel": channel_id}, separators=(",", ":"))
    if _url():
        try:
            _client().publish(_topic(channel_id), data)
        except Exception as exc:  # noqa: BLE001 (the post is stored; streams catch up)
            logger.warning("chat publish failed: %s", exc)
        return
    for key, hub in list(_hubs.items()):
        if hub.loop.is_closed():
            _hubs.pop(key, None)
            continue
        hub.loop.call_soon_threadsafe(hub.dispatch, data)


class Hub:
    """The streams of one event loop, by channel id."""

    def __init__(self, loop):
        self.loop = loop
        self.queues: dict[int, set[asyncio.Queue]] = {}
        self.ready = asyncio.Event()
        self._task = None

    async def start(self):
        if not _url():
            self.ready.set()
            return
        if self._task is None:
            self._task = asyncio.ensure_future(self._read())
        await asyncio.wait_for(self.ready.wait(), timeout=5)

    async def _read(self):
        pattern = f"{settings.WIJKREGIE_CHAT_PUBSUB_PREFIX}:*"
        while True:
            connection = aioredis.Redis.from_url(_url(), socket_connect_timeout=2)
            try:
                pubsub = connection.pubsub(ignore_subscribe_messages=True)
                await pubsub.psubscribe(pattern)
                if self.ready.is_set():  # a reconnect: events may have been missed
                    self._all(CATCH_UP)
                self.ready.set()
                async for message in pubsub.listen():
                    if message.get("type") == "pmessage":
                        self.dispatch(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 (any Redis trouble: retry)
                logger.warning("chat subscription lost: %s", exc)
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await connection.aclose()

    def _all(self, event):
        for queues in self.queues.values():
            for queue in queues:
                self._put(queue, event)

    @staticmethod
    def _put(queue, event):
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:
            # The stream is behind: drop what it has and let it read the database.
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait(CATCH_UP)

    def dispatch(self, data):
        try:
            event = json.loads(data)
            channel_id = int(event["channel"])
        except (ValueError, KeyError, TypeError):
            return
        for queue in list(self.queues.get(channel_id, ())):
            self._put(queue, event)

    def subscribe(self, channel_id: int) -> asyncio.Queue:
        queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.queues.setdefault(channel_id, set()).add(queue)
        return queue

    def unsubscribe(self, channel_id: int, queue) -> None:
        queues = self.queues.get(channel_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                self.queues.pop(channel_id, None)

    def connections(self) -> int:
        return sum(len(q) for q in self.queues.values())


_hubs: dict[int, Hub] = {}


async def hub() -> Hub:
    """The hub of the running event loop, subscribed before it is returned (so a stream
    that subscribes, then reads the database, misses nothing in between)."""
    loop = asyncio.get_running_loop()
    for key, old in list(_hubs.items()):
        if old.loop.is_closed():
            _hubs.pop(key, None)
    found = _hubs.get(id(loop))
    if found is None or found.loop is not loop:
        found = _hubs[id(loop)] = Hub(loop)
    await found.start()
    return found
