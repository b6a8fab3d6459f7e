"""The building chat's live fan-out: many members connected by server-sent events over
many building channels, one message per second per channel, two web processes with the
fan-out through Redis pub/sub.

    BENCH_DATABASE_URL=postgres://…/db .venv/bin/python -m bench.chat_fanout \
        --clients 1000 --channels 50

Measures, per delivered event, the latency from the post (the time taken just before
`services.message_post` is called; the publish follows the commit) to its receipt at the
client; the messages lost (posted in the client's channel while it was connected, never
received) and doubled (received twice); and the memory per connection (the web
processes' resident set size after the clients connected, minus before, divided by the
clients). The two uvicorn processes are the product's own ASGI application with
production settings (bench/chat_web.py; BENCH_CHAT_PROFILE=<folder> profiles them).

The load generator shares the machine with the web processes, so it is kept light: all
clients in this one process (asyncio, one read per arriving chunk, no per-line timers),
and one poster process that posts at exactly one message per second per channel, on a
fixed schedule (a post that is late is sent at once and counted in `posts_late`).
"""

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from bench.common import RESULTS_DIR, ROOT, bench_database_url, server_env
from bench.server import free_port


def _django(env):
    os.environ.update({k: v for k, v in env.items() if k not in ("PYTHONPATH",)})
    for p in (str(ROOT), str(ROOT / "src")):
        if p not in sys.path:
            sys.path.insert(0, p)
    import django

    django.setup()


def _migrate(env):
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def build(clients: int, channels: int, run_id: str) -> dict:
    """50 buildings with their channels and `clients` resident members with a signed-in
    device each: bench rows made directly (a data generator, not a test of the services).
    Returns the session cookies per channel and the poster principal per channel."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from wijkregie.chat import services
    from wijkregie.chat.models import DeviceSession, Member, MemberKind
    from wijkregie.chat.selectors import MEMBER_SUBJECT
    from wijkregie.chat.session import SESSION_KEY
    from wijkregie.partners.models import Organisation
    from wijkregie.places.models import Building, Unit
    from wijkregie.residents.models import Resident

    issuer = services._issuer
    organisation, _created = Organisation.objects.get_or_create(
        slug=f"bench-chat-{run_id}",
        defaults={"name": f"Bench chat {run_id}", "kind": "housing_corporation"},
    )
    plan = []
    for c in range(channels):
        building = Building.objects.create(
            name=f"Bench {run_id} {c}",
            owner=organisation,
            street="Benchlaan",
            postcode="3521HZ",
            city="Bench",
            floors=4,
        )
        unit = Unit.objects.create(
            building=building,
            postcode="3521HZ",
            house_number=(int(run_id, 16) % 90000) * 100 + c + 1,
            floor=0,
        )
        general = services.channels_ensure(building=building)["general"]
        plan.append(
            {
                "channel": general.pk,
                "building": building,
                "unit": unit,
                "cookies": [],
                "poster": None,
            }
        )
    for n in range(clients + channels):
        slot = plan[n % channels]
        resident = Resident.objects.create(
            landlord=organisation,
            external_id=f"B{run_id}{n}",
            given_name="Bench",
            family_name=str(n),
        )
        member = Member.objects.create(
            building=slot["building"],
            kind=MemberKind.RESIDENT,
            resident=resident,
            unit=slot["unit"],
            display_name=f"Lid {n}",
        )
        device = DeviceSession.objects.create(member=member)
        principal = issuer.issue(member.pk, proof=f"device:{device.pk}")
        if slot["poster"] is None:
            slot["poster"] = principal
            continue
        session = SessionStore()
        session[SESSION_KEY] = issuer.seal(principal)
        session.create()
        slot["cookies"].append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    assert MEMBER_SUBJECT
    return {"plan": plan}


def rss_kb(pid: int) -> int:
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def start_server(env, log_path, profile=""):
    port = free_port()
    log = open(log_path, "wb")  # noqa: SIM115
    env = {**env, "BENCH_CHAT_PROFILE": profile}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.chat_web", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=1)
            return proc, log, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("uvicorn did not start")


class Client:
    def __init__(self, port, channel, cookie):
        self.port, self.channel, self.cookie = port, channel, cookie
        self.received: list[int] = []
        self.latencies: list[float] = []
        self.position = ""  # the last event id: resent as Last-Event-ID
        self.connected = asyncio.Event()
        self.errors = 0
        self.retries = 0

    async def run(self, stop: asyncio.Event):
        """Read the stream; as EventSource does, a refused or lost connection is tried
        again after the retry time, with Last-Event-ID."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, asyncio.IncompleteReadError, OSError):
                await self._read(stop)
            if stop.is_set():
                return
            self.retries += 1
            await asyncio.sleep(2)

    async def _read(self, stop: asyncio.Event):
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=2**20)
        last = f"Last-Event-ID: {self.position}\r\n" if self.position else ""
        # As the page does: the stream opens from the position the page was loaded at (the
        # channels are new: nothing before), so a start that waits for the database, or a
        # first try that is refused, misses nothing.
        writer.write(
            (
                f"GET /buurtchat/c/{self.channel}/stream/?after=0&events=0 HTTP/1.1\r\n"
                "Host: 127.0.0.1\r\n"
                f"Cookie: {self.cookie}\r\nAccept: text/event-stream\r\n{last}"
                "X-Forwarded-Proto: https\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                return
            buffer = b""
            while not stop.is_set():
                # One read per arriving chunk (keep-alives come every 15 s).
                data = await asyncio.wait_for(reader.read(65536), timeout=30)
                if not data:
                    return
                now = time.time()
                *blocks, buffer = (buffer + data).split(b"\n\n")
                for block in blocks:
                    self._event(block, now)
        finally:
            writer.close()

    def _event(self, block: bytes, now: float):
        # The chunked transfer encoding's size lines fall between events: lines that are
        # no SSE field are skipped.
        kind = data = None
        for line in block.split(b"\n"):
            if line.startswith(b"data: "):
                data = line[6:]
            elif line.startswith(b"event: "):
                kind = line[7:]
            elif line.startswith(b"id: "):
                self.position = line[4:].decode()
            elif line.startswith(b"retry:"):
                self.connected.set()
        if kind == b"message" and data is not None:
            payload = json.loads(data)
            self.received.append(payload["id"])
            sent = payload["body"].rsplit("t=", 1)[-1]
            self.latencies.append(now - float(sent))


def post_loop(plan, seconds: float, results, offset: float = 0.0, share: int = 1):
    """One message per second per channel on a fixed schedule: channel k of C at
    start + n + (k + offset) / C seconds, in a process of its own (forked: the clients'
    event loop does not slow the posts down). A late post goes at once (`late`)."""
    from django.db import connection

    from wijkregie.chat import services

    posted: dict = {}
    late = 0
    count = len(plan)
    start = time.time() + 0.5
    n = 0
    while True:
        due = start + n // count + ((n % count) * share + offset) / (count * share)
        if due >= start + seconds:
            break
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        elif wait < -0.1:
            late += 1
        slot = plan[n % count]
        message = services.message_post(
            actor=slot["poster"],
            channel_id=slot["channel"],
            body=f"bench {n} t={time.time():.6f}",
            rate_limited=False,
        )
        posted.setdefault(slot["channel"], []).append(message.pk)
        n += 1
    took = time.time() - start
    connection.close()
    results.put({"posted": posted, "late": late, "seconds": took})


async def measure(plan, ports, seconds):
    stop = asyncio.Event()
    clients = []
    for i, slot in enumerate(plan):
        for j, cookie in enumerate(slot["cookies"]):
            clients.append(Client(ports[(i + j) % len(ports)], slot["channel"], cookie))
    tasks = []
    for k, client in enumerate(clients):
        tasks.append(asyncio.ensure_future(client.run(stop)))
        if k % 20 == 19:
            await asyncio.sleep(0.2)  # 100 new connections a second
    await asyncio.wait_for(asyncio.gather(*(c.connected.wait() for c in clients)), timeout=300)
    await asyncio.sleep(1)
    return clients, tasks, stop


def run(
    clients: int = 1000, channels: int = 50, seconds: int = 30, posters: int = 1, profile=""
) -> dict:
    database_url = os.environ.get("BENCH_DATABASE_URL") or bench_database_url()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    run_id = uuid.uuid4().hex[:6]
    env = server_env(
        database_url,
        WIJKREGIE_CHAT_REDIS_URL=redis_url,
        WIJKREGIE_CHAT_PUBSUB_PREFIX=f"wijkregie-bench-chat-{run_id}",
        WIJKREGIE_CHAT_STREAM_SECONDS="3600",
        DJANGO_SECURE_SSL_REDIRECT="false",
    )
    _migrate(env)
    _django(env)
    built = build(clients, channels, run_id)
    plan = built["plan"]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()
    profiles = [str(Path(profile) / f"chat-web-{n}.prof") if profile else "" for n in range(2)]
    if profile:
        Path(profile).mkdir(parents=True, exist_ok=True)
    servers = [start_server(env, RESULTS_DIR / f"chat-web-{n}.log", profiles[n]) for n in range(2)]
    try:
        rss_before = sum(rss_kb(proc.pid) for proc, _log, _port in servers)
        loop = asyncio.new_event_loop()
        connected, tasks, stop = loop.run_until_complete(
            measure(plan, [p for _pr, _l, p in servers], seconds)
        )
        rss_after = sum(rss_kb(proc.pid) for proc, _log, _port in servers)
        import multiprocessing

        from django.db import connections

        # The forked posters open their own connections: the parent's pool is closed
        # first (its sockets must not be shared).
        for conn in connections.all():
            conn.close()
            if hasattr(conn, "close_pool"):
                conn.close_pool()
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        # Posters in processes of their own (one by default: at one post per second per
        # channel in all, interleaved when there are more).
        groups = [plan[i::posters] for i in range(posters)]
        posters_ = [
            context.Process(
                target=post_loop,
                args=(group, seconds, queue, i, posters),
                daemon=True,
            )
            for i, group in enumerate(groups)
        ]
        started = time.time()
        for poster in posters_:
            poster.start()
        posted: dict = {}
        reported = []

        async def wait():
            while len(reported) < len(posters_):
                try:
                    reported.append(queue.get_nowait())
                    posted.update(reported[-1]["posted"])
                except Exception:  # noqa: BLE001 (queue.Empty: still posting)
                    await asyncio.sleep(0.2)
            await asyncio.sleep(2)  # the last messages' delivery
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        loop.run_until_complete(wait())
        elapsed = time.time() - started
        load_end = os.getloadavg()
    finally:
        for proc, log, _port in servers:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    latencies = sorted(x for c in connected for x in c.latencies)
    lost = doubled = expected = 0
    for client in connected:
        want = posted.get(client.channel, [])
        got = client.received
        expected += len(want)
        doubled += len(got) - len(set(got))
        lost += len(set(want) - set(got))
    messages = sum(len(v) for v in posted.values())

    def pct(p):
        return (
            round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 1)
            if latencies
            else None
        )

    return {
        "status": "ok",
        "clients": len(connected),
        "connect_errors": sum(c.errors for c in connected),
        "reconnects": sum(c.retries for c in connected),
        "channels": channels,
        "web_processes": 2,
        "messages_posted": messages,
        # Reached: the posts over the time the posting took (at least the schedule's).
        "posts_per_second": round(messages / max([seconds] + [r["seconds"] for r in reported]), 1),
        "posts_late": sum(r["late"] for r in reported),
        "poster_processes": posters,
        "elapsed_s": round(elapsed, 1),
        "deliveries_expected": expected,
        "deliveries": len(latencies),
        "latency_ms": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": pct(1.0)},
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "lost": lost,
        "doubled": doubled,
        "memory_per_connection_kb": round((rss_after - rss_before) / max(len(connected), 1), 1),
        "rss_before_mb": round(rss_before / 1024, 1),
        "rss_after_mb": round(rss_after / 1024, 1),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in load_end],
        "profiles": [p for p in profiles if p],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--posters", type=int, default=1, help="poster processes")
    parser.add_argument("--profile", default="", help="a folder: cProfile the web processes")
    args = parser.parse_args()
    result = run(args.clients, args.channels, args.seconds, args.posters, args.profile)
    print(json.dumps(result, indent=2))
    (RESULTS_DIR / "chat-fanout.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
