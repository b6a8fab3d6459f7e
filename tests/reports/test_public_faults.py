"""The public form under faults: a crash between storing a report and keeping its receipt,
a form token that no longer verifies, and a cache (Redis) that is down."""

import re

from django.core.cache import cache

import pytest

from tests.reports.test_public import (
    form_token,
    html,
    open_form,
    report_data,
    report_url,
    unescape,
)
from wijkregie.reports.models import ContactMode, Report, ReporterIdentity
from wijkregie.reports.passphrases import passphrase_matches
from wijkregie.reports.public import receipts, trap

FOLLOW = "/melden/volgen/"


@pytest.fixture(autouse=True)
def _clean_cache(settings):
    settings.WIJKREGIE_FORM_MIN_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


def events(caplog, name: str) -> list:
    return [r for r in caplog.records if r.getMessage() == name]


def crash_before_the_receipt_is_kept(client, world, monkeypatch, data):
    """The first answer: the report is stored, then the server dies."""

    def killed(*args, **kwargs):
        raise RuntimeError("the server died here")

    with monkeypatch.context() as patch:
        patch.setattr(receipts, "receipt_store", killed)
        with pytest.raises(RuntimeError):
            client.post(report_url(world), data)
    assert Report.objects.count() == 1


# --- A confirmation lost for good --------------------------------------------------------


def test_a_retry_after_a_crash_shows_the_code_and_lets_the_resident_set_a_new_passphrase(
    world, client, monkeypatch
):
    token = open_form(client, world)
    data = report_data(world, token)
    crash_before_the_receipt_is_kept(client, world, monkeypatch, data)
    cache.clear()  # the whole server died, its cache with it
    report = Report.objects.get()

    retry = client.post(report_url(world), data)  # the browser sends the same form again

    assert retry.status_code == 302
    page = html(client.get(retry["Location"]))
    assert f'id="tracking-code">{report.tracking_code}<' in page
    assert 'id="passphrase"' not in page
    assert "Door een storing bij ons konden we uw wachtwoordzin niet laten zien." in page
    renewed = client.post(retry["Location"])
    assert renewed.status_code == 302
    shown = html(client.get(renewed["Location"]))
    passphrase = re.search(r'id="passphrase">([^<]+)<', shown).group(1)
    assert 'id="passphrase"' not in html(client.get(renewed["Location"]))  # once
    assert Report.objects.count() == 1

    follow = client.post(FOLLOW, {"tracking_code": report.tracking_code, "passphrase": passphrase})

    assert follow.status_code == 302
    assert follow["Location"] == "/melden/volgen/melding/"


def test_a_retry_after_a_crash_shows_the_first_passphrase_while_the_cache_still_has_it(
    world, client, monkeypatch
):
    token = open_form(client, world)
    data = report_data(world, token)
    crash_before_the_receipt_is_kept(client, world, monkeypatch, data)

    retry = client.post(report_url(world), data)

    page = html(client.get(retry["Location"]))
    passphrase = re.search(r'id="passphrase">([^<]+)<', page).group(1)
    identity = ReporterIdentity.objects.get()
    assert passphrase_matches(passphrase, identity.passphrase_hash)
    assert 'id="new-passphrase"' not in page


def test_a_passphrase_that_was_shown_cannot_be_replaced_through_the_receipt(world, client):
    token = open_form(client, world)
    sent = client.post(report_url(world), report_data(world, token))
    assert 'id="passphrase"' in html(client.get(sent["Location"]))
    before = ReporterIdentity.objects.get().passphrase_hash

    again = client.post(sent["Location"])

    assert again.status_code == 302
    assert 'id="passphrase"' not in html(client.get(again["Location"]))
    assert ReporterIdentity.objects.get().passphrase_hash == before


# --- A false "thank you" -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        (
            "nl",
            "We konden dit formulier niet aannemen. Er is dus nog niets verstuurd. Uw "
            "antwoorden staan er nog: kijk ze na en druk nog een keer op de knop.",
        ),
        (
            "en",
            "We could not accept this form, so nothing has been sent yet. Your answers are "
            "still here: check them and press the button again.",
        ),
    ],
)
def test_a_form_signed_with_an_old_secret_key_is_refused_visibly_with_the_text_kept(
    world, client, settings, caplog, lang, message
):
    response = client.get(report_url(world) + f"&lang={lang}")
    token = form_token(response)
    settings.SECRET_KEY = "a-new-secret-key-after-a-rotation-0123456789abcdefghijklmnop"
    typed = "Er staat al drie dagen een kapotte koelkast bij de lift op de begane grond."

    refused = client.post(report_url(world), report_data(world, token, description=typed))

    assert refused.status_code == 400
    page = unescape(html(refused))
    assert message in page
    assert typed in page
    assert form_token(refused) != token
    assert Report.objects.count() == 0
    [logged] = events(caplog, "public_form_refused")
    assert (logged.levelname, logged.reason, logged.result) == ("WARNING", "unverified", 400)

    again = client.post(report_url(world), report_data(world, form_token(refused)))

    assert again.status_code == 302
    assert Report.objects.count() == 1


def test_a_follow_up_answer_with_an_unverifiable_token_is_refused_visibly(world, client, caplog):
    from tests.reports.factories import submit

    result = submit(world, contact_mode=ContactMode.ANONYMOUS, reporter={})
    client.post(FOLLOW, {"tracking_code": result.tracking_code, "passphrase": result.passphrase})

    response = client.post(
        "/melden/volgen/melding/",
        {"action": "message", "form_token": "forged", "message-body": "Nog een vraag van mij."},
    )

    assert response.status_code == 400
    assert "We konden dit formulier niet aannemen." in unescape(html(response))
    assert "Nog een vraag van mij." in html(response)
    assert len(events(caplog, "public_form_refused")) == 1


def test_a_filled_honeypot_is_logged_and_still_gets_the_neutral_answer(world, client, caplog):
    token = open_form(client, world)

    response = client.post(
        report_url(world), report_data(world, token, **{trap.HONEYPOT_FIELD: "x"})
    )

    assert response.status_code == 200
    assert "We hebben uw bericht ontvangen." in html(response)
    assert len(events(caplog, "public_form_trapped")) == 1
