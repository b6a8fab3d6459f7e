"""Following a report up: tracking code + passphrase, status in the resident's language,
answering intake, adding information, photos and an e-mail address for updates."""

import re
import time

from django.core.cache import cache

import pytest

from tests.reports.factories import submit
from tests.reports.test_public import html, jpeg_with_gps, unescape
from wijkregie.core.access import ANONYMOUS
from wijkregie.reports import services
from wijkregie.reports.models import (
    ContactMode,
    MessageDirection,
    Report,
    ReporterIdentity,
    ReportMessage,
    ReportPhoto,
)
from wijkregie.reports.passphrases import follow_up_link_token
from wijkregie.reports.public.follow_up import FOLLOW_SESSION_KEY
from wijkregie.reports.public.trap import HONEYPOT_FIELD
from wijkregie.reports.workflows import ReportStatus

FOLLOW = "/melden/volgen/"
PAGE = "/melden/volgen/melding/"


@pytest.fixture(autouse=True)
def _clean_cache(settings):
    settings.WIJKREGIE_FORM_MIN_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anonymous(world):
    return submit(world, contact_mode=ContactMode.ANONYMOUS, reporter={}, actor=ANONYMOUS)


def sign_in(client, result, lang="nl"):
    return client.post(
        f"{FOLLOW}?lang={lang}",
        {"tracking_code": result.tracking_code, "passphrase": result.passphrase},
    )


def token_for(page: str, action: str) -> str:
    form = re.search(
        rf'name="action" value="{action}">.*?name="form_token" value="([^"]+)"', page, re.S
    )
    assert form, f"no {action} form"
    return form.group(1)


def test_the_right_code_and_passphrase_open_the_report(world, client, anonymous):
    response = sign_in(client, anonymous)

    assert response.status_code == 302
    assert response["Location"] == PAGE
    page = html(client.get(PAGE))
    assert anonymous.tracking_code in page
    assert "Afval en vervuiling" in page
    assert "We hebben uw melding ontvangen. We kijken er snel naar." in page


def test_lowercase_and_spaces_in_the_code_are_fine(world, client, anonymous):
    response = client.post(
        FOLLOW,
        {
            "tracking_code": " ".join(anonymous.tracking_code.lower()),
            "passphrase": anonymous.passphrase.lower().replace("-", " "),
        },
    )

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "nl",
            "Deze combinatie van meldingscode en wachtwoordzin kennen we niet. Controleer ze "
            "allebei.",
        ),
        (
            "tr",
            "Bu takip kodu ve parola birlikte bilinmiyor. İkisini de kontrol edin.",
        ),
    ],
)
def test_a_wrong_passphrase_and_an_unknown_code_get_the_same_message(
    world, client, anonymous, code, message
):
    wrong = client.post(
        f"{FOLLOW}?lang={code}",
        {"tracking_code": anonymous.tracking_code, "passphrase": "AAAA-BBBB-CCCC"},
    )
    unknown = client.post(
        f"{FOLLOW}?lang={code}", {"tracking_code": "ZZZZZZZZZZ", "passphrase": "AAAA-BBBB-CCCC"}
    )

    assert (wrong.status_code, unknown.status_code) == (400, 400)
    assert message in unescape(html(wrong))
    assert message in unescape(html(unknown))
    assert FOLLOW_SESSION_KEY not in client.session


def test_repeated_tries_are_slowed_down_even_for_the_right_passphrase(world, client, anonymous):
    for _ in range(5):
        client.post(
            FOLLOW, {"tracking_code": anonymous.tracking_code, "passphrase": "AAAA-BBBB-CCCC"}
        )

    response = sign_in(client, anonymous, lang="tr")

    assert response.status_code == 429
    assert (
        "Çok sık denediniz. Güvenliğiniz için lütfen 15 dakika bekleyin ve tekrar deneyin."
        in unescape(html(response))
    )
    assert FOLLOW_SESSION_KEY not in client.session


def test_the_follow_up_session_opens_only_the_report_the_resident_proved(world, client, anonymous):
    """The session keeps the proven reporter (sealed), not a report id a page trusts."""
    other = submit(world, contact_mode=ContactMode.ANONYMOUS, reporter={}, actor=ANONYMOUS)
    sign_in(client, anonymous)
    assert anonymous.tracking_code in html(client.get(PAGE))
    session = client.session
    session[FOLLOW_SESSION_KEY] = {
        "id": other.report.pk,
        "reporter": "forged",
        "until": int(time.time()) + 600,
    }
    session.save()

    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == FOLLOW


def test_the_verified_report_is_remembered_for_30_minutes_only(world, client, anonymous):
    sign_in(client, anonymous)
    session = client.session
    assert session[FOLLOW_SESSION_KEY]["until"] - time.time() == pytest.approx(1800, abs=5)
    session[FOLLOW_SESSION_KEY] = {**session[FOLLOW_SESSION_KEY], "until": int(time.time()) - 1}
    session.save()

    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"] == FOLLOW
    assert "vul uw meldingscode en wachtwoordzin opnieuw in" in html(client.get(FOLLOW))


def test_without_verification_the_page_sends_you_to_the_form(world, client):
    response = client.get(PAGE)

    assert response["Location"] == FOLLOW


def test_the_status_history_shows_resident_texts_never_internal_notes(world, client, anonymous):
    services.report_status_change(
        actor=world.viewer("intake"),
        report_id=anonymous.report.pk,
        to_status=ReportStatus.IN_TRIAGE,
        internal_note="GEHEIM-INTERN: buurman op 12",
    )
    services.report_status_change(
        actor=world.viewer("intake"),
        report_id=anonymous.report.pk,
        to_status=ReportStatus.REJECTED,
        internal_note="GEHEIM-INTERN 2",
        resident_text="We kunnen hier niets mee.",
        reason="Het gaat om een privékwestie.",
    )
    sign_in(client, anonymous)

    page = html(client.get(PAGE))

    assert "GEHEIM-INTERN" not in page
    assert "We bekijken uw melding en bepalen wie haar oppakt." in page
    assert "We kunnen hier niets mee." in page
    assert "Het gaat om een privékwestie." in page
    assert "Afgewezen" in page
    assert 'name="action" value="message"' not in page  # closed: no more messages


def test_the_standard_status_texts_are_shown_in_the_residents_language(world, client, anonymous):
    sign_in(client, anonymous, lang="tr")

    page = unescape(html(client.get(PAGE)))

    assert "Bildiriminizi aldık. Yakında inceleyeceğiz." in page
    assert "Alındı" in page


def test_a_question_from_intake_is_shown_and_can_be_answered_once(world, client, anonymous):
    services.report_message_to_reporter(
        actor=world.viewer("intake"), report_id=anonymous.report.pk, body="Welke verdieping?"
    )
    sign_in(client, anonymous)
    page = html(client.get(PAGE))
    assert "Welke verdieping?" in page
    token = token_for(page, "message")
    answer = {"action": "message", "form_token": token, "message-body": "De derde."}

    first = client.post(PAGE, answer)
    second = client.post(PAGE, answer)  # a double-click

    assert (first.status_code, second.status_code) == (302, 302)
    assert list(
        ReportMessage.objects.filter(report=anonymous.report).values_list("direction", "body")
    ) == [
        (MessageDirection.TO_REPORTER, "Welke verdieping?"),
        (MessageDirection.FROM_REPORTER, "De derde."),
    ]
    assert "Uw bericht is verstuurd." in html(client.get(PAGE))


def test_an_empty_or_huge_answer_is_refused(world, client, anonymous):
    sign_in(client, anonymous)
    page = html(client.get(PAGE))

    empty = client.post(
        PAGE, {"action": "message", "form_token": token_for(page, "message"), "message-body": ""}
    )
    huge = client.post(
        PAGE,
        {"action": "message", "form_token": token_for(page, "message"), "message-body": "x" * 6000},
    )

    assert (empty.status_code, huge.status_code) == (400, 400)
    assert "Schrijf een bericht." in html(empty)
    assert "Uw tekst is te lang. Gebruik hoogstens 5000 tekens (nu 6000)." in html(huge)
    assert ReportMessage.objects.count() == 0


def test_the_bot_trap_guards_the_follow_up_forms(world, client, anonymous):
    sign_in(client, anonymous)
    page = html(client.get(PAGE))

    response = client.post(
        PAGE,
        {
            "action": "message",
            "form_token": token_for(page, "message"),
            "message-body": "spam",
            HONEYPOT_FIELD: "http://spam.example",
        },
    )

    assert response.status_code == 200
    assert ReportMessage.objects.count() == 0


def test_photos_can_be_added_later_without_metadata(world, client, anonymous):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in(client, anonymous)
    page = html(client.get(PAGE))

    response = client.post(
        PAGE,
        {
            "action": "photos",
            "form_token": token_for(page, "photos"),
            "photos-photos": [SimpleUploadedFile("a.jpg", jpeg_with_gps(), "image/jpeg")],
        },
    )

    assert response.status_code == 302
    photo = ReportPhoto.objects.get(report=anonymous.report)
    assert b"MarkerCamCo" not in photo.file.read()


def test_a_retry_adds_nothing_again_even_when_the_cache_forgot(world, client, anonymous):
    # The database keeps each action's key: a retry after a lost answer (here with the
    # cache emptied between the two posts) neither sends the message nor adds the photos
    # a second time, and ends on the same page.
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in(client, anonymous)
    page = html(client.get(PAGE))
    message = {
        "action": "message",
        "form_token": token_for(page, "message"),
        "message-body": "Ook 's nachts.",
    }
    photos_token = token_for(page, "photos")

    def photos():
        return {
            "action": "photos",
            "form_token": photos_token,
            "photos-photos": [
                SimpleUploadedFile("a.jpg", jpeg_with_gps(), "image/jpeg"),
                SimpleUploadedFile("b.jpg", jpeg_with_gps(), "image/jpeg"),
            ],
        }

    answers = [client.post(PAGE, message).status_code, client.post(PAGE, photos()).status_code]
    cache.clear()
    answers += [client.post(PAGE, message).status_code, client.post(PAGE, photos()).status_code]

    assert answers == [302, 302, 302, 302]
    assert list(
        ReportMessage.objects.filter(report=anonymous.report).values_list("body", flat=True)
    ) == ["Ook 's nachts."]
    assert ReportPhoto.objects.filter(report=anonymous.report).count() == 2


def test_a_renamed_executable_added_later_is_refused(world, client, anonymous):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sign_in(client, anonymous, lang="tr")
    page = html(client.get(PAGE))

    response = client.post(
        PAGE,
        {
            "action": "photos",
            "form_token": token_for(page, "photos"),
            "photos-photos": [SimpleUploadedFile("a.jpg", b"MZ" + b"\x00" * 300, "image/jpeg")],
        },
    )

    assert response.status_code == 400
    assert "Bu dosya bir fotoğraf değil." in unescape(html(response))
    assert ReportPhoto.objects.count() == 0


def test_leaving_an_email_address_makes_an_anonymous_report_shielded(world, client, anonymous):
    sign_in(client, anonymous, lang="pl")
    page = html(client.get(PAGE))

    response = client.post(
        PAGE,
        {
            "action": "contact",
            "form_token": token_for(page, "contact"),
            "contact-email": "later@example.org",
        },
    )

    assert response.status_code == 302
    identity = ReporterIdentity.objects.get(report_id=anonymous.report.pk)
    assert (identity.email, identity.language) == ("later@example.org", "pl")
    assert Report.objects.get().contact_mode == ContactMode.SHIELDED


def test_an_invalid_email_address_is_explained(world, client, anonymous):
    sign_in(client, anonymous)
    page = html(client.get(PAGE))

    response = client.post(
        PAGE,
        {"action": "contact", "form_token": token_for(page, "contact"), "contact-email": "nope"},
    )

    assert response.status_code == 400
    assert "Vul een e-mailadres in zoals naam@voorbeeld.nl." in html(response)
    assert ReporterIdentity.objects.get().email == ""


def test_closing_forgets_the_report_on_this_device(world, client, anonymous):
    sign_in(client, anonymous)

    client.post("/melden/volgen/sluiten/")

    assert client.get(PAGE)["Location"] == FOLLOW


def test_the_signed_link_in_an_email_opens_a_shielded_report(world, client):
    result = submit(world)
    token = follow_up_link_token(result.report.pk)

    response = client.get(f"/melden/volgen/link/{token}/")

    assert response["Location"] == PAGE
    assert result.tracking_code in html(client.get(PAGE))


def test_an_anonymous_report_cannot_be_opened_by_a_link(world, client, anonymous):
    token = follow_up_link_token(anonymous.report.pk)

    response = client.get(f"/melden/volgen/link/{token}/")

    assert response.status_code == 404
    assert FOLLOW_SESSION_KEY not in client.session


def test_a_forged_or_expired_link_is_refused(world, client, settings):
    result = submit(world)
    token = follow_up_link_token(result.report.pk)
    settings.WIJKREGIE_FOLLOW_UP_LINK_DAYS = -1

    expired = client.get(f"/melden/volgen/link/{token}/")
    forged = client.get("/melden/volgen/link/eyJyIjoxfQ:1abc:forged/")

    assert (expired.status_code, forged.status_code) == (404, 404)
    assert FOLLOW_SESSION_KEY not in client.session


def test_an_open_question_is_at_the_top_of_the_page(world, client, anonymous):
    services.report_status_change(
        actor=world.viewer("intake"), report_id=anonymous.report.pk, to_status="in_triage"
    )
    services.report_message_to_reporter(
        actor=world.viewer("intake"), report_id=anonymous.report.pk, body="Welke verdieping?"
    )
    sign_in(client, anonymous)
    page = html(client.get(PAGE))
    top = page.index("We hebben een vraag voor u")
    assert top < page.index("Wat er is gebeurd") < page.index("Berichten")
    assert page.index("Welke verdieping?") > top
    assert '<a class="utrecht-link" href="#message-heading">Beantwoord de vraag</a>' in page

    token = token_for(page, "message")
    client.post(PAGE, {"action": "message", "form_token": token, "message-body": "De derde."})
    # Answered: no longer at the top, still in the thread.
    page = html(client.get(PAGE))
    assert "We hebben een vraag voor u" not in page
    assert "Welke verdieping?" in page
