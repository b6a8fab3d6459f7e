"""The case pages and the API: happy path, forbidden viewer, bad input."""

from django.urls import reverse
from django.utils import timezone

from tests.cases.test_services import _report
from wijkregie.cases.models import Case, CaseParticipant


def test_the_list_shows_only_ones_own_cases(world, login):
    world.open_case()
    body = login(world.users["coordinator"]).get(reverse("cases:list")).content.decode()
    assert "Aanpak De Toren" in body
    assert "Een casus openen" in body


def test_others_get_an_empty_list_and_a_404(world, client, login):
    case = world.open_case()
    login(world.users["agent"])
    assert "Aanpak De Toren" not in client.get(reverse("cases:list")).content.decode()
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("cases_api:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("cases:detail", args=[99999999999999999999])).status_code == 404


def test_opening_a_case_through_the_page(world, login):
    client = login(world.users["coordinator"])
    assert client.get(reverse("cases:open")).status_code == 200
    assert client.get(reverse("cases:open"), {"building": world.building.pk}).status_code == 200
    response = client.post(
        reverse("cases:open"),
        {
            "building": world.building.pk,
            "title": "",
            "goal": "x",
            "kind": "nuisance",
            "level": "operational",
            "confidentiality": "normal",
        },
    )
    assert response.status_code == 400
    assert Case.objects.count() == 0
    response = client.post(
        reverse("cases:open"),
        {
            "building": world.building.pk,
            "title": "Overlast portiek A",
            "goal": "Rust.",
            "kind": "nuisance",
            "level": "operational",
            "confidentiality": "normal",
            "unit": world.unit.pk,
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.unit == world.unit
    body = client.get(response["Location"]).content.decode()
    assert "Overlast portiek A" in body and "Woonstichting Test" in body


def test_who_may_not_open_cases_gets_a_403(world, login):
    assert login(world.users["agent"]).get(reverse("cases:open")).status_code == 403


def test_participants_and_regie_through_the_page(world, login):
    case = world.open_case()
    client = login(world.users["coordinator"])
    response = client.post(
        reverse("cases:participant_add", args=[case.pk]),
        {
            "organisation": world.municipality.pk,
            "user": world.users["director"].pk,
            "role": "involved",
        },
    )
    assert response.status_code == 302
    director = CaseParticipant.objects.get(case=case, user=world.users["director"])
    response = client.post(
        reverse("cases:regie", args=[case.pk]), {"to_participant": director.pk, "reason": ""}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("cases:regie", args=[case.pk]),
        {"to_participant": director.pk, "reason": "De gemeente neemt het over."},
    )
    assert response.status_code == 302
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "De gemeente neemt het over." in body
    # The old coordinator no longer may add participants: the page answers 403.
    response = client.post(
        reverse("cases:participant_add", args=[case.pk]),
        {"organisation": world.police.pk, "user": world.users["agent"].pk, "role": "handler"},
    )
    assert response.status_code == 403


def test_linking_a_report_from_its_page(world, login):
    case = world.open_case()
    report = _report(world)
    client = login(world.users["coordinator"])
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert reverse("cases:report_link", args=[report.pk]) in page
    form = client.get(reverse("cases:report_link", args=[report.pk])).content.decode()
    assert "Aanpak De Toren" in form
    assert (
        client.post(reverse("cases:report_link", args=[report.pk]), {"case": "x"}).status_code
        == 400
    )
    response = client.post(reverse("cases:report_link", args=[report.pk]), {"case": case.pk})
    assert response.status_code == 302
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f"#{report.pk}" in body and "Ann Melder" not in body
    # Someone who is not intake of the report never reaches the form.
    assert (
        login(world.users["agent"]).get(reverse("cases:report_link", args=[report.pk])).status_code
        == 404
    )


def test_the_building_page_fragment_shows_visible_cases_only(world, login):
    world.open_case()
    url = reverse("cases:building_cases", args=[world.building.pk])
    body = login(world.users["coordinator"]).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Aanpak De Toren" in body and "<html" not in body
    body = login(world.users["agent"]).get(url).content.decode()
    assert "Aanpak De Toren" not in body and "<html" in body
    assert login(world.users["outsider"]).get(url).status_code == 404


def test_the_api_opens_lists_and_refuses_bad_input(world, login):
    client = login(world.users["coordinator"])
    url = reverse("cases_api:case_list")
    response = client.post(
        url,
        {"building": world.building.pk, "title": "API", "goal": "Doel.", "kind": "care"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["title"], data["regie_organisation"]["name"], data["participants"][0]["role"]) == (
        "API",
        "Woonstichting Test",
        "coordinator",
    )
    assert "cases.move_regie" in data["permissions"]
    response = client.post(
        url, {"building": 0, "title": "", "kind": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"building", "title", "goal", "kind"}
    response = client.post(
        url,
        {"building": 987654, "title": "t", "goal": "g", "kind": "care"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"building": ["Kies een gebouw waar u aan werkt."]} or list(
        response.json()["errors"]
    ) == ["building"]
    assert [c["title"] for c in client.get(url).json()["results"]] == ["API"]
    assert login(world.users["agent"]).get(url).json()["results"] == []
    client = login(world.users["coordinator"])
    case_id = data["id"]
    timeline = client.get(reverse("cases_api:case_timeline", args=[case_id])).json()
    assert [e["kind"] for e in timeline] == ["opened", "participant_added"]
    report = _report(world)
    response = client.post(
        reverse("cases_api:case_reports", args=[case_id]),
        {"report": report.pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert [r["id"] for r in response.json()] == [report.pk]


def test_agreements_on_the_page_and_the_answer_of_the_police(world, login):
    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    client = login(world.users["coordinator"])
    response = client.post(
        reverse("cases:agreement_record", args=[case.pk]),
        {"organisation": world.police.pk, "topic": "Surveillance", "description": "wekelijks"},
    )
    assert response.status_code == 302
    assert (
        client.post(reverse("cases:agreement_record", args=[case.pk]), {"topic": ""}).status_code
        == 400
    )
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert (
        "Van Politie Test wordt verwacht: wekelijks. Politie Test heeft dit niet aanvaard." in body
    )
    agreement = case.agreements.get()
    client = login(world.users["agent"])
    url = reverse("cases:agreement_answer", args=[case.pk, agreement.pk])
    response = client.post(url, {f"a{agreement.pk}-accept": "no", f"a{agreement.pk}-note": ""})
    assert response.status_code == 400
    assert "Zeg waarom uw organisatie dit niet oppakt." in response.content.decode()
    response = client.post(url, {f"a{agreement.pk}-accept": "yes"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "accepted"
    api = client.get(reverse("cases_api:case_agreements", args=[case.pk])).json()
    assert [(a["topic"], a["status"], a["organisation"]["name"]) for a in api] == [
        ("Surveillance", "accepted", "Politie Test")
    ]
    assert client.get(reverse("cases_api:case_mismatches", args=[case.pk])).json() == []
    response = client.post(
        reverse("cases_api:case_agreement_answer", args=[case.pk, agreement.pk]),
        {"accept": "maybe"},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_actions_on_the_page_with_a_conflict_for_the_second_editor(world, login):
    import datetime

    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    client = login(world.users["coordinator"])
    past = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    response = client.post(
        reverse("cases:action_create", args=[case.pk]),
        {
            "description": "Sloten vervangen",
            "owner_organisation": world.police.pk,
            "owner": world.users["agent"].pk,
            "due_date": past,
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Let op: de deadline ligt in het verleden, dus de actie is over tijd." in body
    assert "1 actie is over tijd" in body
    action = case.actions.get()
    url = reverse("cases:action_edit", args=[case.pk, action.pk])
    assert client.get(url).status_code == 200
    stale = {
        "description": "Mijn versie",
        "owner_organisation": world.police.pk,
        "owner": world.users["agent"].pk,
        "due_date": past,
        "status": "open",
        "outcome": "",
        "version": 1,
    }
    # The police change it first.
    response = login(world.users["agent"]).post(
        url, {**stale, "description": "Politie", "status": "in_progress"}
    )
    assert response.status_code == 302
    response = login(world.users["coordinator"]).post(url, stale)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Iemand anders heeft deze actie gewijzigd terwijl u eraan werkte." in body
    assert "Mijn versie" in body and "Politie" in body
    action.refresh_from_db()
    assert (action.description, action.version) == ("Politie", 2)
    assert login(world.users["outsider"]).get(url).status_code == 404


def test_the_actions_api_with_versions(world, login):
    import datetime

    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    client = login(world.users["coordinator"])
    url = reverse("cases_api:case_actions", args=[case.pk])
    due = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        url,
        {"description": "Opruimen", "owner_organisation": world.police.pk, "due_date": due},
        content_type="application/json",
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["overdue"], data["version"], data["status"]) == (True, 1, "open")
    detail = reverse("cases_api:case_action_detail", args=[case.pk, data["id"]])
    response = client.patch(
        detail,
        {"version": 1, "status": "done", "outcome": "Klaar."},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["version"], response.json()["overdue"]) == (
        200,
        2,
        False,
    )
    response = client.patch(
        detail, {"version": 1, "status": "open"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Iemand anders heeft deze actie gewijzigd")
    assert (
        client.post(
            url,
            {"description": "", "owner_organisation": 0, "due_date": "gisteren"},
            content_type="application/json",
        ).status_code
        == 400
    )


def test_a_meeting_from_scheduling_to_minutes_as_a_pdf(world, login):
    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    client = login(world.users["coordinator"])
    past = (timezone.localtime() - timezone.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("cases:meeting_create", args=[case.pk]), {"title": "Overleg", "starts_at": past}
    )
    assert response.status_code == 400
    assert "Dit moment is voorbij." in response.content.decode()
    response = client.post(
        reverse("cases:meeting_create", args=[case.pk]),
        {"title": "Overleg", "starts_at": past, "held": "on", "location": "Buurthuis"},
    )
    meeting = case.meetings.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/cases/{case.pk}/meetings/{meeting.pk}/"
    )
    base = [case.pk, meeting.pk]
    response = client.post(
        reverse("cases:decision_create", args=base),
        {"text": "Camera's", "decided_by": world.users["agent"].pk, "level": "tactical"},
    )
    assert response.status_code == 400
    assert (
        client.post(
            reverse("cases:meeting_attendance", args=base), {"attendees": [world.users["agent"].pk]}
        ).status_code
        == 302
    )
    response = client.post(
        reverse("cases:decision_create", args=base),
        {
            "text": "Camera's plaatsen",
            "decided_by": world.users["agent"].pk,
            "level": "tactical",
            "within_may_decide_on": "on",
        },
    )
    assert response.status_code == 302
    assert (
        client.post(
            reverse("cases:meeting_minutes", args=base), {"minutes": "Goed overleg."}
        ).status_code
        == 302
    )
    body = client.get(reverse("cases:meeting", args=base)).content.decode()
    assert (
        "Camera&#x27;s plaatsen" in body
        and "buiten het mandaat" in body
        and "Goed overleg." in body
    )
    pdf = client.get(reverse("cases:meeting_pdf", args=base))
    assert (pdf.status_code, pdf["Content-Type"], pdf.content[:5]) == (
        200,
        "application/pdf",
        b"%PDF-",
    )
    api = client.get(reverse("cases_api:case_meeting_detail", args=base)).json()
    assert [(d["text"], d["outside_mandate"]) for d in api["decisions"]] == [
        ("Camera's plaatsen", True)
    ]
    assert [a["mandate_level"] for a in api["attendance"]] == ["operational"]
    # Not on the case: nothing of the meeting.
    outsider = login(world.users["outsider"])
    for url in (
        reverse("cases:meeting", args=base),
        reverse("cases:meeting_pdf", args=base),
        reverse("cases_api:case_meeting_detail", args=base),
    ):
        assert outsider.get(url).status_code == 404


def test_my_work_lists_ones_actions_meetings_and_cases_by_health(world, login):
    case = world.open_case()
    body = login(world.users["coordinator"]).get(reverse("cases:my_work")).content.decode()
    assert "Mijn werk" in body and "Aanpak De Toren" in body
    assert "De partners zijn nog niet bij elkaar geweest en er is geen overleg gepland." in body
    body = login(world.users["agent"]).get(reverse("cases:my_work")).content.decode()
    assert "Aanpak De Toren" not in body and "U neemt aan geen open casus deel." in body
    assert case.pk


def test_the_phase_on_the_page_and_in_the_api(world, login):
    case = world.open_case()
    client = login(world.users["coordinator"])
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Fase 1. Samenwerking op gang brengen" in body
    response = client.post(
        reverse("cases:phase_move", args=[case.pk]), {"to_phase": 2, "note": "Door."}
    )
    assert response.status_code == 400
    assert (
        "Nog niet gedaan in deze fase: Gedeelde analyse van het probleem"
        in response.content.decode()
    )
    response = client.post(
        reverse("cases:phase_item_tick", args=[case.pk, "shared_analysis"]),
        {"p-shared_analysis-item": "shared_analysis", "p-shared_analysis-note": "Besproken."},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("cases:phase_move", args=[case.pk]),
        {"to_phase": 2, "note": "Door.", "skip_reason": "Commitment volgt."},
    )
    assert response.status_code == 302
    data = client.get(reverse("cases_api:case_phase", args=[case.pk])).json()
    assert (data["phase"], [i["item"] for i in data["checklist"]]) == (
        2,
        ["roles_and_agreements", "data_sharing", "meeting_rhythm", "measurable_goals"],
    )
    response = client.post(
        reverse("cases_api:case_phase_items", args=[case.pk]),
        {"item": "nonsense", "note": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_the_partner_directory_shows_the_cases_with_each_organisation(world, login):
    case = world.open_case()
    world.add(case, "agent", world.police)
    url = reverse("cases:organisation_cases", args=[world.police.pk])
    body = login(world.users["coordinator"]).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Aanpak De Toren" in body and "<html" not in body
    body = login(world.users["agent"]).get(url).content.decode()
    assert "Aanpak De Toren" in body and "<html" in body
    # Someone at no table with the police sees no case, not even that there is one.
    body = login(world.users["outsider"]).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Aanpak De Toren" not in body
    assert "U neemt deel aan geen open casus met deze organisatie." in body
    assert (
        login(world.users["outsider"])
        .get(reverse("cases:organisation_cases", args=[987654]))
        .status_code
        == 404
    )
