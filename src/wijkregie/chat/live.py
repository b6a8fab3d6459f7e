"""Live delivery of chat events to the connected browsers of every web process.

A post commits, then `publish` sends one small JSON event for its channel. Each web
process keeps one `Hub` per event loop: with Redis (WIJKREGIE_CHAT_REDIS_URL, by default
REDIS_URL) the hub holds one pattern subscription for all chat channels and hands each
event to the queues of the streams connected to that channel in this process; without
Redis (the embedded default, one process) `publish` hands events to the hubs of this
process directly. docs/adr/0016 says why Redis pub/sub and not LISTEN/NOTIFY.

Events are hints with a payload, never the record: a stream that may have missed some
(a full queue, a lost Redis connection) is told to catch up from the database, where
message ids and the channel's change log (`ChannelEvent`) are committed in order per
channel (the writes lock the channel row).

The work per event is done once per process, not once per stream: the hub decodes the
event and encodes its server-sent-event text (`Event.chunk`); a stream only writes it.
Control events (a member removed, a device signed out) go to one topic,
`<prefix>:control`, and reach the streams of that member in every process: streams do not
poll the database to learn that a member is gone.
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
CONTROL = "control"


def sse(event: str, data, event_id=None) -> str:
    """One server-sent event; `data` is encoded as compact JSON."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class Event:
    """An event as the streams of a process receive it: decoded and encoded once."""

    __slots__ = (
        "type",
        "channel",
        "id",
        "previous",
        "member",
        "device",
        "chunk",
        "data",
        "target",
    )

    def __init__(self, type, channel=None, id=None, previous=None, member=None, device=None):
        self.type = type
        self.channel = channel
        self.id = id  # the message id (message) or the change-log id (update, member)
        self.previous = previous  # the channel's message id / change-log id before this one
        self.member = member
        self.device = device
        self.chunk = b""  # the encoded event without its id line (the stream's position)
        self.data = None
        self.target = None  # the message (update) or member (member) the change is about

    @classmethod
    def decode(cls, raw) -> "Event | None":
        try:
            event = json.loads(raw)
            kind = event["type"]
        except (ValueError, KeyError, TypeError):
            return None
        try:
            if kind == "message":
                payload = event["message"]
                found = cls(kind, int(event["channel"]), int(payload["id"]), event.get("previous"))
                found.chunk = _body("message", payload)
            elif kind in ("update", "member"):
                found = cls(kind, int(event["channel"]), int(event["event"]), event.get("previous"))
                found.data = event["message"] if kind == "update" else event["member"]
                found.target = int(found.data["id"])
                found.chunk = _body(kind, found.data)
            elif kind == "member_gone":
                found = cls(kind, member=int(event["member"]), device=event.get("device"))
            else:
                return None
        except (ValueError, KeyError, TypeError):
            return None
        return found


def _body(kind: str, data) -> bytes:
    """The event without its id line: each stream puts its own position in front."""
    return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


CATCH_UP = Event("catch_up")


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
    _send(_topic(channel_id), {**event, "channel": channel_id})


def publish_control(event: dict) -> None:
    """A control event (`member_gone`: member, device or None for all of them) to the
    streams of that member in every process."""
    _send(_topic(CONTROL), event)


def _send(topic: str, event: dict) -> None:
    data = json.dumps(event, separators=(",", ":"))
    if _url():
        try:
            _client().publish(topic, data)
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
        self.members: dict[int, set[asyncio.Queue]] = {}
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
        event = Event.decode(data)
        if event is None:
            return
        if event.type == "member_gone":
            targets = self.members.get(event.member, ())
        else:
            targets = self.queues.get(event.channel, ())
        for queue in list(targets):
            self._put(queue, event)

    def subscribe(self, channel_id: int, member_id: int | None = None) -> asyncio.Queue:
        queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.queues.setdefault(channel_id, set()).add(queue)
        if member_id is not None:
            self.members.setdefault(member_id, set()).add(queue)
        return queue

    def unsubscribe(self, channel_id: int, queue, member_id: int | None = None) -> None:
        for table, key in ((self.queues, channel_id), (self.members, member_id)):
            queues = table.get(key)
            if queues is not None:
                queues.discard(queue)
                if not queues:
                    table.pop(key, None)

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
