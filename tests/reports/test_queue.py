"""The work queue: its order, search, assignment, saved views, home counts, duplicates,
and that its query count does not grow with the reports or buildings."""

import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from tests.places.factories import BuildingContactFactory, BuildingFactory, UnitFactory
from tests.reports.factories import reporter_of, submit
from wijkregie.core.exceptions import NotFound
from wijkregie.core.models import AuditEntry
from wijkregie.places.selectors import building_suggestions
from wijkregie.reports import selectors, services
from wijkregie.reports.models import (
    LocationKind,
    Report,
    ReportEvent,
    ReportStatusChange,
    SavedQueueFilter,
)

QUEUE = reverse("reports:queue")
ROW = re.compile(
    r'<th class="utrecht-table__header-cell" scope="row">'
    r'<a class="utrecht-link" href="/reports/(\d+)/"'
)


def _ids(response) -> list[int]:
    assert response.status_code == 200
    return [int(i) for i in ROW.findall(response.content.decode())]


def _membership(user):
    return user.memberships.get()


def _age(report, days):
    """Received `days` ago (the queue sorts by when a report came in)."""
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=days))


# --- Order -------------------------------------------------------------------------------


def test_default_view_is_open_reports_replies_first_then_late_then_newest(world, login):
    replied = submit(world)
    very_late = submit(world).report
    late = submit(world).report
    newest = submit(world).report
    closed = submit(world).report
    for days, report in ((5, replied.report), (4, very_late), (3, late), (1, newest), (0, closed)):
        _age(report, days)
    Report.objects.filter(pk=very_late.pk).update(lateness="very_late")
    Report.objects.filter(pk=late.pk).update(lateness="late")
    intake = world.viewer("intake")
    for status in ("in_triage", "resolved"):
        services.report_status_change(actor=intake, report_id=closed.pk, to_status=status)
    services.report_message_from_reporter(
        actor=reporter_of(replied), report=replied.report, body="Het is nog niet opgelost."
    )
    client = login(world.users["intake"])

    assert _ids(client.get(QUEUE)) == [replied.report.pk, very_late.pk, late.pk, newest.pk]
    assert _ids(client.get(QUEUE, {"scope": "all", "order": "newest"})) == [
        closed.pk,
        newest.pk,
        late.pk,
        very_late.pk,
        replied.report.pk,
    ]
    assert _ids(client.get(QUEUE, {"status": "resolved"})) == [closed.pk]
    assert _ids(client.get(QUEUE, {"late": "1"})) == [very_late.pk, late.pk]


def test_a_reply_marks_the_row_and_the_home_page_until_the_report_is_opened(world, login):
    result = submit(world)
    other = submit(world).report
    services.report_message_from_reporter(
        actor=reporter_of(result), report=result.report, body="Nog steeds."
    )
    client = login(world.users["intake"])
    body = client.get(QUEUE).content.decode()
    assert body.count("wr-queue-row--reply") == 1
    assert "reactie ontvangen" in body
    assert _ids(client.get(QUEUE, {"reply": "waiting"})) == [result.report.pk]
    home = client.get(reverse("core:home")).content.decode()
    assert "1 melder reageerde" in home

    client.get(reverse("reports:detail", args=[result.report.pk]))

    assert Report.objects.get(pk=result.report.pk).reply_waiting is False
    assert Report.objects.get(pk=other.pk).reply_waiting is False
    assert "wr-queue-row--reply" not in client.get(QUEUE).content.decode()
    assert _ids(client.get(QUEUE, {"reply": "waiting"})) == []
    assert "melder reageerde" not in client.get(reverse("core:home")).content.decode()


def test_another_organisation_opening_nothing_clears_the_reply(world, login):
    result = submit(world)
    services.report_message_from_reporter(
        actor=reporter_of(result), report=result.report, body="Nog steeds."
    )
    response = login(world.users["police_intake"]).get(
        reverse("reports:detail", args=[result.report.pk])
    )
    assert response.status_code == 404
    assert Report.objects.get(pk=result.report.pk).reply_waiting is True


# --- Search ------------------------------------------------------------------------------


def test_an_exact_tracking_code_opens_the_report_in_one_step(world, login):
    result = submit(world)
    submit(world)
    client = login(world.users["intake"])
    code = result.tracking_code
    spoken = f"{code[:3].lower()}-{code[3:6]} {code[6:]}"
    for typed in (code, spoken):
        response = client.get(QUEUE, {"q": typed})
        assert response.status_code == 302
        assert response["Location"] == reverse("reports:detail", args=[result.report.pk])
    detail = client.get(reverse("reports:detail", args=[result.report.pk])).content.decode()
    assert code in detail
    assert code in client.get(QUEUE).content.decode()


def test_a_tracking_code_of_another_organisation_finds_nothing(world, login):
    result = submit(world)
    response = login(world.users["other_intake"]).get(QUEUE, {"q": result.tracking_code})
    assert _ids(response) == []
    assert "Geen meldingen gevonden." in response.content.decode()


def test_search_by_text_house_number_and_address(world, login):
    at_home = submit(
        world,
        description="Harde muziek tot diep in de nacht.",
        location_kind=LocationKind.OTHER_UNIT,
        unit=world.unit,
        common_area=None,
    ).report
    neighbour = UnitFactory(building=world.building, floor=3, entrance="A", house_number=14)
    next_door = submit(
        world,
        description="Een kapotte lamp in het portiek.",
        location_kind=LocationKind.OTHER_UNIT,
        unit=neighbour,
        common_area=None,
    ).report
    lift = submit(world, description="De lift staat stil.").report
    client = login(world.users["intake"])
    street = world.building.street

    assert _ids(client.get(QUEUE, {"q": "muziek"})) == [at_home.pk]
    assert _ids(client.get(QUEUE, {"q": "KAPOTTE lamp"})) == [next_door.pk]
    assert _ids(client.get(QUEUE, {"q": "12"})) == [at_home.pk]
    assert _ids(client.get(QUEUE, {"q": "14"})) == [next_door.pk]
    assert _ids(client.get(QUEUE, {"q": f"{street} 14"})) == [next_door.pk]
    assert _ids(client.get(QUEUE, {"q": f"{world.building.postcode} 12"})) == [at_home.pk]
    assert _ids(client.get(QUEUE, {"q": "lift staat"})) == [lift.pk]
    assert _ids(client.get(QUEUE, {"q": "99"})) == []


def test_the_building_search_without_javascript_filters_by_name_or_street(world, login):
    mine = submit(world).report
    elsewhere = BuildingFactory(name="Het Anker", owner=world.owner, street="Kadeweg")
    there = submit(world, building=elsewhere, common_area=None, location_kind="outside").report
    client = login(world.users["intake"])
    assert _ids(client.get(QUEUE, {"building_q": "toren"})) == [mine.pk]
    assert _ids(client.get(QUEUE, {"building_q": "kadeweg"})) == [there.pk]
    # A chosen building (the combobox's hidden id) wins over the text.
    assert _ids(client.get(QUEUE, {"building_q": "toren", "building": elsewhere.pk})) == [there.pk]


def test_building_suggestions_are_at_most_ten_of_the_buildings_the_viewer_sees(world, login):
    for n in range(12):
        BuildingFactory(name=f"Torenflat {n:02}", owner=world.owner)
    BuildingFactory(name="Toren van een ander", owner=world.other)
    names = [b.name for b in building_suggestions(viewer=world.viewer("intake"), q="toren")]
    assert names == ["De Toren"] + [f"Torenflat {n:02}" for n in range(9)]
    assert building_suggestions(viewer=world.viewer("intake"), q="t") == []
    other = [b.name for b in building_suggestions(viewer=world.viewer("other_intake"), q="toren")]
    assert other == ["Toren van een ander"]

    response = login(world.users["intake"]).get(
        reverse("reports:building_suggest"), {"building_q": "toren van"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('role="option"') == 1
    assert "Geen gebouw gevonden" in body


def test_building_suggestions_need_intake(world, login):
    response = login(world.users["staff"]).get(
        reverse("reports:building_suggest"), {"building_q": "toren"}
    )
    assert response.status_code == 403


# --- Assignment --------------------------------------------------------------------------


def test_assigning_shows_the_assignee_audits_and_enters_the_timeline(world, login):
    report = submit(world).report
    other = submit(world).report
    triage = _membership(world.users["triage"])
    services.report_assign(
        actor=world.viewer("intake"), report_id=report.pk, membership_id=triage.pk
    )
    report.refresh_from_db()
    assert report.assigned_to_id == triage.pk
    event = ReportEvent.objects.get(report=report, type="assigned")
    assert event.parameters == {"membership_id": triage.pk, "assignee": "triage"}
    entry = AuditEntry.objects.get(action="update", object_type="reports.report")
    assert (entry.object_ids, entry.fields) == ([str(report.pk)], ["assigned_to"])

    client = login(world.users["triage"])
    assert _ids(client.get(QUEUE, {"assigned": "me"})) == [report.pk]
    assert _ids(client.get(QUEUE, {"assigned": "none"})) == [other.pk]
    body = client.get(QUEUE).content.decode()
    row = body[body.index(f'href="/reports/{report.pk}/"') :]
    assert "triage</td>" in row[: row.index("</tr>")]
    timeline = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Toegewezen" in timeline


def test_assignee_must_be_intake_of_the_receiving_organisation(world):
    report = submit(world).report
    intake = world.viewer("intake")
    for user in ("police_intake", "staff"):
        with pytest.raises(ValidationError) as caught:
            services.report_assign(
                actor=intake,
                report_id=report.pk,
                membership_id=_membership(world.users[user]).pk,
            )
        assert caught.value.message_dict == {
            "assignee": ["Kies een persoon van de organisatie die de melding ontvangt."]
        }
    with pytest.raises(NotFound):
        services.report_assign(
            actor=world.viewer("police_intake"),
            report_id=report.pk,
            membership_id=_membership(world.users["intake"]).pk,
        )
    assert Report.objects.get(pk=report.pk).assigned_to_id is None


def test_the_assign_form_offers_only_the_organisations_intake(world, login):
    report = submit(world).report
    client = login(world.users["intake"])
    body = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    form = body[body.index(f'action="/reports/{report.pk}/assign/"') :]
    form = form[: form.index("</form>")]
    options = re.findall(r'<option value="(\d*)"', form)
    assert options == [
        "",
        str(_membership(world.users["intake"]).pk),
        str(_membership(world.users["triage"]).pk),
    ]
    response = client.post(
        reverse("reports:assign", args=[report.pk]),
        {"assignee": _membership(world.users["police_intake"]).pk},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("reports:assign", args=[report.pk]),
        {"assignee": _membership(world.users["triage"]).pk},
    )
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).assigned_to_id == _membership(world.users["triage"]).pk


def test_forwarding_clears_the_assignment(world):
    report = submit(world).report
    intake = world.viewer("intake")
    services.report_assign(
        actor=intake, report_id=report.pk, membership_id=_membership(world.users["triage"]).pk
    )
    services.report_status_change(actor=intake, report_id=report.pk, to_status="in_triage")
    services.report_forward(actor=intake, report_id=report.pk, to_organisation_id=world.police.pk)
    assert Report.objects.get(pk=report.pk).assigned_to_id is None


# --- Saved views -------------------------------------------------------------------------


def test_saved_views_are_per_person_links_above_the_queue(world, login):
    late = submit(world).report
    submit(world)
    Report.objects.filter(pk=late.pk).update(lateness="late")
    client = login(world.users["intake"])
    response = client.post(
        reverse("reports:filter_save"),
        {"name": "Achterstand", "query": "late=1&page=4&bogus=x&q="},
    )
    assert response.status_code == 302
    saved = SavedQueueFilter.objects.get()
    assert (saved.name, saved.query) == ("Achterstand", "late=1")
    assert response["Location"] == f"{QUEUE}?late=1"
    body = client.get(QUEUE).content.decode()
    assert f'<a class="utrecht-link" href="{QUEUE}?late=1">Achterstand</a>' in body
    assert _ids(client.get(QUEUE, {"late": "1"})) == [late.pk]

    other = login(world.users["triage"])
    assert "Achterstand" not in other.get(QUEUE).content.decode()
    assert other.post(reverse("reports:filter_delete", args=[saved.pk])).status_code == 404
    client = login(world.users["intake"])
    assert client.post(reverse("reports:filter_delete", args=[saved.pk])).status_code == 302
    assert not SavedQueueFilter.objects.exists()


def test_saving_a_view_without_a_name_says_so(world, login):
    client = login(world.users["intake"])
    response = client.post(
        reverse("reports:filter_save"), {"name": "", "query": "late=1"}, follow=True
    )
    assert "Geef de weergave een naam van hoogstens 80 tekens." in response.content.decode()
    assert not SavedQueueFilter.objects.exists()


# --- Home --------------------------------------------------------------------------------


def test_home_counts_link_to_the_filtered_queue(world, login):
    new = [submit(world).report for _ in range(3)]
    intake = world.viewer("intake")
    services.report_status_change(actor=intake, report_id=new[0].pk, to_status="in_triage")
    Report.objects.filter(pk__in=[new[0].pk, new[1].pk]).update(lateness="very_late")
    replied = submit(world)
    services.report_message_from_reporter(
        actor=reporter_of(replied), report=replied.report, body="Nog steeds."
    )
    services.report_assign(
        actor=intake, report_id=new[2].pk, membership_id=_membership(world.users["intake"]).pk
    )
    submit(world, building=BuildingFactory(owner=world.other), common_area=None)

    counts = selectors.report_queue_counts(viewer=intake)
    assert counts == selectors.QueueCounts(new=3, replies=1, late=2, mine=1)
    body = login(world.users["intake"]).get(reverse("core:home")).content.decode()
    for number, query in (
        (3, "status=received"),
        (1, "reply=waiting"),
        (2, "late=1"),
        (1, "assigned=me"),
    ):
        assert (
            f'<a class="utrecht-link" href="{QUEUE}?{query}">'
            f'<span class="wr-home-counts__number">{number}</span>' in body
        )


def test_home_shows_no_report_counts_without_intake(world, login):
    body = login(world.users["staff"]).get(reverse("core:home")).content.decode()
    assert "wr-home-counts" not in body


# --- Duplicates --------------------------------------------------------------------------


def test_a_duplicate_follows_the_parents_status_and_both_pages_show_it(world, login):
    parent = submit(world)
    child = submit(world)
    intake = world.viewer("intake")
    services.report_mark_duplicate(
        actor=intake, report_id=child.report.pk, duplicate_of_id=parent.report.pk
    )
    services.report_status_change(actor=intake, report_id=parent.report.pk, to_status="in_triage")
    services.report_status_change(
        actor=intake,
        report_id=parent.report.pk,
        to_status="resolved",
        resident_text="De lift is gemaakt.",
    )
    child_report = Report.objects.get(pk=child.report.pk)
    assert child_report.status == "resolved"
    texts = list(
        ReportStatusChange.objects.filter(report=child_report).values_list(
            "to_status", "resident_text_is_default", "resident_text"
        )
    )
    assert [t[:2] for t in texts] == [("received", True), ("in_triage", True), ("resolved", False)]
    assert texts[-1][2] == "De lift is gemaakt."
    public = selectors.report_public_view(report=child_report, language="nl")
    assert public.history[-1].text == "De lift is gemaakt."
    # Each reporter keeps their own report and code.
    assert child_report.tracking_code != parent.report.tracking_code

    client = login(world.users["intake"])
    parent_page = client.get(reverse("reports:detail", args=[parent.report.pk])).content.decode()
    child_page = client.get(reverse("reports:detail", args=[child.report.pk])).content.decode()
    assert f'href="/reports/{child.report.pk}/">#{child.report.pk}' in parent_page
    assert f'href="/reports/{parent.report.pk}/">#{parent.report.pk}' in child_page
    queue = client.get(QUEUE, {"scope": "all"}).content.decode()
    assert f"duplicaat van #{parent.report.pk}" in queue


def test_marking_a_duplicate_by_tracking_code_on_the_page(world, login):
    parent = submit(world)
    child = submit(world).report
    client = login(world.users["intake"])
    response = client.post(
        reverse("reports:duplicate", args=[child.pk]),
        {"duplicate_of": parent.tracking_code.lower()},
    )
    assert response.status_code == 302
    assert Report.objects.get(pk=child.pk).duplicate_of_id == parent.report.pk
    assert list(
        ReportEvent.objects.filter(report=parent.report).values_list("type", flat=True)
    ) == ["duplicate_added"]
    response = client.post(reverse("reports:duplicate_remove", args=[child.pk]))
    assert response.status_code == 302
    assert Report.objects.get(pk=child.pk).duplicate_of_id is None


def test_duplicates_stay_within_what_the_organisation_receives(world, login):
    ours = submit(world).report
    theirs = submit(world, building=BuildingFactory(owner=world.other), common_area=None).report
    with pytest.raises(ValidationError) as caught:
        services.report_mark_duplicate(
            actor=world.viewer("intake"), report_id=ours.pk, duplicate_of_id=theirs.pk
        )
    assert caught.value.message_dict == {
        "duplicate_of": ["Geen melding van uw organisatie heeft deze code of dit nummer."]
    }
    response = login(world.users["intake"]).post(
        reverse("reports:duplicate", args=[ours.pk]), {"duplicate_of": theirs.tracking_code}
    )
    assert response.status_code == 400
    assert (
        "Geen melding van uw organisatie heeft deze code of dit nummer."
        in response.content.decode()
    )
    with pytest.raises(ValidationError):
        services.report_mark_duplicate(
            actor=world.viewer("intake"), report_id=ours.pk, duplicate_of_id=ours.pk
        )
    assert Report.objects.get(pk=ours.pk).duplicate_of_id is None


def test_a_duplicate_of_a_duplicate_joins_the_original(world):
    a, b, c = (submit(world).report for _ in range(3))
    intake = world.viewer("intake")
    services.report_mark_duplicate(actor=intake, report_id=b.pk, duplicate_of_id=a.pk)
    services.report_mark_duplicate(actor=intake, report_id=c.pk, duplicate_of_id=b.pk)
    assert Report.objects.get(pk=c.pk).duplicate_of_id == a.pk
    with pytest.raises(Exception) as caught:
        services.report_mark_duplicate(actor=intake, report_id=a.pk, duplicate_of_id=c.pk)
    assert "duplicaat" in str(caught.value)


# --- Cost ---------------------------------------------------------------------------------


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(QUEUE, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(world, n):
    intake = world.viewer("intake")
    triage = _membership(world.users["triage"])
    first = None
    for _ in range(n):
        building = BuildingFactory(owner=world.owner)
        unit = UnitFactory(building=building, floor=1, house_number=100 + Report.objects.count())
        report = submit(
            world,
            building=building,
            unit=unit,
            common_area=None,
            location_kind=LocationKind.OTHER_UNIT,
        )
        services.report_assign(actor=intake, report_id=report.report.pk, membership_id=triage.pk)
        services.report_message_from_reporter(
            actor=reporter_of(report), report=report.report, body="Nog iets."
        )
        if first is None:
            first = report.report
        else:
            services.report_mark_duplicate(
                actor=intake, report_id=report.report.pk, duplicate_of_id=first.pk
            )
        BuildingContactFactory(
            building=building,
            membership=world.users["police_intake"].memberships.get(),
        )


@pytest.mark.parametrize(
    "params",
    [{}, {"page_size": 100}, {"q": "afval"}, {"building_q": "a"}, {"assigned": "me"}],
)
def test_the_queue_query_count_does_not_grow_with_reports_or_buildings(world, login, params):
    _grow(world, 2)
    client = login(world.users["intake"])
    _queries(client, params)  # the viewer's grants and the reference data kept from now on
    small = _queries(client, params)
    _grow(world, 18)
    assert Report.objects.count() == 20
    assert _queries(client, params) == small


def test_a_person_keeps_at_most_twenty_views_and_the_same_name_replaces(world):
    intake = world.viewer("intake")
    for n in range(20):
        services.saved_queue_filter_save(actor=intake, name=f"Weergave {n}", query="late=1")
    services.saved_queue_filter_save(actor=intake, name="Weergave 3", query="reply=waiting")
    assert SavedQueueFilter.objects.get(name="Weergave 3").query == "reply=waiting"
    with pytest.raises(ValidationError) as caught:
        services.saved_queue_filter_save(actor=intake, name="Nog een", query="late=1")
    assert caught.value.message_dict == {
        "name": ["U kunt hoogstens 20 weergaven bewaren. Verwijder er eerst een."]
    }
    with pytest.raises(NotFound):
        services.saved_queue_filter_save(actor=world.viewer("staff"), name="X", query="")
    assert SavedQueueFilter.objects.count() == 20


def test_search_results_page_without_a_count(world, login):
    reports = [submit(world, description=f"Kapotte lamp nummer {n}.").report for n in range(3)]
    client = login(world.users["intake"])
    first = client.get(QUEUE, {"q": "kapotte lamp", "page_size": 10})
    assert _ids(first) == [r.pk for r in reversed(reports)]
    body = first.content.decode()
    assert "3 meldingen gevonden op deze pagina" in body
    assert 'rel="next"' not in body
    page = selectors.report_queue(
        viewer=world.viewer("intake"), filters={"q": "kapotte lamp"}, page=1, page_size=2
    )
    assert (len(page.object_list), page.has_next, page.paginator.count) == (2, True, None)
    page = selectors.report_queue(
        viewer=world.viewer("intake"), filters={"q": "kapotte lamp"}, page=2, page_size=2
    )
    assert (len(page.object_list), page.has_next, page.has_previous()) == (1, False, True)
