"""The public page (no login, no personal data, the resident's language) and the one-click
unsubscribe (signed link, RFC 8058, a tampered link refused with a clear message)."""

from django.urls import reverse

import pytest

from wijkregie.communications import links
from wijkregie.communications.services import newsletters as services
from wijkregie.residents.models import ContactConsent


@pytest.fixture
def sent(world, django_capture_on_commit_callbacks):
    newsletter = world.newsletter()
    services.version_save(
        actor=world.viewer("writer"),
        newsletter_id=newsletter.pk,
        language="ar",
        subject="أخبار من المبنى",
        body="<p>سيتم تجديد المصعد.</p>",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.newsletter_send(actor=world.viewer("writer"), newsletter_id=newsletter.pk)
    newsletter.refresh_from_db()
    return newsletter


def _consents(resident):
    return ContactConsent.objects.filter(resident=resident, purpose="newsletter_email")


def test_the_public_page_in_dutch_and_in_arabic_without_personal_data(client, world, sent):
    url = reverse("newsletters_public:page", args=[sent.public_code])
    dutch = client.get(url)
    assert dutch.status_code == 200
    assert dutch.headers["Content-Language"] == "nl"
    text = dutch.content.decode()
    assert "Nieuws uit uw flat" in text and "De lift wordt vernieuwd." in text
    assert 'hreflang="ar"' in text
    for resident in world.residents.values():
        assert resident.family_name not in text and resident.email not in text
    arabic = client.get(url, {"lang": "ar"})
    text = arabic.content.decode()
    assert arabic.headers["Content-Language"] == "ar"
    assert '<html lang="ar" dir="rtl"' in text and "سيتم تجديد المصعد." in text
    # A language without a version: the Dutch one.
    assert client.get(url, {"lang": "pl"}).headers["Content-Language"] == "nl"


def test_a_draft_has_no_public_page(client, world):
    draft = world.newsletter()
    response = client.get(reverse("newsletters_public:page", args=[draft.public_code]))
    assert response.status_code == 404


def test_the_unsubscribe_link_asks_then_withdraws_in_the_residents_language(client, world, sent):
    ayse = world.residents["ayse"]  # Turkish
    url = links.unsubscribe_url(ayse.pk).removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    assert page.status_code == 200 and page.headers["Content-Language"] == "tr"
    assert "Abonelikten çık" in page.content.decode()
    assert _consents(ayse).get().withdrawn_at is None  # a GET changes nothing
    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "Aboneliğiniz sona erdi." in done.content.decode()
    consent = _consents(ayse).get()
    assert (consent.withdrawn_at is not None, consent.withdrawn_source) == (True, "unsubscribe")
    # Twice: the same answer, nothing more written.
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert _consents(ayse).count() == 1


def test_one_click_unsubscribe_works_without_a_csrf_token(world, sent):
    from django.test import Client

    mail_client = Client(enforce_csrf_checks=True)
    url = links.unsubscribe_url(world.residents["bram"].pk).removeprefix("http://127.0.0.1:8000")
    response = mail_client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert _consents(world.residents["bram"]).get().withdrawn_source == "unsubscribe"


@pytest.mark.parametrize("change", ["tamper", "cut", "other_action"])
def test_a_tampered_unsubscribe_link_is_refused_with_a_clear_message(client, world, sent, change):
    bram = world.residents["bram"]
    token = links.unsubscribe_token(bram.pk)
    if change == "tamper":
        token = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    elif change == "cut":
        token = token[: len(token) // 2]
    else:
        from wijkregie.residents.links import resident_link_token

        token = resident_link_token(resident_id=bram.pk, action="unsubscribe:chat")
    url = reverse("newsletters_public:unsubscribe", args=[token])
    for response in (client.get(url), client.post(url, {"List-Unsubscribe": "One-Click"})):
        assert response.status_code == 400
        assert "Deze afmeldlink is niet geldig" in response.content.decode()
    assert _consents(bram).get().withdrawn_at is None


def test_after_unsubscribing_the_next_newsletter_skips_the_resident(
    client, world, sent, mailoutbox, django_capture_on_commit_callbacks
):
    url = links.unsubscribe_url(world.residents["bram"].pk).removeprefix("http://127.0.0.1:8000")
    client.post(url)
    mailoutbox.clear()
    second = world.newsletter(title="Tweede")
    with django_capture_on_commit_callbacks(execute=True):
        services.newsletter_send(actor=world.viewer("writer"), newsletter_id=second.pk)
    assert [m.to for m in mailoutbox] == [["ayse@example.test"]]


def test_public_images_only_of_sent_newsletters(client, world, sent):
    from tests.communications.test_services import _jpeg_with_gps

    draft = world.newsletter(title="Concept")
    image = services.image_add(
        actor=world.viewer("writer"), newsletter_id=draft.pk, content=_jpeg_with_gps(), alt_text="x"
    )
    url = reverse("newsletters_public:image", args=[draft.public_code, image.pk])
    assert client.get(url).status_code == 404
