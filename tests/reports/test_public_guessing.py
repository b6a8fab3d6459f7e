"""Wrong passphrases slow the guesser, not the owner: per client address, per tracking code
from everywhere with a growing wait, and never for the owner's own device."""

import re
import types

from django.core.cache import cache
from django.test import Client

import pytest

from tests.reports.factories import submit
from tests.reports.test_public import html, open_form, report_data, report_url
from wijkregie.core.access import ANONYMOUS
from wijkregie.reports import passphrases
from wijkregie.reports.models import ContactMode, Report

FOLLOW = "/melden/volgen/"
WRONG = "AAAA-BBBB-CCCC"


@pytest.fixture(autouse=True)
def _clean_cache(settings):
    settings.WIJKREGIE_FORM_MIN_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """The passphrase check's clock, moved by hand."""
    now = [1_900_000_000.0]
    monkeypatch.setattr(passphrases, "time", types.SimpleNamespace(time=lambda: now[0]))
    return now


@pytest.fixture
def anonymous(world):
    return submit(world, contact_mode=ContactMode.ANONYMOUS, reporter={}, actor=ANONYMOUS)


def attempt(client, code, passphrase, ip):
    return client.post(FOLLOW, {"tracking_code": code, "passphrase": passphrase}, REMOTE_ADDR=ip)


def guess_from_many_addresses(code, count, start=1):
    for n in range(start, start + count):
        response = attempt(Client(), code, WRONG, f"203.0.113.{n}")
        assert response.status_code == 400


def test_five_failures_from_one_address_do_not_lock_out_the_owner_elsewhere(
    world, client, anonymous
):
    guesser = Client()
    guesser.cookies["wijkregie_follow_device"] = "forged"  # counts as no device
    for _ in range(5):
        assert attempt(guesser, anonymous.tracking_code, WRONG, "203.0.113.66").status_code == 400

    blocked = attempt(guesser, anonymous.tracking_code, anonymous.passphrase, "203.0.113.66")
    owner = attempt(client, anonymous.tracking_code, anonymous.passphrase, "198.51.100.7")

    assert blocked.status_code == 429
    assert blocked["Retry-After"] == str(passphrases.FAILURE_WINDOW_SECONDS)
    assert owner.status_code == 302


def test_a_guesser_from_many_addresses_waits_longer_and_longer_for_each_try(
    world, anonymous, clock
):
    code = anonymous.tracking_code
    guess_from_many_addresses(code, passphrases.CODE_FREE_FAILURES)

    # Not even checked while it waits: a right passphrase from a new device waits too.
    waiting = attempt(Client(), code, anonymous.passphrase, "192.0.2.1")
    assert waiting.status_code == 429
    assert waiting["Retry-After"] == "1"
    assert "Met deze meldingscode is te vaak een verkeerde wachtwoordzin geprobeerd." in html(
        waiting
    )

    clock[0] += 1  # the first wait: one second; then one try passes, and it fails
    assert attempt(Client(), code, WRONG, "192.0.2.2").status_code == 400
    assert attempt(Client(), code, WRONG, "192.0.2.3").status_code == 429
    clock[0] += 1  # not yet: the wait doubled to two seconds
    assert attempt(Client(), code, WRONG, "192.0.2.4").status_code == 429
    clock[0] += 1
    assert attempt(Client(), code, WRONG, "192.0.2.5").status_code == 400
    assert attempt(Client(), code, WRONG, "192.0.2.6").status_code == 429  # one try per wait
    clock[0] += 4
    assert attempt(Client(), code, anonymous.passphrase, "192.0.2.7").status_code == 302

    assert [passphrases.backoff_seconds(n) for n in (9, 10, 11, 12, 30)] == [0, 1, 2, 4, 900]


def test_the_owner_on_their_own_device_is_never_slowed_by_someone_elses_failures(
    world, client, clock
):
    token = open_form(client, world)
    sent = client.post(report_url(world), report_data(world, token), REMOTE_ADDR="198.51.100.7")
    passphrase = re.search(r'id="passphrase">([^<]+)<', html(client.get(sent["Location"]))).group(1)
    code = Report.objects.get().tracking_code
    for _ in range(passphrases.MAX_FAILURES):  # a guesser behind the owner's own address
        assert attempt(Client(), code, WRONG, "198.51.100.7").status_code == 400
    guess_from_many_addresses(code, passphrases.CODE_FREE_FAILURES - passphrases.MAX_FAILURES)
    assert attempt(Client(), code, passphrase, "198.51.100.7").status_code == 429
    assert attempt(Client(), code, passphrase, "198.51.100.8").status_code == 429

    owner = attempt(client, code, passphrase, "198.51.100.7")

    assert owner.status_code == 302
    # A known device that keeps failing itself loses its way past the waiting.
    for _ in range(passphrases.MAX_FAILURES):
        assert attempt(client, code, WRONG, "198.51.100.7").status_code == 400
    assert attempt(client, code, passphrase, "198.51.100.7").status_code == 429
