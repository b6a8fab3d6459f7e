"""Escalation: a question from the table up to the tactical or strategic level of the
organisations at it, answered there and taken back down; bad input refused in words."""

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

import pytest

from wijkregie.cases import selectors, services
from wijkregie.cases.models import CaseEvent, Escalation
from wijkregie.core.exceptions import NotFound, PermissionDenied


@pytest.fixture
def table(world, make_professional):
    """The corporation opens a case (operational); the police and the municipality (its
    director holds a strategic mandate) sit at the table. The corporation's manager holds
    a tactical mandate and is not at the table."""
    world.users["manager"] = make_professional(
        "manager", organisation=world.owner, mandate="tactical"
    )
    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    world.add(case, "director", world.municipality, role="adviser")
    return case


def _raise(world, case, level="strategic", question="Wie betaalt de camera's?", actor="agent"):
    return services.escalation_raise(
        actor=world.viewer(actor), case_id=case.pk, level=level, question=question
    )


def _people(escalation):
    return sorted(escalation.addressees.values_list("user__username", flat=True))


def test_an_escalation_reaches_who_holds_the_mandate_and_comes_back_down(world, table):
    strategic = _raise(world, table)
    assert (strategic.status, strategic.asked_by_organisation, _people(strategic)) == (
        "open",
        world.police,
        ["director"],
    )
    tactical = _raise(world, table, level="tactical", question="Extra schoonmaak?")
    # A tactical question reaches the tactical mandate and the higher one.
    assert _people(tactical) == ["director", "manager"]

    waiting = selectors.escalations_waiting(viewer=world.viewer("manager"))
    assert ([e.pk for e in waiting.for_me], waiting.for_the_table) == ([tactical.pk], [])
    services.escalation_answer(
        actor=world.viewer("manager"), escalation_id=tactical.pk, answer="Ja, vanaf maandag."
    )
    tactical.refresh_from_db()
    assert (tactical.status, tactical.answer, tactical.answered_by_organisation) == (
        "answered",
        "Ja, vanaf maandag.",
        world.owner,
    )
    # Back down: the answer waits for the table (those whose role changes the case).
    for name, expected in (("coordinator", [tactical.pk]), ("agent", [tactical.pk])):
        assert [
            e.pk for e in selectors.escalations_waiting(viewer=world.viewer(name)).for_the_table
        ] == expected
    assert selectors.escalations_waiting(viewer=world.viewer("director")).for_the_table == []
    assert [
        e.pk for e in selectors.escalations_waiting(viewer=world.viewer("director")).for_me
    ] == [strategic.pk]
    services.escalation_close(
        actor=world.viewer("coordinator"), case_id=table.pk, escalation_id=tactical.pk
    )
    tactical.refresh_from_db()
    assert tactical.status == "closed"
    assert selectors.escalations_waiting(viewer=world.viewer("agent")).for_the_table == []
    events = list(
        CaseEvent.objects.filter(case=table, type__startswith="escalat").values_list(
            "type", flat=True
        )
    )
    assert events == ["escalated", "escalated", "escalation_answered", "escalation_closed"]
    timeline = [e for e in selectors.case_timeline(viewer=world.viewer("agent"), case_id=table.pk)]
    assert timeline[-4].text == "To the strategic level: director (Gemeente Test)"


def test_a_level_nobody_holds_is_refused_in_words(world, make_professional):
    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    with pytest.raises(ValidationError) as exc:
        _raise(world, case, level="tactical")
    assert exc.value.message_dict["level"] == [
        "Nobody at the organisations of this table holds a tactical mandate, so the question "
        "would reach no one. Ask the organisations to record who holds that mandate."
    ]
    assert Escalation.objects.count() == 0


def test_bad_escalations_are_refused_and_nothing_is_made(world, table):
    with pytest.raises(ValidationError) as exc:
        _raise(world, table, question="   ")
    assert exc.value.message_dict == {"question": ["This field is required."]}
    with pytest.raises(ValidationError) as exc:
        _raise(world, table, level="operational")
    assert exc.value.message_dict == {
        "level": [
            "This case is handled at operational level; an escalation goes to a higher level."
        ]
    }
    with pytest.raises(ValidationError):
        _raise(world, table, level="royal")
    with pytest.raises(PermissionDenied):  # an adviser's role does not change the case
        _raise(world, table, actor="director")
    with pytest.raises(NotFound):
        _raise(world, table, actor="outsider")
    assert Escalation.objects.count() == 0


def test_only_an_addressee_answers_and_only_once(world, table):
    escalation = _raise(world, table)
    with pytest.raises(PermissionDenied):  # at the table, not addressed
        services.escalation_answer(
            actor=world.viewer("agent"), escalation_id=escalation.pk, answer="x"
        )
    with pytest.raises(NotFound):
        services.escalation_answer(
            actor=world.viewer("outsider"), escalation_id=escalation.pk, answer="x"
        )
    with pytest.raises(ValidationError):
        services.escalation_answer(
            actor=world.viewer("director"), escalation_id=escalation.pk, answer=""
        )
    services.escalation_answer(
        actor=world.viewer("director"), escalation_id=escalation.pk, answer="De gemeente."
    )
    with pytest.raises(ValidationError) as exc:
        services.escalation_answer(
            actor=world.viewer("director"), escalation_id=escalation.pk, answer="Toch niet."
        )
    assert exc.value.message_dict == {
        "answer": ["This escalation has been answered already; see the answer."]
    }
    escalation.refresh_from_db()
    assert escalation.answer == "De gemeente."
    with pytest.raises(ValidationError):  # taken up twice
        services.escalation_close(
            actor=world.viewer("agent"), case_id=table.pk, escalation_id=escalation.pk
        )
        services.escalation_close(
            actor=world.viewer("agent"), case_id=table.pk, escalation_id=escalation.pk
        )


def test_the_next_agenda_carries_the_escalations(world, table):
    _raise(world, table, question="Wie betaalt de camera's?")
    meeting = services.meeting_schedule(
        actor=world.viewer("coordinator"),
        case_id=table.pk,
        title="Overleg",
        starts_at=timezone.now() + datetime.timedelta(days=3),
    )
    assert [i.title for i in meeting.agenda.filter(source="escalation")] == [
        "Escalation to the strategic level, waiting for an answer: Wie betaalt de camera's?"
    ]


def test_the_pages_each_side_sees(world, table, login):
    escalation = _raise(world, table)
    url = reverse("cases:escalation", args=[escalation.pk])
    # The manager is not addressed (strategic question) and not at the table.
    assert login(world.users["manager"]).get(url).status_code == 404
    assert login(world.users["outsider"]).get(url).status_code == 404
    client = login(world.users["agent"])
    body = client.get(reverse("cases:detail", args=[table.pk])).content.decode()
    assert "Wie betaalt de camera&#x27;s?" in body and "Naar strategisch niveau" in body
    assert "Beantwoord de vraag" not in client.get(url).content.decode()
    assert client.post(url, {"answer": "Ik"}).status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == "open"

    client = login(world.users["director"])
    work = client.get(reverse("cases:my_work")).content.decode()
    assert "Wie betaalt de camera&#x27;s?" in work and "Aanpak De Toren" in work
    response = client.post(url, {"answer": ""})
    assert response.status_code == 400
    assert "Dit veld is vereist." in response.content.decode()
    response = client.post(url, {"answer": "De gemeente betaalt."})
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert (escalation.status, escalation.answer) == ("answered", "De gemeente betaalt.")

    client = login(world.users["coordinator"])
    assert "Wie betaalt" in client.get(reverse("cases:my_work")).content.decode()
    response = client.post(reverse("cases:escalation_close", args=[table.pk, escalation.pk]))
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == "closed"


def test_raising_through_the_page_refuses_a_level_nobody_holds(world, login):
    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    client = login(world.users["coordinator"])
    response = client.post(
        reverse("cases:escalation_raise", args=[case.pk]),
        {"level": "strategic", "question": "Wie beslist?"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Niemand bij de organisaties aan deze tafel heeft een strategisch mandaat" in body
    assert "Wie beslist?" in body  # what was typed stays in the form
    assert Escalation.objects.count() == 0


def test_an_addressee_away_from_the_table_sees_the_question_not_the_case(
    world, make_professional, login
):
    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    services.case_participant_add(
        actor=world.viewer("coordinator"), case_id=case.pk, organisation_id=world.municipality.pk
    )
    escalation = _raise(world, case)
    assert _people(escalation) == ["director"]
    client = login(world.users["director"])
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    body = client.get(reverse("cases:escalation", args=[escalation.pk])).content.decode()
    assert "Aanpak De Toren" in body and "Terug naar mijn werk" in body
    assert reverse("cases:detail", args=[case.pk]) not in body


def test_the_escalations_api(world, table, login):
    client = login(world.users["agent"])
    url = reverse("cases_api:case_escalations", args=[table.pk])
    response = client.post(
        url, {"level": "strategic", "question": "Wie?"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["level"], [a["person"] for a in data["addressees"]]) == (
        "open",
        "strategic",
        ["director"],
    )
    response = client.post(
        url, {"level": "operational", "question": "Wie?"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["level"]
    assert [e["question"] for e in client.get(url).json()] == ["Wie?"]
    answer = reverse("cases_api:escalation_answer", args=[data["id"]])
    assert client.post(answer, {"answer": "Ik"}, content_type="application/json").status_code == 403
    client = login(world.users["director"])
    waiting = client.get(reverse("cases_api:escalations_waiting")).json()
    assert ([e["id"] for e in waiting["for_me"]], waiting["for_the_table"]) == ([data["id"]], [])
    response = client.post(answer, {"answer": "De gemeente."}, content_type="application/json")
    assert (response.status_code, response.json()["status"]) == (200, "answered")
    client = login(world.users["outsider"])
    assert client.get(reverse("cases_api:escalation_detail", args=[data["id"]])).status_code == 404
    assert client.get(url).status_code == 404
