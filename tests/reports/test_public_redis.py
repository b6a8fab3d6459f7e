"""The public pages on a real Redis: what its key names reveal (nothing about anyone), and
what happens when it goes down (the pages keep working, nothing typed is lost).

The outage tests start and kill a Redis of their own on a free port; the key-name test uses
the shared Redis (REDIS_URL) under a key prefix of its own, and deletes only those keys.
"""

import os
import re
import shutil
import socket
import subprocess
import time
import uuid

from django.core.cache import cache

import pytest
import redis

from tests.reports.test_public import html, open_form, report_data, report_url
from wijkregie.reports.models import ContactMode, Report, ReporterIdentity, ReportMessage
from wijkregie.reports.passphrases import passphrase_matches

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")
FOLLOW = "/melden/volgen/"
PAGE = "/melden/volgen/melding/"


def redis_cache_settings(url: str, prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "wijkregie.core.cache_backend.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def shared_redis(settings):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}; CI must test against it.")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"wijkregie-test-{uuid.uuid4().hex}"
    settings.CACHES = redis_cache_settings(REDIS_URL, prefix)
    settings.WIJKREGIE_FORM_MIN_SECONDS = 0
    client = redis.Redis.from_url(REDIS_URL)
    yield lambda: sorted(k.decode() for k in client.scan_iter(f"{prefix}:*"))
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server of this test only, on a free port, without persistence."""

    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):  # ready within a few seconds
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        self.stop()
        pytest.fail("the test's own redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(settings):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis()
    settings.CACHES = redis_cache_settings(server.url, "wijkregie-outage")
    settings.WIJKREGIE_FORM_MIN_SECONDS = 0
    yield server
    server.stop()


def events(caplog, name: str) -> list:
    return [r for r in caplog.records if r.getMessage() == name]


# --- Redis down ---------------------------------------------------------------------------


def test_with_redis_down_a_report_is_stored_and_its_receipt_shown(world, client, own_redis, caplog):
    token = open_form(client, world)  # rendered while Redis was up
    assert cache.get("probe") is None  # the page really uses this Redis
    own_redis.stop()
    data = report_data(
        world,
        token,
        contact_mode=ContactMode.SHIELDED,
        name="Ann Melder",
        email="ann@example.org",
        description="Er staat water in de kelderbox.",
    )

    response = client.post(report_url(world), data, REMOTE_ADDR="203.0.113.40")

    assert response.status_code == 200  # the receipt at once: there is no cache to keep it
    report = Report.objects.get()
    assert report.description == "Er staat water in de kelderbox."
    page = html(response)
    assert f'id="tracking-code">{report.tracking_code}<' in page
    passphrase = re.search(r'id="passphrase">([^<]+)<', page).group(1)
    assert passphrase_matches(passphrase, ReporterIdentity.objects.get().passphrase_hash)
    warnings = events(caplog, "cache_unavailable")
    assert warnings and {w.levelname for w in warnings} == {"WARNING"}
    assert {"rate-read", "receipt-store"} <= {w.action for w in warnings}

    # A reload sends the same form again: the same report, its receipt from the database.
    again = client.post(report_url(world), data, REMOTE_ADDR="203.0.113.40")

    assert again.status_code == 200
    assert Report.objects.count() == 1
    assert f'id="tracking-code">{report.tracking_code}<' in html(again)


def test_with_redis_down_the_rate_limits_fail_open_and_the_address_lookup_works(
    world, client, own_redis, settings
):
    settings.WIJKREGIE_REPORT_RATE_PER_IP = "1/3600"
    own_redis.stop()

    lookup = client.post(
        "/melden/", {"postcode": world.unit.postcode, "house_number": world.unit.house_number}
    )
    first = client.post(report_url(world), report_data(world, open_form(client, world)))
    second = client.post(report_url(world), report_data(world, open_form(client, world)))

    assert lookup.status_code == 302
    assert (first.status_code, second.status_code) == (200, 200)
    assert Report.objects.count() == 2


def test_with_redis_down_a_reporter_can_follow_up_and_answer(world, client, own_redis):
    from tests.reports.factories import submit

    result = submit(world, contact_mode=ContactMode.ANONYMOUS, reporter={})
    own_redis.stop()

    wrong = client.post(FOLLOW, {"tracking_code": result.tracking_code, "passphrase": "x" * 12})
    right = client.post(
        FOLLOW, {"tracking_code": result.tracking_code, "passphrase": result.passphrase}
    )
    page = html(client.get(PAGE))
    token = re.search(
        r'name="action" value="message">.*?name="form_token" value="([^"]+)"', page, re.S
    ).group(1)
    answer = client.post(
        PAGE, {"action": "message", "form_token": token, "message-body": "Het lekt nog steeds."}
    )

    assert (wrong.status_code, right.status_code, answer.status_code) == (400, 302, 302)
    assert ReportMessage.objects.get().body == "Het lekt nog steeds."


def test_with_redis_down_a_lost_passphrase_can_still_be_renewed(world, client, own_redis):
    token = open_form(client, world)
    data = report_data(world, token)
    own_redis.stop()
    client.post(report_url(world), data)  # shown at once; this answer never arrived

    retry = client.post(report_url(world), data)

    assert retry.status_code == 200
    assert 'id="new-passphrase"' in html(retry)
    action = re.search(r'<form method="post" action="([^"]+)"', html(retry)).group(1)
    renewed = client.post(action)
    passphrase = re.search(r'id="passphrase">([^<]+)<', html(renewed)).group(1)
    assert passphrase_matches(passphrase, ReporterIdentity.objects.get().passphrase_hash)


# --- Key names ----------------------------------------------------------------------------


def test_no_cache_key_holds_a_tracking_code_address_passphrase_or_email(
    world, client, shared_redis
):
    reporter_ip, guesser_ip, email = "203.0.113.77", "198.51.100.23", "ann@example.org"
    client.post(
        "/melden/",
        {"postcode": world.unit.postcode, "house_number": world.unit.house_number},
        REMOTE_ADDR=reporter_ip,
    )
    data = report_data(
        world,
        open_form(client, world),
        contact_mode=ContactMode.SHIELDED,
        name="Ann Melder",
        email=email,
    )
    sent = client.post(report_url(world), data, REMOTE_ADDR=reporter_ip)
    receipt = html(client.get(sent["Location"]))
    passphrase = re.search(r'id="passphrase">([^<]+)<', receipt).group(1)
    code = Report.objects.get().tracking_code
    for _ in range(3):
        client.post(FOLLOW, {"tracking_code": code, "passphrase": "x" * 12}, REMOTE_ADDR=guesser_ip)
    client.post(FOLLOW, {"tracking_code": code, "passphrase": passphrase}, REMOTE_ADDR=guesser_ip)

    keys = shared_redis()

    assert any(":wr:followup:address:" in k for k in keys)
    assert any(":wr:followup:code:" in k for k in keys)
    assert any(":wr:rl:report-ip:" in k for k in keys)
    assert any(":wr:rl:lookup-ip:" in k for k in keys)
    assert any(":wr:receipt:" in k for k in keys)
    secrets_ = [
        code,
        code.lower(),
        reporter_ip,
        guesser_ip,
        passphrase,
        passphrase.replace("-", ""),
        email,
        world.unit.postcode,
    ]
    leaked = [(k, s) for k in keys for s in secrets_ if s.lower() in k.lower()]
    assert leaked == []
