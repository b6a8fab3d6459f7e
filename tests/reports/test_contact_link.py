"""A resident's request to get in touch, added by intake to the resident's contact history."""

from django.urls import reverse

import pytest

from tests.conftest import permissions_from
from tests.places.factories import UnitFactory
from tests.reports.factories import submit
from tests.residents.factories import make_occupancy, make_resident
from wijkregie.core.exceptions import ApplicationError, NotFound
from wijkregie.core.models import AuditEntry
from wijkregie.reports import selectors, services
from wijkregie.reports.models import Category, LocationKind, ReportEvent
from wijkregie.residents.models import ContactMoment
from wijkregie.residents.selectors import resident_contact_history

RESIDENTS = ["residents.view_resident"]


@pytest.fixture
def contact_world(world, make_professional):
    """The world plus a tenant of the unit, the owner's intake seeing residents, and a
    request to get in touch sent by that tenant."""
    world.users["intake"].memberships.get().roles.get().permissions.add(
        *permissions_from(RESIDENTS)
    )
    world.tenant = make_resident(world.owner, "R777", given_name="Fatma", family_name="Yilmaz")
    make_occupancy(world.tenant, world.unit)
    world.neighbour = make_resident(world.owner, "R778", given_name="Piet", family_name="Yilmazer")
    make_occupancy(world.neighbour, UnitFactory(building=world.building, floor=3, house_number=14))
    world.request = submit(
        world,
        category=Category.objects.get(slug="contact"),
        description="Kunt u mij bellen over de overlast in de lift?",
        location_kind=LocationKind.NOT_APPLICABLE,
        common_area=None,
        reporter={"name": "Fatma Yilmaz", "email": "fatma@example.org"},
    ).report
    return world


def _link(world, user="intake", resident=None):
    return services.report_contact_link(
        actor=world.viewer(user),
        report_id=world.request.pk,
        resident_id=(resident or world.tenant).pk,
    )


def test_linking_records_one_contact_moment_with_the_request_and_a_timeline_entry(contact_world):
    w = contact_world
    moment = _link(w)
    assert list(ContactMoment.objects.values_list("resident_id", "channel", "organisation_id")) == [
        (w.tenant.pk, "web", w.owner.pk)
    ]
    assert moment.occurred_at == w.request.created_at
    assert moment.summary == (
        f"Vroeg via de website om contact ({w.request.tracking_code}): "
        "“Kunt u mij bellen over de overlast in de lift?”"
    )
    assert (moment.source_type, moment.source_id) == ("reports.report", str(w.request.pk))
    events = list(ReportEvent.objects.filter(report=w.request).values_list("type", "parameters"))
    assert events == [("contact_linked", {"resident_id": w.tenant.pk})]
    history = resident_contact_history(viewer=w.viewer("intake"), resident_id=w.tenant.pk)
    assert [(h["channel"], h["organisation"]) for h in history] == [("web", "Woonstichting Test")]
    audit = AuditEntry.objects.filter(object_type="residents.resident", action="update").first()
    assert audit.object_ids == [str(w.tenant.pk)] and audit.fields == ["contact_history"]


def test_a_request_is_linked_once_to_this_or_another_resident(contact_world):
    w = contact_world
    _link(w)
    for resident in (w.tenant, w.neighbour):
        with pytest.raises(ApplicationError) as exc:
            _link(w, resident=resident)
        assert str(exc.value.message) == (
            "Dit verzoek staat al in de contacthistorie van een bewoner."
        )
    assert ContactMoment.objects.count() == 1
    assert ReportEvent.objects.filter(report=w.request).count() == 1


def test_only_requests_to_get_in_touch_can_be_linked(contact_world):
    w = contact_world
    report = submit(w).report
    with pytest.raises(ApplicationError) as exc:
        services.report_contact_link(
            actor=w.viewer("intake"), report_id=report.pk, resident_id=w.tenant.pk
        )
    assert str(exc.value.message) == (
        "Alleen een verzoek om contact kan aan de contacthistorie van een bewoner "
        "worden toegevoegd."
    )
    assert ContactMoment.objects.count() == 0


@pytest.mark.parametrize("user", ["police_intake", "other_intake", "staff"])
def test_others_than_intake_of_the_receiver_cannot_link(contact_world, user):
    with pytest.raises(NotFound):
        _link(contact_world, user=user)
    assert ContactMoment.objects.count() == 0
    assert ReportEvent.objects.count() == 0


def test_intake_without_access_to_residents_gets_no_link_section_and_cannot_link(contact_world):
    w = contact_world
    w.users["intake"].memberships.get().roles.get().permissions.remove(*permissions_from(RESIDENTS))
    viewer = w.viewer("intake")
    assert selectors.report_contact_link_get(viewer=viewer, report=w.request, query="x") is None
    with pytest.raises(NotFound):
        _link(w)
    assert ContactMoment.objects.count() == 0


def test_the_same_source_twice_for_one_resident_is_refused_by_the_database(contact_world):
    from django.db import IntegrityError, transaction

    w = contact_world
    _link(w)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactMoment.objects.create(
            resident=w.tenant,
            organisation=w.owner,
            channel="web",
            occurred_at=w.request.created_at,
            summary="twice",
            source_type="reports.report",
            source_id=str(w.request.pk),
        )


def test_report_page_searches_residents_and_links_the_chosen_one(contact_world, login):
    w = contact_world
    client = login(w.users["intake"])
    url = reverse("reports:detail", args=[w.request.pk])
    page = client.get(url).content.decode()
    assert 'id="contact-link-heading"' in page
    assert 'value="Fatma Yilmaz"' in page  # the search starts from the reporter's name
    found = client.get(url, {"resident_search": "Fatma Yilmaz"}).content.decode()
    assert found.count('name="resident"') == 1  # "Fatma Yilmaz": both words must match
    assert f'value="{w.tenant.pk}"' in found
    wider = client.get(url, {"resident_search": "yilmaz"}).content.decode()
    assert wider.count('name="resident"') == 2
    response = client.post(
        reverse("reports:contact_link", args=[w.request.pk]), {"resident": w.tenant.pk}
    )
    assert response.status_code == 302 and response["Location"] == url
    after = client.get(url).content.decode()
    assert reverse("residents:detail", args=[w.tenant.pk]) in after
    assert 'name="resident"' not in after
    resident_page = client.get(reverse("residents:detail", args=[w.tenant.pk])).content.decode()
    assert w.request.tracking_code in resident_page


def test_report_page_in_english(contact_world, login):
    w = contact_world
    client = login(w.users["intake"])
    page = client.get(
        reverse("reports:detail", args=[w.request.pk]), headers={"accept-language": "en"}
    ).content.decode()
    assert "Find the resident who sent this request" in page


def test_report_page_refusal_is_shown_in_words_and_changes_nothing(contact_world, login):
    w = contact_world
    _link(w)
    client = login(w.users["intake"])
    response = client.post(
        reverse("reports:contact_link", args=[w.request.pk]), {"resident": w.neighbour.pk}
    )
    assert response.status_code == 400
    assert "Dit verzoek staat al in de contacthistorie van een bewoner." in (
        response.content.decode()
    )
    bad = client.post(reverse("reports:contact_link", args=[w.request.pk]), {"resident": "abc"})
    assert bad.status_code == 400
    assert ContactMoment.objects.count() == 1


def test_no_link_section_on_other_reports(contact_world, login):
    w = contact_world
    report = submit(w).report
    client = login(w.users["intake"])
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'id="contact-link-heading"' not in page


def test_api_links_once_and_refuses_in_problem_json(contact_world, login):
    import json

    from django.utils.timezone import localtime

    w = contact_world
    client = login(w.users["intake"])
    url = reverse("reports_api:report_contact_link", args=[w.request.pk])
    first = client.post(url, json.dumps({"resident": w.tenant.pk}), content_type="application/json")
    assert first.status_code == 201
    moment = ContactMoment.objects.get()
    assert first.json() == {
        "contact_moment_id": moment.pk,
        "resident": w.tenant.pk,
        "channel": "web",
        "occurred_at": localtime(w.request.created_at).isoformat(),
    }
    again = client.post(url, json.dumps({"resident": w.tenant.pk}), content_type="application/json")
    assert again.status_code == 400
    assert again["Content-Type"] == "application/problem+json"
    bad = client.post(url, json.dumps({"resident": "x"}), content_type="application/json")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["resident"]
    other = login(w.users["police_intake"]).post(
        url, json.dumps({"resident": w.tenant.pk}), content_type="application/json"
    )
    assert other.status_code == 404
    assert ContactMoment.objects.count() == 1
