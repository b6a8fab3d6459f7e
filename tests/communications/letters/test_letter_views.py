"""Letter pages and API: bad input answered with a clear message, never a 500; real PDFs."""

import io

from django.urls import reverse

import pytest
from pypdf import PdfReader

from wijkregie.communications.models import LetterBatch, LetterTemplate
from wijkregie.communications.services import letters as services


def _template_post(**overrides):
    data = {
        "organisation": "",
        "name": "Nieuws",
        "nl-subject": "Over {{ building }}",
        "nl-body": "Beste {{ naam }}",
        "nl-signature": "Groet",
        "extra-language": "",
        "extra-subject": "",
        "extra-body": "",
        "extra-signature": "",
    }
    data.update(overrides)
    return data


def test_an_unknown_merge_field_on_the_page_is_a_dutch_message(world, client):
    client.force_login(world.users["author"])
    data = _template_post(organisation=world.landlord.pk)
    response = client.post(reverse("communications:template_create"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Onbekend samenvoegveld: {{ naam }}. Gebruik een van:" in body
    assert "Beste {{ naam }}" in body  # what was typed is kept
    assert LetterTemplate.objects.count() == 0


def test_a_template_with_a_new_language_version_is_saved(world, client):
    client.force_login(world.users["author"])
    data = _template_post(
        organisation=world.landlord.pk,
        **{
            "nl-body": "Beste {{ resident_name }}",
            "extra-language": "ar",
            "extra-subject": "أخبار",
            "extra-body": "عزيزي {{ resident_name }}",
            "extra-signature": "{{ sender }}",
        },
    )
    response = client.post(reverse("communications:template_create"), data)
    template = LetterTemplate.objects.get()
    assert response.status_code == 302
    assert sorted(template.versions.values_list("language", flat=True)) == ["ar", "nl"]
    edit = client.get(reverse("communications:template_edit", args=[template.pk]))
    assert edit.status_code == 200
    assert "Versie in het Arabisch" in edit.content.decode()


def test_a_bad_language_code_on_the_page_is_a_message(world, client):
    client.force_login(world.users["author"])
    data = _template_post(
        organisation=world.landlord.pk,
        **{
            "nl-body": "Beste",
            "extra-language": "zz",
            "extra-subject": "x",
            "extra-body": "y",
            "extra-signature": "z",
        },
    )
    response = client.post(reverse("communications:template_create"), data)
    assert response.status_code == 400
    assert "“zz” is geen taalcode" in response.content.decode()


def test_the_preview_shows_a_real_resident(world, client):
    template = world.template()
    client.force_login(world.users["author"])
    response = client.get(
        reverse("communications:template_preview", args=[template.pk]),
        {"building": world.building.pk},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Beste Anna Bakker," in body
    assert "De Torenlaan 1<br>3521 AB  RIVIERSTAD" in body
    assert 'src="data:image/svg+xml' in body
    arabic = client.get(
        reverse("communications:template_preview", args=[template.pk]),
        {"building": world.building.pk, "language": "ar"},
    ).content.decode()
    assert 'lang="ar" dir="rtl"' in arabic


def test_the_author_reviewing_on_the_page_gets_the_four_eyes_message(world, client, fast_pdf):
    batch = world.batch()
    client.force_login(world.users["author"])
    page = client.get(reverse("communications:batch_detail", args=[batch.pk])).content.decode()
    assert "U heeft deze brieven opgesteld." in page
    response = client.post(reverse("communications:batch_review", args=[batch.pk]))
    assert response.status_code == 400
    assert "U heeft deze brieven zelf opgesteld." in response.content.decode()
    api = client.post(reverse("communications_api:letter_batch_review", args=[batch.pk]))
    assert api.status_code == 400
    assert LetterBatch.objects.get(pk=batch.pk).status == "draft"


def test_the_progress_fragment_shows_the_first_letters_while_the_rest_are_made(
    world, client, fast_pdf
):
    batch = world.batch()
    # As if the worker were halfway: two letters made, no bundle yet.
    batch.letters.filter(position__gt=2).update(made_at=None, pdf=b"")
    LetterBatch.objects.filter(pk=batch.pk).update(bundle_made_at=None)
    client.force_login(world.users["reviewer"])
    fragment = client.get(
        reverse("communications:batch_progress", args=[batch.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "De brieven worden gemaakt: 2 van 4." in fragment
    assert 'hx-trigger="every 1s"' in fragment
    assert "Anna Bakker" in fragment and "Samira Haddad" in fragment
    assert "Tom Claes" not in fragment
    assert "Brieven goedkeuren" not in fragment


def test_bad_batch_input_on_the_page_and_api_is_a_message(world, client, fast_pdf):
    template = world.template()
    client.force_login(world.users["author"])
    response = client.post(
        reverse("communications:batch_create"),
        {
            "title": "Brief",
            "template": template.pk,
            "target": "floors",
            "building": world.building.pk,
            "floors": "een, twee",
            "delivery_method": "post",
            "letter_date": "2026-12-04",
        },
    )
    assert response.status_code == 400
    assert "Schrijf de verdiepingen als nummers" in response.content.decode()
    api = client.post(
        reverse("communications_api:letter_batches"),
        {
            "organisation": world.landlord.pk,
            "template": template.pk,
            "title": "x",
            "target": "floors",
            "building": world.building.pk,
        },
        content_type="application/json",
    )
    assert api.status_code == 400
    assert LetterBatch.objects.count() == 0


def test_the_api_drafts_a_batch_and_lists_its_deliveries(world, client, fast_pdf):
    template = world.template()
    client.force_login(world.users["author"])
    response = client.post(
        reverse("communications_api:letter_batches"),
        {
            "organisation": world.landlord.pk,
            "template": template.pk,
            "title": "Brief",
            "target": "building",
            "building": world.building.pk,
            "delivery_method": "hand",
        },
        content_type="application/json",
    )
    assert response.status_code == 202
    batch_id = response.json()["id"]
    assert (response.json()["letter_count"], response.json()["made_count"]) == (4, 4)
    client.force_login(world.users["reviewer"])
    assert (
        client.post(reverse("communications_api:letter_batch_review", args=[batch_id])).json()[
            "status"
        ]
        == "reviewed"
    )
    assert (
        client.post(reverse("communications_api:letter_batch_send", args=[batch_id])).json()[
            "status"
        ]
        == "sent"
    )
    letters = client.get(reverse("communications_api:letter_batch_letters", args=[batch_id])).json()
    assert [(le["name"], le["delivery_method"]) for le in letters] == [
        ("Anna Bakker", "hand"),
        ("Samira Haddad", "hand"),
        ("Tom Claes", "hand"),
        ("Eva Dekker", "hand"),
    ]
    history = client.get(
        reverse("residents_api:contact_moment_list", args=[world.residents[0].pk]),
        {"channel": "letter"},
    ).json()
    assert [m["channel"] for m in history] == ["letter"]
    assert (
        client.get(
            reverse("residents_api:contact_moment_list", args=[world.residents[0].pk]),
            {"channel": "phone"},
        ).json()
        == []
    )


@pytest.mark.parametrize("language", ["nl", "ar"])
def test_a_real_letter_is_a_tagged_pdf_in_the_residents_language(world, client, language):
    template = world.template()
    batch = world.batch(
        template=template, target="units", unit_ids=[world.units[0 if language == "nl" else 1].pk]
    )
    letter = batch.letters.get()
    client.force_login(world.users["reviewer"])
    response = client.get(reverse("communications:letter_pdf", args=[batch.pk, letter.pk]))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == language
    text = reader.pages[0].extract_text()
    assert "RIVIERSTAD" in text
    assert letter.reference in text
    bundle = client.get(reverse("communications:bundle_pdf", args=[batch.pk]))
    assert len(PdfReader(io.BytesIO(bundle.content)).pages) == 1
    assert services.LETTER_TEMPLATE.endswith(".pdf.html")
    if language == "ar":
        html = services.letter_html_context(
            version=template.versions.get(language="ar"),
            context=services.letter_context(
                batch_or_none=batch,
                organisation=world.landlord,
                resident=letter.resident,
                unit=letter.unit,
                letter=letter,
                language="ar",
                day=batch.letter_date,
                reference=letter.reference,
                code=letter.code,
                author=world.viewer("author"),
            ),
        )
        assert html["subject"] == "أخبار De Toren"
