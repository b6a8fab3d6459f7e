"""The library of standard texts: kept per organisation, in the resident languages, and put
into a message in the reporter's language without losing what was typed."""

import json

from django.core.exceptions import ValidationError
from django.urls import reverse

import pytest

from tests.reports.factories import submit
from wijkregie.core.exceptions import NotFound, PermissionDenied
from wijkregie.reports import selectors, services
from wijkregie.reports.models import ReportMessage, StandardText

QUESTION = {
    "nl": "Op welke dagen en tijden gebeurt dit meestal?",
    "tr": "Bu genellikle hangi gün ve saatlerde oluyor?",
}


def _text(world, title="Wanneer?", body=None, user="intake"):
    return services.standard_text_create(
        actor=world.viewer(user),
        organisation_id=world.owner.pk,
        title=title,
        body=body or QUESTION,
    )


def test_a_text_is_kept_with_its_languages(world):
    text = _text(world)
    assert list(StandardText.objects.values_list("organisation_id", "title", "body", "active")) == [
        (world.owner.pk, "Wanneer?", QUESTION, True)
    ]
    assert text.text_in("tr") == (QUESTION["tr"], "tr")
    assert text.text_in("ar") == (QUESTION["nl"], "nl")


@pytest.mark.parametrize(
    ("title", "body", "errors"),
    [
        ("", QUESTION, {"title": ["Geef de tekst een titel."]}),
        (
            "Zonder Nederlands",
            {"tr": "Merhaba"},
            {"body_nl": ["De Nederlandse tekst is verplicht; andere talen zijn niet verplicht."]},
        ),
        ("Onbekende taal", {"nl": "Hallo", "de": "Hallo"}, {"body": ["Onbekende taal: de."]}),
        ("Geen tekst", {"nl": 12}, {"body": ["Geef de teksten als tekst per taalcode."]}),
        ("Te lang", {"nl": "x" * 2001}, {"body_nl": ["Gebruik hoogstens 2000 tekens."]}),
    ],
)
def test_bad_input_is_refused_in_words_and_nothing_is_kept(world, title, body, errors):
    with pytest.raises(ValidationError) as exc:
        _text(world, title=title, body=body)
    assert exc.value.message_dict == errors
    assert StandardText.objects.count() == 0


def test_titles_are_unique_per_organisation(world):
    _text(world)
    with pytest.raises(ValidationError) as exc:
        _text(world)
    assert exc.value.message_dict == {"title": ["Er is al een tekst met deze titel."]}
    services.standard_text_create(
        actor=world.viewer("police_intake"),
        organisation_id=world.police.pk,
        title="Wanneer?",
        body=QUESTION,
    )
    assert StandardText.objects.count() == 2


def test_only_intake_of_the_organisation_keeps_and_sees_its_texts(world):
    text = _text(world)
    with pytest.raises(PermissionDenied):
        _text(world, title="Ander", user="police_intake")
    with pytest.raises(PermissionDenied):
        _text(world, title="Ander", user="staff")
    assert list(selectors.standard_text_list(viewer=world.viewer("police_intake"))) == []
    assert list(selectors.standard_text_list(viewer=world.viewer("triage"))) == [text]
    with pytest.raises(NotFound):
        services.standard_text_update(
            actor=world.viewer("police_intake"), text_id=text.pk, title="X", body=QUESTION
        )
    with pytest.raises(NotFound):
        selectors.standard_text_get(viewer=world.viewer("other_intake"), id=text.pk)


def test_a_text_taken_out_of_use_is_not_offered_but_kept(world):
    text = _text(world)
    report = submit(world).report
    services.standard_text_update(
        actor=world.viewer("intake"), text_id=text.pk, title="Wanneer?", body=QUESTION, active=False
    )
    assert (
        selectors.standard_texts_for_report(
            viewer=world.viewer("intake"), report=report, language="tr"
        )
        == []
    )
    assert list(
        selectors.standard_text_list(viewer=world.viewer("intake"), include_inactive=True)
    ) == [text]


def test_the_report_page_puts_the_text_in_the_reporters_language_after_what_was_typed(world, login):
    text = _text(world)
    _text(world, title="Alleen Nederlands", body={"nl": "Dank u wel."})
    report = submit(world, reporter={"email": "t@example.org", "language": "tr"}).report
    client = login(world.users["intake"])
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Alleen Nederlands (alleen Nederlands)" in page
    assert f'<option value="{text.pk}">Wanneer?</option>' in page
    url = reverse("reports:message", args=[report.pk])
    response = client.post(
        url, {"body": "Merhaba, teşekkürler.", "standard_text": text.pk, "insert_text": "1"}
    )
    assert response.status_code == 200
    assert response.context["message_form"].initial["body"] == (
        f"Merhaba, teşekkürler.\n\n{QUESTION['tr']}"
    )
    assert ReportMessage.objects.count() == 0  # nothing sent yet
    empty = client.post(url, {"body": "", "standard_text": text.pk, "insert_text": "1"})
    assert empty.context["message_form"].initial["body"] == QUESTION["tr"]
    unknown = client.post(url, {"body": "Mijn tekst", "standard_text": 999, "insert_text": "1"})
    assert unknown.status_code == 400
    assert unknown.context["message_form"].initial["body"] == "Mijn tekst"
    sent = client.post(url, {"body": QUESTION["tr"]})
    assert sent.status_code == 302
    assert list(ReportMessage.objects.values_list("body", flat=True)) == [QUESTION["tr"]]


def test_no_choice_without_texts_and_the_library_pages(world, login):
    report = submit(world).report
    client = login(world.users["intake"])
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'name="insert_text"' not in page
    library = reverse("reports:standard_texts")
    assert client.get(library).status_code == 200
    bad = client.post(library, {"organisation": world.owner.pk, "title": "Leeg", "body_nl": ""})
    assert bad.status_code == 400
    assert 'value="Leeg"' in bad.content.decode()  # the form comes back filled in
    created = client.post(
        library,
        {
            "organisation": world.owner.pk,
            "title": "Dank",
            "body_nl": "Dank voor uw melding.",
            "body_ar": "شكرا على بلاغك.",
        },
    )
    assert created.status_code == 302
    text = StandardText.objects.get()
    assert text.body == {"nl": "Dank voor uw melding.", "ar": "شكرا على بلاغك."}
    edit = client.get(reverse("reports:standard_text_edit", args=[text.pk])).content.decode()
    assert 'lang="ar" dir="rtl"' in edit
    changed = client.post(
        reverse("reports:standard_text_edit", args=[text.pk]),
        {"organisation": world.owner.pk, "title": "Dank", "body_nl": "Dank!", "active": ""},
    )
    assert changed.status_code == 302
    text.refresh_from_db()
    assert (text.body, text.active) == ({"nl": "Dank!"}, False)
    other = login(world.users["police_intake"])
    assert other.get(reverse("reports:standard_text_edit", args=[text.pk])).status_code == 404
    assert login(world.users["staff"]).get(library).status_code == 403


def test_the_api_lists_creates_and_changes_texts(world, login):
    client = login(world.users["intake"])
    url = reverse("reports_api:standard_text_list")
    created = client.post(
        url, json.dumps({"title": "Wanneer?", "body": QUESTION}), content_type="application/json"
    )
    assert created.status_code == 201
    text = StandardText.objects.get()
    assert created.json() == {
        "id": text.pk,
        "organisation": world.owner.pk,
        "title": "Wanneer?",
        "body": QUESTION,
        "active": True,
    }
    assert client.get(url).json() == [created.json()]
    bad = client.post(url, json.dumps({"title": "X", "body": {}}), content_type="application/json")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["body_nl"]
    detail = reverse("reports_api:standard_text_detail", args=[text.pk])
    put = client.put(
        detail,
        json.dumps({"title": "Wanneer precies?", "body": {"nl": "Wanneer?"}, "active": False}),
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["active"] is False
    assert login(world.users["police_intake"]).get(detail).status_code == 404


def test_without_an_organisation_the_only_one_of_the_actor_is_taken(world):
    text = services.standard_text_create(
        actor=world.viewer("intake"), organisation_id=None, title="Wanneer?", body=QUESTION
    )
    assert text.organisation_id == world.owner.pk
    with pytest.raises(ValidationError) as exc:
        services.standard_text_create(
            actor=world.viewer("staff"), organisation_id=None, title="Ander", body=QUESTION
        )
    assert exc.value.message_dict == {"organisation": ["Zeg voor welke organisatie de tekst is."]}
    assert StandardText.objects.count() == 1
