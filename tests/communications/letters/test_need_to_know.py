"""Every letter page, fragment, PDF and API endpoint walked as every demo persona: the
corporation's letter writers see its batches and letters, nobody else learns they exist.
The contact history of a unit and the residents not reached follow the residents'
need-to-know."""

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest

from wijkregie.communications.models import Letter, LetterBatch, LetterTemplate
from wijkregie.demo.cases import build_cases
from wijkregie.demo.letters import REVIEW_TITLE, SENT_TITLE, build_letters
from wijkregie.demo.partners import PERSONAS, build_partners
from wijkregie.demo.places import build_places
from wijkregie.demo.reports import build_reports
from wijkregie.demo.residents import build_residents
from wijkregie.partners.selectors import viewer_for
from wijkregie.places.models import Building
from wijkregie.residents import selectors as resident_selectors
from wijkregie.residents.models import ContactMoment

LETTER_WRITERS = {"wijkbeheerder", "leefbaarheid"}  # De Vaart, the landlord of De Horizon
OTHER_LETTER_WRITERS = {"oostwaard"}  # another corporation: its own (no) batches
LANDLORD_STAFF = {"wijkbeheerder", "leefbaarheid", "woonfraude"}


@pytest.fixture
def demo(db, fast_pdf):
    build_partners()
    build_places()
    build_residents()
    build_reports()
    build_cases()
    return build_letters()


def _batch_urls(batch):
    letter = Letter.objects.filter(batch=batch).order_by("position").first()
    return [
        reverse("communications:batch_detail", args=[batch.pk]),
        reverse("communications:batch_progress", args=[batch.pk]),
        reverse("communications:bundle_pdf", args=[batch.pk]),
        reverse("communications:letter_pdf", args=[batch.pk, letter.pk]),
        reverse("communications:template_edit", args=[batch.template_id]),
        reverse("communications:template_preview", args=[batch.template_id]),
        reverse("communications_api:letter_batch_detail", args=[batch.pk]),
        reverse("communications_api:letter_batch_letters", args=[batch.pk]),
        reverse("communications_api:letter_template_detail", args=[batch.template_id]),
    ]


def test_the_demo_story_letters(demo):
    sent, waiting = demo["sent"], demo["awaiting_review"]
    assert (sent.title, sent.status, waiting.title, waiting.status) == (
        SENT_TITLE,
        "sent",
        REVIEW_TITLE,
        "draft",
    )
    assert waiting.bundle_made_at is not None  # ready for the second person
    assert sent.letters.count() == sent.letters.filter(sent_at__isnull=False).count() > 100
    assert ContactMoment.objects.filter(source_type="communications.letter").count() == (
        sent.letters.count()
    )
    assert set(waiting.letters.values_list("unit__floor", flat=True)) == {8, 9}
    assert sorted(set(sent.letters.values_list("language", flat=True))) == ["ar", "en", "nl"]
    assert build_letters() == demo  # idempotent
    assert (LetterBatch.objects.count(), LetterTemplate.objects.count()) == (2, 2)


def test_every_persona_sees_exactly_the_letters_of_their_organisation(demo, client):
    batches = {SENT_TITLE: demo["sent"], REVIEW_TITLE: demo["awaiting_review"]}
    names = list(
        Letter.objects.filter(batch=demo["sent"]).values_list("resident__family_name", flat=True)
    )
    seen = {}
    for username in PERSONAS:
        client.force_login(get_user_model().objects.get(username=username))
        index = client.get(reverse("communications:letters"))
        writer = username in LETTER_WRITERS | OTHER_LETTER_WRITERS
        assert index.status_code == (200 if writer else 403), username
        for url in (
            reverse("communications:batch_create"),
            reverse("communications:template_create"),
        ):
            assert client.get(url).status_code == (200 if writer else 403), (username, url)
        api = client.get(reverse("communications_api:letter_batches")).json()
        listed = {b["title"] for b in api}
        templates = {
            t["name"] for t in client.get(reverse("communications_api:letter_templates")).json()
        }
        page = index.content.decode() if writer else ""
        assert {t for t in batches if t in page} == listed, username
        for batch in batches.values():
            statuses = {client.get(url).status_code for url in _batch_urls(batch)}
            expected = {200} if batch.title in listed else {404}
            assert statuses == expected, (username, batch.title, statuses)
            if batch.title in listed and batch.status != "sent":
                continue  # a second person may approve it: not here
            for url in (
                reverse("communications:batch_review", args=[batch.pk]),
                reverse("communications_api:letter_batch_review", args=[batch.pk]),
                reverse("communications_api:letter_batch_send", args=[batch.pk]),
            ):
                status = client.post(url).status_code
                assert status in ({400} if batch.title in listed else {403, 404}), (username, url)
        if not listed:
            body = client.get(reverse("communications:letters")).content.decode()
            assert not any(f">{n}" in body for n in names), username
        seen[username] = (listed, templates)
    assert seen == {
        username: (
            ({SENT_TITLE, REVIEW_TITLE}, {SENT_TITLE, REVIEW_TITLE})
            if username in LETTER_WRITERS
            else (set(), set())
        )
        for username in PERSONAS
    }
    # Nothing was changed by all those attempts.
    assert LetterBatch.objects.get(pk=demo["awaiting_review"].pk).status == "draft"


def test_the_contact_history_of_a_unit_follows_need_to_know(demo, client):
    letter = Letter.objects.filter(batch=demo["sent"]).select_related("unit", "resident").first()
    unit = letter.unit
    horizon = Building.objects.get(name="De Horizon")
    for username in PERSONAS:
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        page = client.get(reverse("residents:unit_history", args=[unit.pk]))
        api = client.get(reverse("residents_api:unit_contact_history", args=[unit.pk]))
        visible = (
            {
                r["id"]
                for r in resident_selectors.resident_list(
                    viewer=viewer_for(user), building_id=horizon.pk, page_size=200
                ).items
                if any(u["unit_id"] == unit.pk for u in r.get("units", []))
            }
            if user.memberships.filter(roles__permissions__codename="view_resident").exists()
            else set()
        )
        if username in LANDLORD_STAFF:
            assert page.status_code == 200, username
            body = page.content.decode()
            assert letter.resident.full_name in body
            assert f"Brief “{SENT_TITLE}”" in body
            assert {r["id"] for r in api.json()["residents"]} == visible, username
        elif page.status_code == 200:
            assert {r["id"] for r in api.json()["residents"]} == visible, username
            shown = {e["resident_id"] for e in api.json()["entries"]}
            assert shown <= visible, username
        else:
            assert (page.status_code, api.status_code, visible) == (404, 404, set()), username


def test_not_reached_lists_only_residents_the_viewer_may_see(demo, client):
    for username in PERSONAS:
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        response = client.get(reverse("residents_api:not_reached"))
        page = client.get(reverse("residents:not_reached"))
        if response.status_code == 403:
            assert page.status_code == 403, username
            continue
        ids = {r["id"] for r in response.json()}
        visible = resident_selectors.resident_list(viewer=viewer_for(user), page_size=200)
        assert ids <= {r["id"] for r in visible.items}, username
        if username in LANDLORD_STAFF:
            # Every resident of De Horizon got the letter a fortnight ago: reached.
            reached = set(
                Letter.objects.filter(batch=demo["sent"]).values_list("resident_id", flat=True)
            )
            assert ids.isdisjoint(reached), username
