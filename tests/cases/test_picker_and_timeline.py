"""The case page at national scale: the add-participant form's person search (no list of
every professional in the country) and the timeline a page at a time."""

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from wijkregie.cases import selectors
from wijkregie.cases.models import CaseEvent, CaseParticipant
from wijkregie.partners.models import Membership


def _named(make_professional, username, first, last, organisation):
    user = make_professional(username, organisation=organisation)
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _options(body):
    return re.findall(r'data-value="(\d+)" data-label="([^"]*)"', body)


def test_the_case_page_lists_no_people_and_the_search_suggests_those_of_the_organisation(
    world, login, make_professional
):
    case = world.open_case()
    ann = _named(make_professional, "ann", "Ann", "de Wit", world.police)
    anna = _named(make_professional, "anna", "Anna", "Zwart", world.municipality)
    client = login(world.users["coordinator"])
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    # No option per professional: only the organisations and the roles are choices.
    assert "ann@example.org" not in body and ">ann<" not in body
    assert f'hx-get="{reverse("cases:person_suggest", args=[case.pk])}"' in body
    assert 'role="combobox"' in body and 'aria-controls="person-listbox"' in body
    url = reverse("cases:person_suggest", args=[case.pk])
    found = client.get(url, {"organisation": world.police.pk, "person": "an"}).content.decode()
    assert _options(found) == [(str(ann.pk), "Ann de Wit")]
    # Words of the name in any order; the username and e-mail address match too.
    for q in ("wit ann", "ANN@EXAMPLE", "de wi"):
        found = client.get(url, {"organisation": world.police.pk, "person": q}).content.decode()
        assert _options(found) == [(str(ann.pk), "Ann de Wit")], q
    found = client.get(url, {"organisation": world.municipality.pk, "person": "an"})
    assert _options(found.content.decode()) == [(str(anna.pk), "Anna Zwart")]
    one_char = client.get(url, {"organisation": world.police.pk, "person": "a"}).content.decode()
    assert _options(one_char) == [] and 'aria-disabled="true"' in one_char
    no_org = client.get(url, {"person": "ann"}).content.decode()
    assert _options(no_org) == [] and "Kies eerst de organisatie" in no_org
    assert client.get(url, {"organisation": "x", "person": "ann"}).status_code == 200


def test_the_suggestions_are_at_most_ten_and_only_active_people(world, login, make_professional):
    case = world.open_case()
    for i in range(12):
        make_professional(f"agent{i:02d}", organisation=world.police)
    Membership.objects.filter(user__username="agent00").update(is_active=False)
    Membership.objects.filter(user__username="agent01").update(is_service_account=True)
    client = login(world.users["coordinator"])
    found = client.get(
        reverse("cases:person_suggest", args=[case.pk]),
        {"organisation": world.police.pk, "person": "agent"},
    ).content.decode()
    labels = [label for _pk, label in _options(found)]
    assert labels == ["agent"] + [f"agent{i:02d}" for i in range(2, 11)]


def test_the_search_follows_the_directory_and_the_case(world, login):
    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    url = reverse("cases:person_suggest", args=[case.pk])
    # A participant who may not add participants: 403; someone not on the case: 404.
    assert login(world.users["agent"]).get(url).status_code == 403
    assert login(world.users["outsider"]).get(url).status_code == 404
    # Without the partner directory only one's own colleagues are found.
    agent = world.viewer("agent")
    assert [
        m.user.username
        for m in selectors.case_person_suggestions(
            viewer=agent, organisation_id=world.municipality.pk, q="director"
        )
    ] == []
    assert [
        m.user.username
        for m in selectors.case_person_suggestions(
            viewer=agent, organisation_id=world.police.pk, q="agen"
        )
    ] == ["agent"]


def test_without_javascript_the_typed_username_names_the_person(world, login):
    case = world.open_case()
    client = login(world.users["coordinator"])
    response = client.post(
        reverse("cases:participant_add", args=[case.pk]),
        {"organisation": world.police.pk, "person": " Agent ", "user": "", "role": "handler"},
    )
    assert response.status_code == 302
    assert (
        CaseParticipant.objects.get(case=case, organisation=world.police).user
        == (world.users["agent"])
    )


def test_a_person_not_of_the_organisation_is_refused_and_the_form_comes_back_filled_in(
    world, login, make_professional
):
    case = world.open_case()
    _named(make_professional, "bob", "Bob", "Smit", world.police)
    _named(make_professional, "bobby", "Bobby", "Smit", world.police)
    client = login(world.users["coordinator"])
    add = reverse("cases:participant_add", args=[case.pk])
    response = client.post(
        add, {"organisation": world.municipality.pk, "person": "agent", "role": "adviser"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "“agent” is geen actief lid van Gemeente Test." in body
    assert 'name="person" value="agent"' in body
    assert f'<option value="{world.municipality.pk}" selected>' in body
    assert '<option value="adviser" selected>' in body
    # A chosen suggestion (the id) of another organisation: refused in the same words.
    response = client.post(
        add,
        {
            "organisation": world.municipality.pk,
            "person": "agent",
            "user": world.users["agent"].pk,
            "role": "adviser",
        },
    )
    assert response.status_code == 400
    assert "“agent” is geen actief lid van Gemeente Test." in response.content.decode()
    assert f'value="{world.users["agent"].pk}" data-wr-combobox-value' in response.content.decode()
    # Two people fit the name: say so, and name nobody.
    response = client.post(add, {"organisation": world.police.pk, "person": "smit"})
    assert response.status_code == 400
    assert "Meer dan één persoon van Politie Test past bij “smit”" in response.content.decode()
    assert not CaseParticipant.objects.filter(case=case, organisation=world.police).exists()
    # Empty: the organisation as such.
    response = client.post(add, {"organisation": world.police.pk, "person": "", "role": "involved"})
    assert response.status_code == 302
    assert CaseParticipant.objects.get(case=case, organisation=world.police).user is None


def test_the_timeline_shows_the_latest_events_and_older_ones_a_page_at_a_time(world, login):
    case = world.open_case()  # two events: opened, the coordinator added
    start = CaseEvent.objects.filter(case=case).latest("created_at").created_at
    start += datetime.timedelta(seconds=1)
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            type="phase_item_ticked",
            parameters={"item": "participants"},
            actor_label=f"Persoon {i}",
            created_at=start + datetime.timedelta(hours=i // 2),  # two at each moment
        )
        for i in range(59)
    )
    client = login(world.users["coordinator"])
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    timeline = body[body.index('id="timeline-heading"') :]
    assert re.findall(r"Persoon \d+", timeline) == [f"Persoon {i}" for i in range(34, 59)]
    assert "De laatste 25 gebeurtenissen." in timeline
    older = re.search(r'href="([^"]+\?before=(\d+))"', timeline)
    assert older and older.group(2) == str(CaseEvent.objects.get(actor_label="Persoon 34").pk)
    # htmx: the next page takes the link's place (its own link first, then the events).
    fragment = client.get(older.group(1), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert re.findall(r"Persoon \d+", fragment) == [f"Persoon {i}" for i in range(9, 34)]
    last = re.search(r'href="([^"]+\?before=(\d+))"', fragment)
    assert last.group(2) == str(CaseEvent.objects.get(actor_label="Persoon 9").pk)
    # Without htmx a page of its own; the last page has the opening and no further link.
    page = client.get(last.group(1)).content.decode()
    assert "<html" in page and reverse("cases:detail", args=[case.pk]) in page
    assert re.findall(r"Persoon \d+", page) == [f"Persoon {i}" for i in range(9)]
    assert "Casus geopend" in page and "Oudere gebeurtenissen tonen" not in page
    # A cursor that is no event of the case, or no number: 404; others' cases: 404.
    url = reverse("cases:timeline", args=[case.pk])
    assert client.get(url, {"before": "x"}).status_code == 404
    assert client.get(url, {"before": "999999"}).status_code == 404
    assert login(world.users["outsider"]).get(url).status_code == 404


def test_the_api_timeline_stays_whole(world, login):
    case = world.open_case()
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, type="phase_item_ticked", parameters={}, created_at=timezone.now())
        for _i in range(30)
    )
    client = login(world.users["coordinator"])
    entries = client.get(reverse("cases_api:case_timeline", args=[case.pk])).json()
    assert len(entries) == 32  # the opening's two events and the thirty
