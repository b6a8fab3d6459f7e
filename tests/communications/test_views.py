"""The staff pages: write, preview, translate, images, send, PDF and QR code; bad input
answered with a message on the page, never a 500."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pypdf import PdfReader

from tests.communications.test_services import _jpeg_with_gps
from wijkregie.communications.models import Newsletter, NewsletterImage


def test_writing_a_newsletter_with_a_script_tells_what_was_removed(login, world):
    client = login(world.users["writer"])
    page = client.get(reverse("communications:newsletter_create"))
    assert page.status_code == 200
    assert "De Horizon" in page.content.decode() and "Elders" not in page.content.decode()
    response = client.post(
        reverse("communications:newsletter_create"),
        {
            "title": "Lift",
            "buildings": [world.horizon.pk],
            "subject": "De lift",
            "body": '<p>Nieuw</p><script>x()</script><img src="https://t.example/p.gif">',
        },
        follow=True,
    )
    newsletter = Newsletter.objects.get()
    assert response.redirect_chain == [
        (reverse("communications:newsletter_detail", args=[newsletter.pk]), 302)
    ]
    text = response.content.decode()
    assert (
        "Opgeslagen. Uit de tekst verwijderd omdat het niet is toegestaan: scripts en "
        "ingesloten inhoud; afbeeldingen in de tekst (voeg afbeeldingen toe onder de tekst)."
    ) in text
    assert newsletter.versions.get().body_html == "<p>Nieuw</p>"


def test_an_empty_form_keeps_what_was_typed(login, world):
    client = login(world.users["writer"])
    response = client.post(
        reverse("communications:newsletter_create"),
        {"title": "Lift", "buildings": [], "subject": "De lift", "body": "<p>Mijn tekst</p>"},
    )
    assert response.status_code == 400
    assert "&lt;p&gt;Mijn tekst&lt;/p&gt;" in response.content.decode()
    assert Newsletter.objects.count() == 0


def test_translating_and_previewing(login, world):
    newsletter = world.newsletter()
    client = login(world.users["writer"])
    url = reverse("communications:newsletter_version", args=[newsletter.pk, "uk"])
    page = client.get(url)
    assert page.status_code == 200 and "De lift wordt vernieuwd." in page.content.decode()
    response = client.post(url, {"subject": "Новини", "body": "<p>Ліфт оновлюють.</p>"})
    assert response.status_code == 302
    detail = client.get(reverse("communications:newsletter_detail", args=[newsletter.pk]))
    text = detail.content.decode()
    assert 'lang="uk"' in text and "Ліфт оновлюють." in text
    unknown = client.get(reverse("communications:newsletter_version", args=[newsletter.pk, "fr"]))
    assert unknown.status_code == 404


def test_a_30_mb_image_is_refused_on_the_page(login, world):
    newsletter = world.newsletter()
    client = login(world.users["writer"])
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (30 * 1024 * 1024), "image/jpeg")
    response = client.post(
        reverse("communications:newsletter_image_add", args=[newsletter.pk]),
        {"image": big, "alt_text": "Groot"},
    )
    assert response.status_code == 400
    assert "De foto is te groot. Een foto mag hoogstens 10 MB zijn." in response.content.decode()
    assert NewsletterImage.objects.count() == 0


def test_an_image_is_added_and_shown_to_the_writer(login, world):
    newsletter = world.newsletter()
    client = login(world.users["writer"])
    upload = SimpleUploadedFile("lift.jpg", _jpeg_with_gps(), "image/jpeg")
    response = client.post(
        reverse("communications:newsletter_image_add", args=[newsletter.pk]),
        {"image": upload, "alt_text": "De nieuwe lift"},
    )
    assert response.status_code == 302
    image = NewsletterImage.objects.get()
    served = client.get(reverse("communications:newsletter_image", args=[newsletter.pk, image.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"PhoneMaker" not in b"".join(served.streaming_content)


def test_sending_from_the_page_and_the_deliveries(
    login, world, mailoutbox, django_capture_on_commit_callbacks
):
    newsletter = world.newsletter()
    client = login(world.users["writer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("communications:newsletter_send", args=[newsletter.pk]), follow=True
        )
    text = response.content.decode()
    assert "De nieuwsbrief wordt verstuurd aan de bewoners die toestemming gaven." in text
    assert len(mailoutbox) == 2
    detail = client.get(reverse("communications:newsletter_detail", args=[newsletter.pk]))
    text = detail.content.decode()
    assert "Ayse Horizon" in text and "Bram Horizon" in text and "Carla" not in text
    again = client.post(
        reverse("communications:newsletter_send", args=[newsletter.pk]), follow=True
    )
    assert "Deze nieuwsbrief is verstuurd en kan niet meer worden gewijzigd." in (
        again.content.decode()
    )
    assert len(mailoutbox) == 2


def test_the_pdf_and_the_qr_code(login, world):
    newsletter = world.newsletter()
    client = login(world.users["writer"])
    pdf = client.get(reverse("communications:newsletter_pdf", args=[newsletter.pk, "nl"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    missing = client.get(reverse("communications:newsletter_pdf", args=[newsletter.pk, "tr"]))
    assert missing.status_code == 404
    qr = client.get(reverse("communications:newsletter_qr", args=[newsletter.pk, "nl"]))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg") and newsletter.public_code.encode() in qr.content


def test_the_pdf_text_and_qr_image(login, world):
    newsletter = world.newsletter()
    client = login(world.users["writer"])
    pdf = client.get(reverse("communications:newsletter_pdf", args=[newsletter.pk, "nl"]))
    reader = PdfReader(io.BytesIO(pdf.content))
    text = reader.pages[0].extract_text()
    assert "De lift wordt vernieuwd." in text
    assert newsletter.public_code in text.replace("\n", "")
