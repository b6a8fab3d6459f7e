"""Writing, translating, images and sending: each resident once, consent asked at send time."""

import io
from unittest import mock

from django.core.exceptions import ValidationError

import pytest
from PIL import Image

from tests.communications.conftest import give_consent
from wijkregie.communications import sending
from wijkregie.communications.models import DeliveryStatus, NewsletterDelivery, NewsletterStatus
from wijkregie.communications.services import newsletters as services
from wijkregie.core.exceptions import ApplicationError, NotFound
from wijkregie.core.models import AuditEntry
from wijkregie.residents.models import ContactMoment


def _send(world, newsletter, capture):
    with capture(execute=True):
        services.newsletter_send(actor=world.viewer("writer"), newsletter_id=newsletter.pk)
    newsletter.refresh_from_db()


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {1: "N", 2: (52.0, 6.0, 57.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_script_a_remote_image_and_handlers_are_removed_and_named(world):
    newsletter, removed = services.newsletter_create(
        actor=world.viewer("writer"),
        title="Nieuws",
        building_ids=[world.horizon.pk],
        subject="Onderwerp",
        body=(
            '<p onclick="steal()">Hallo <script>alert(1)</script>'
            '<img src="https://tracker.example/pixel.gif"> <a href="https://vaart.nl">site</a></p>'
        ),
    )
    version = newsletter.versions.get()
    assert version.body_html == (
        '<p>Hallo  <a href="https://vaart.nl" rel="noopener noreferrer">site</a></p>'
    )
    assert [str(r) for r in removed] == [
        "scripts en ingesloten inhoud",
        "afbeeldingen in de tekst (voeg afbeeldingen toe onder de tekst)",
        "event handlers (on…-attributen)",
    ]


def test_a_body_that_is_only_a_script_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        world.newsletter(body="<script>alert(1)</script>")
    assert exc.value.message_dict == {"body": ["Schrijf de tekst van de nieuwsbrief."]}


def test_buildings_of_another_corporation_are_refused(world):
    other_building = world.residents["eva"].occupancies.get().unit.building
    with pytest.raises(ValidationError) as exc:
        world.newsletter(building_ids=[other_building.pk])
    assert exc.value.message_dict == {
        "buildings": ["Kies gebouwen van de organisatie die de nieuwsbrief schrijft."]
    }


def test_versions_in_the_resident_languages_only(world):
    newsletter = world.newsletter()
    for language in ("en", "tr", "ar", "pl", "uk"):
        services.version_save(
            actor=world.viewer("writer"),
            newsletter_id=newsletter.pk,
            language=language,
            subject=f"Subject {language}",
            body=f"<p>Text {language}</p>",
        )
    assert sorted(newsletter.versions.values_list("language", flat=True)) == [
        "ar",
        "en",
        "nl",
        "pl",
        "tr",
        "uk",
    ]
    with pytest.raises(ValidationError) as exc:
        services.version_save(
            actor=world.viewer("writer"),
            newsletter_id=newsletter.pk,
            language="fr",
            subject="x",
            body="<p>x</p>",
        )
    assert exc.value.message_dict == {"language": ["Kies een van de talen van de bewoners."]}


def test_another_corporation_cannot_touch_the_newsletter(world):
    newsletter = world.newsletter()
    with pytest.raises(NotFound):
        services.version_save(
            actor=world.viewer("outsider"),
            newsletter_id=newsletter.pk,
            language="en",
            subject="x",
            body="<p>x</p>",
        )
    assert newsletter.versions.count() == 1


def test_an_image_is_stripped_of_its_metadata(world):
    newsletter = world.newsletter()
    data = _jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif()  # the upload had EXIF
    image = services.image_add(
        actor=world.viewer("writer"), newsletter_id=newsletter.pk, content=data, alt_text="De lift"
    )
    with image.file.open("rb") as f:
        stored = Image.open(io.BytesIO(f.read()))
    assert (stored.format, stored.size, dict(stored.getexif())) == ("JPEG", (40, 30), {})


def test_a_30_mb_image_and_a_non_image_are_refused_with_a_message(world):
    newsletter = world.newsletter()
    for content, message in [
        (
            b"\xff\xd8" + b"0" * (30 * 1024 * 1024),
            "De foto is te groot. Een foto mag hoogstens 10 MB zijn.",
        ),
        (
            b"%PDF-1.7 not an image",
            "Dit bestand is geen foto. U kunt foto's sturen in JPEG, PNG of WebP.",
        ),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.image_add(
                actor=world.viewer("writer"),
                newsletter_id=newsletter.pk,
                content=content,
                alt_text="x",
            )
        assert exc.value.message_dict == {"image": [message]}
    assert newsletter.images.count() == 0


def test_sending_mails_each_consenting_resident_once_in_their_language(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    newsletter = world.newsletter()
    services.version_save(
        actor=world.viewer("writer"),
        newsletter_id=newsletter.pk,
        language="tr",
        subject="Binanızdan haberler",
        body="<p>Asansör yenileniyor.</p>",
    )
    _send(world, newsletter, django_capture_on_commit_callbacks)
    assert newsletter.status == NewsletterStatus.SENT
    by_address = {m.to[0]: m for m in mailoutbox}
    # Carla did not consent, Dirk lives in the other building, Eva is another landlord's.
    assert sorted(by_address) == ["ayse@example.test", "bram@example.test"]
    ayse, bram = by_address["ayse@example.test"], by_address["bram@example.test"]
    assert (ayse.subject, bram.subject) == ("Binanızdan haberler", "Nieuws uit uw flat")
    assert "Asansör yenileniyor." in ayse.body
    html = bram.alternatives[0][0]
    assert html.startswith("<!doctype html>") and "De lift wordt vernieuwd." in html
    assert bram.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert bram.extra_headers["List-Unsubscribe"].startswith(
        "<http://127.0.0.1:8000/nieuwsbrief/afmelden/"
    )
    deliveries = NewsletterDelivery.objects.filter(newsletter=newsletter)
    assert sorted(deliveries.values_list("resident__given_name", "language", "status")) == [
        ("Ayse", "tr", "sent"),
        ("Bram", "nl", "sent"),
    ]
    moments = ContactMoment.objects.filter(source_type=sending.SOURCE_TYPE)
    assert sorted(moments.values_list("resident__given_name", "channel", "summary")) == [
        ("Ayse", "email", "Nieuwsbrief “Nieuws uit De Horizon” per e-mail verstuurd."),
        ("Bram", "email", "Nieuwsbrief “Nieuws uit De Horizon” per e-mail verstuurd."),
    ]
    # The task running again (a retry, a second worker) sends nothing more.
    assert sending.deliver_pending(newsletter_id=newsletter.pk) == 0
    assert len(mailoutbox) == 2


def test_a_sent_newsletter_cannot_be_changed_or_sent_again(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    newsletter = world.newsletter()
    _send(world, newsletter, django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError) as exc:
        services.newsletter_send(actor=world.viewer("writer"), newsletter_id=newsletter.pk)
    assert exc.value.message == "Deze nieuwsbrief is verstuurd en kan niet meer worden gewijzigd."
    with pytest.raises(ApplicationError):
        services.version_save(
            actor=world.viewer("writer"),
            newsletter_id=newsletter.pk,
            language="en",
            subject="x",
            body="<p>x</p>",
        )
    assert len(mailoutbox) == 2


def test_a_consent_withdrawn_mid_send_takes_effect_before_the_next_mail(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    newsletter = world.newsletter()
    real_send = sending.mail_send

    def send_then_bram_unsubscribes(**kwargs):
        sent = real_send(**kwargs)
        bram = world.residents["bram"]
        services.newsletter_unsubscribe(token=sending.links.unsubscribe_token(bram.pk))
        return sent

    with mock.patch.object(sending, "mail_send", side_effect=send_then_bram_unsubscribes):
        _send(world, newsletter, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["ayse@example.test"]]
    assert dict(NewsletterDelivery.objects.values_list("resident__given_name", "status")) == {
        "Ayse": "sent",
        "Bram": "skipped",
    }
    assert newsletter.status == NewsletterStatus.SENT


def test_a_worker_that_died_mid_send_resends_nothing_and_loses_nothing(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    newsletter = world.newsletter()
    with django_capture_on_commit_callbacks(execute=False):  # the task never ran
        services.newsletter_send(actor=world.viewer("writer"), newsletter_id=newsletter.pk)
    first, second = NewsletterDelivery.objects.order_by("pk")
    # The dead worker had claimed the first delivery and maybe sent it.
    NewsletterDelivery.objects.filter(pk=first.pk).update(status=DeliveryStatus.SENDING)
    assert sending.deliver_pending(newsletter_id=newsletter.pk) == 1
    assert [m.to for m in mailoutbox] == [[second.resident.email]]
    newsletter.refresh_from_db()
    assert newsletter.status == NewsletterStatus.SENDING  # one delivery is still open
    later = first.updated_at + sending.STALE_AFTER * 2
    assert sending.deliveries_resume(now=later) == []
    first.refresh_from_db()
    newsletter.refresh_from_db()
    assert (first.status, newsletter.status) == (DeliveryStatus.UNCERTAIN, NewsletterStatus.SENT)
    assert len(mailoutbox) == 1


def test_a_refused_mail_is_recorded_as_failed(world, django_capture_on_commit_callbacks):
    newsletter = world.newsletter()
    with mock.patch.object(sending, "mail_send", side_effect=OSError("connection refused")):
        _send(world, newsletter, django_capture_on_commit_callbacks)
    assert set(NewsletterDelivery.objects.values_list("status", flat=True)) == {"failed"}
    assert ContactMoment.objects.filter(source_type=sending.SOURCE_TYPE).count() == 0


def test_a_resident_who_consents_later_gets_the_next_newsletter(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    give_consent(world.residents["carla"])
    _send(world, world.newsletter(), django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mailoutbox) == [
        "ayse@example.test",
        "bram@example.test",
        "carla@example.test",
    ]


def test_writes_are_audited(world):
    newsletter = world.newsletter()
    entry = AuditEntry.objects.filter(object_type="communications.newsletter").get()
    assert (entry.action, entry.object_ids, entry.fields) == (
        "create",
        [str(newsletter.pk)],
        ["buildings", "title", "versions"],
    )


def test_the_resume_command_sends_what_a_dead_worker_left(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    newsletter = world.newsletter()
    with django_capture_on_commit_callbacks(execute=False):  # the task never ran
        services.newsletter_send(actor=world.viewer("writer"), newsletter_id=newsletter.pk)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("newsletters_resume", stdout=io.StringIO())
    newsletter.refresh_from_db()
    assert (len(mailoutbox), newsletter.status) == (2, NewsletterStatus.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("newsletters_resume", stdout=io.StringIO())
    assert len(mailoutbox) == 2
