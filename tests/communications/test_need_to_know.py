"""Every newsletter page, fragment, PDF and API endpoint, walked as every demo persona: the
corporation's neighbourhood manager and liveability consultant write De Horizon's
newsletters and see who received them; the other corporation's manager has the
newsletter pages but none of De Horizon's newsletters; nobody else has the pages at all.
The public page carries no personal data for anyone."""

from django.contrib.auth import get_user_model
from django.urls import reverse

import pytest

from wijkregie.communications.models import DeliveryStatus, Newsletter, NewsletterDelivery
from wijkregie.demo.cases import build_cases
from wijkregie.demo.newsletters import NEWSLETTERS, build_newsletters
from wijkregie.demo.partners import PERSONAS, build_partners
from wijkregie.demo.places import build_places
from wijkregie.demo.reports import build_reports
from wijkregie.demo.residents import build_residents
from wijkregie.residents.models import ContactMoment, Resident

WRITERS = {"wijkbeheerder", "leefbaarheid"}
OTHER_CORPORATION = {"oostwaard"}


@pytest.fixture
def demo(db):
    build_partners()
    build_places()
    build_residents()
    build_reports()
    build_cases()
    return build_newsletters()


def _pages(newsletter):
    pk = newsletter.pk
    image = newsletter.images.first()
    pages = [
        reverse("communications:newsletter_detail", args=[pk]),
        reverse("communications:newsletter_edit", args=[pk]),
        reverse("communications:newsletter_version", args=[pk, "tr"]),
        reverse("communications:newsletter_pdf", args=[pk, "ar"]),
        reverse("communications:newsletter_qr", args=[pk, "nl"]),
        reverse("communications_api:newsletter_detail", args=[pk]),
        reverse("communications_api:newsletter_deliveries", args=[pk]),
    ]
    if image is not None:
        pages.append(reverse("communications:newsletter_image", args=[pk, image.pk]))
    return pages


def test_the_demo_story_newsletters(demo):
    first, second = demo["newsletters"]
    for newsletter in (first, second):
        assert newsletter.status == "sent"
        assert sorted(newsletter.versions.values_list("language", flat=True)) == ["ar", "nl", "tr"]
        assert [b.name for b in newsletter.buildings.all()] == ["De Horizon"]
    consenting = Resident.objects.filter(
        consents__purpose="newsletter_email", consents__withdrawn_at__isnull=True
    ).exclude(email="")
    horizon_consenting = consenting.filter(
        occupancies__unit__building__name="De Horizon", occupancies__end_date__isnull=True
    ).distinct()
    deliveries = NewsletterDelivery.objects.filter(newsletter=second)
    assert deliveries.count() == horizon_consenting.count() > 10
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert NewsletterDelivery.objects.filter(newsletter=first, status="bounced").count() == 1
    assert (
        ContactMoment.objects.filter(
            source_type="communications.newsletter_delivery", channel="email"
        ).count()
        == NewsletterDelivery.objects.count()
    )
    # Residents get the version in their language when there is one.
    turkish = deliveries.filter(resident__preferred_language="tr")
    assert turkish.exists() and set(turkish.values_list("language", flat=True)) == {"tr"}
    polish = deliveries.filter(resident__preferred_language="pl")
    assert set(polish.values_list("language", flat=True)) <= {"nl"}
    assert demo == {"newsletters": build_newsletters()["newsletters"]}  # idempotent
    assert Newsletter.objects.count() == len(NEWSLETTERS)


def test_every_persona_sees_exactly_their_newsletters(demo, client):
    newsletters = demo["newsletters"]
    names = list(
        NewsletterDelivery.objects.values_list("resident__family_name", flat=True).distinct()
    )
    seen = {}
    for username in PERSONAS:
        client.force_login(get_user_model().objects.get(username=username))
        listing = client.get(reverse("communications:newsletter_list"))
        api = client.get(reverse("communications_api:newsletter_list"))
        create = client.get(reverse("communications:newsletter_create"))
        if username in WRITERS | OTHER_CORPORATION:
            assert (listing.status_code, api.status_code, create.status_code) == (200, 200, 200)
            listed = {n["title"] for n in api.json()["results"]}
            assert {n.title for n in newsletters if n.title in listing.content.decode()} == listed
        else:
            assert (listing.status_code, api.status_code, create.status_code) == (403, 403, 403)
            listed = set()
        for newsletter in newsletters:
            statuses = {url: client.get(url).status_code for url in _pages(newsletter)}
            expected = 200 if newsletter.title in listed else 404
            assert set(statuses.values()) == {expected}, (username, statuses)
            if expected == 200:
                body = client.get(
                    reverse("communications:newsletter_detail", args=[newsletter.pk])
                ).content.decode()
                assert sum(name in body for name in names) >= 5, username
                rows = client.get(
                    reverse("communications_api:newsletter_deliveries", args=[newsletter.pk])
                ).json()
                assert all(r["resident_name"] for r in rows), username
        if username not in WRITERS:  # writing to it: refused, nothing changed
            newsletter = newsletters[0]
            attempts = [
                client.post(reverse("communications:newsletter_send", args=[newsletter.pk])),
                client.post(
                    reverse("communications:newsletter_version", args=[newsletter.pk, "pl"]),
                    {"subject": "x", "body": "<p>x</p>"},
                ),
                client.post(reverse("communications_api:newsletter_send", args=[newsletter.pk])),
            ]
            assert {r.status_code for r in attempts} == {404}, username
            assert newsletter.versions.count() == 3
        seen[username] = listed
    assert seen == {
        u: ({n.title for n in newsletters} if u in WRITERS else set()) for u in PERSONAS
    }


def test_the_public_pages_show_no_personal_data(demo, client):
    residents = list(Resident.objects.values_list("family_name", "email"))
    for newsletter in demo["newsletters"]:
        for language in ("nl", "tr", "ar"):
            page = client.get(
                reverse("newsletters_public:page", args=[newsletter.public_code]),
                {"lang": language},
            )
            assert page.status_code == 200
            text = page.content.decode()
            assert not [n for n, e in residents if f" {n}" in text or (e and e in text)]
