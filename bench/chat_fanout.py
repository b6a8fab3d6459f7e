"""The building chat's live fan-out: many members connected by server-sent events over
many building channels, one message per second per channel, two web processes with the
fan-out through Redis pub/sub.

    BENCH_DATABASE_URL=postgres://…/db .venv/bin/python -m bench.chat_fanout \
        --clients 1000 --channels 50

Measures, per delivered event, the latency from the post (taken just before the post's
transaction commits; the publish follows the commit) to its receipt at the client; the
messages lost (posted in the client's channel while it was connected, never received)
and doubled (received twice); and the memory per connection (the web processes' resident
set size after the clients connected, minus before, divided by the clients). Clients and
poster run in this process (asyncio); the two uvicorn processes are the product's own
ASGI application with production settings.
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


def start_server(env, log_path):
    port = free_port()
    log = open(log_path, "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "wijkregie.asgi:application",
            "--app-dir",
            "src",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "2",
        ],
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
        last = f"Last-Event-ID: {self.received[-1]}\r\n" if self.received else ""
        writer.write(
            (
                f"GET /buurtchat/c/{self.channel}/stream/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Cookie: {self.cookie}\r\nAccept: text/event-stream\r\n{last}"
                "X-Forwarded-Proto: https\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        try:
            status = await reader.readline()
            if b" 200 " not in status:
                return
            event = {}
            while not stop.is_set():
                line = await asyncio.wait_for(reader.readline(), timeout=30)
                if not line:
                    return
                text = line.decode().rstrip("\r\n")
                if text.startswith("retry:"):
                    self.connected.set()
                if text.startswith("data: "):
                    event["data"] = text[6:]
                elif text.startswith("event: "):
                    event["event"] = text[7:]
                elif text == "" and event:
                    if event.get("event") == "message":
                        now = time.time()
                        payload = json.loads(event["data"])
                        self.received.append(payload["id"])
                        sent = payload["body"].rsplit("t=", 1)[-1]
                        self.latencies.append(now - float(sent))
                    event = {}
        finally:
            writer.close()


def post_loop(plan, seconds: float, results):
    """One message per second per channel, spread over the second, in its own process
    (forked: the clients' event loop does not slow the posts down)."""
    from django.db import connection

    from wijkregie.chat import services

    posted: dict = {}

    interval = 1.0 / len(plan)
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        slot = plan[n % len(plan)]
        target = time.time() + interval
        message = services.message_post(
            actor=slot["poster"],
            channel_id=slot["channel"],
            body=f"bench {n} t={time.time():.6f}",
            rate_limited=False,
        )
        posted.setdefault(slot["channel"], []).append(message.pk)
        n += 1
        time.sleep(max(0.0, target - time.time()))
    connection.close()
    results.put(posted)


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


def run(clients: int = 1000, channels: int = 50, seconds: int = 30) -> dict:
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
    servers = [start_server(env, RESULTS_DIR / f"chat-web-{n}.log") for n in range(2)]
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
        # Posters in processes of their own, ten channels each: one process cannot post
        # 50 messages a second through the ORM on a loaded 2-core machine.
        groups = [plan[i : i + 10] for i in range(0, len(plan), 10)]
        posters = [
            context.Process(target=post_loop, args=(group, seconds, queue), daemon=True)
            for group in groups
        ]
        started = time.time()
        for poster in posters:
            poster.start()
        posted: dict = {}
        reported = []

        async def wait():
            while len(reported) < len(posters):
                try:
                    reported.append(queue.get_nowait())
                    posted.update(reported[-1])
                except Exception:  # noqa: BLE001 (queue.Empty: still posting)
                    await asyncio.sleep(0.2)
            await asyncio.sleep(2)  # the last messages' delivery
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        loop.run_until_complete(wait())
        elapsed = time.time() - started
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
        "posts_per_second": round(messages / max(elapsed - 2, 1), 1),
        "deliveries_expected": expected,
        "deliveries": len(latencies),
        "latency_ms": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": pct(1.0)},
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "lost": lost,
        "doubled": doubled,
        "memory_per_connection_kb": round((rss_after - rss_before) / max(len(connected), 1), 1),
        "rss_before_mb": round(rss_before / 1024, 1),
        "rss_after_mb": round(rss_after / 1024, 1),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    result = run(args.clients, args.channels, args.seconds)
    print(json.dumps(result, indent=2))
    (RESULTS_DIR / "chat-fanout.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
