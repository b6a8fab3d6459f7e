"""Every case page, fragment and API endpoint, walked as every demo persona: each sees
exactly the cases they take part in, and the restricted housing-fraud sub-case only the
corporation's investigator."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation

import pytest

from wijkregie.cases import selectors
from wijkregie.cases.models import Case, CaseAction, CaseReport
from wijkregie.core.access import system_viewer
from wijkregie.demo.cases import CASE_TITLE, SUBCASE_TITLE, build_cases
from wijkregie.demo.partners import PERSONAS, build_partners
from wijkregie.demo.places import build_places
from wijkregie.demo.reports import build_reports
from wijkregie.demo.residents import build_residents
from wijkregie.places.models import Building
from wijkregie.reports.models import ReporterIdentity

AT_THE_TABLE = {
    "wijkbeheerder",
    "leefbaarheid",
    "gebiedsregisseur",
    "wijkagent",
    "boa",
    "opbouwwerker",
    "wijkteam",
}
# The demo's open escalation to the strategic level reaches the people with a strategic
# mandate at the table's organisations (not the one who asked): the area director, and the
# corporation's functional administrator, who is not at the table.
ESCALATION_ADDRESSEES = {"gebiedsregisseur", "beheerder"}
# The demo's notes and visit report, and who at the table sees each: its audience and
# its author's organisation, and only under an agreement covering its personal data. The
# visit report (care signals) is for the social team and the municipality, but no
# agreement between them covers care signals; the police note (police information) is
# for the coordinator, but the municipality has no agreement with the police covering it.
FRAGMENTS = {
    "Bewonersavond in buurthuis De Steiger": AT_THE_TABLE,
    "Huisbezoeken portiek B": {"wijkteam"},
    "Signalen drugshandel bergingen": {"wijkagent"},
}
EXPECTED = {
    username: ({CASE_TITLE} if username in AT_THE_TABLE else set())
    | ({SUBCASE_TITLE} if username == "woonfraude" else set())
    for username in PERSONAS
}


@pytest.fixture
def demo(db):
    build_partners()
    build_places()
    build_residents()
    build_reports()
    return build_cases()


def _pages(case):
    meetings = [
        url
        for m in case.meetings.all()
        for url in (
            reverse("cases:meeting", args=[case.pk, m.pk]),
            reverse("cases_api:case_meeting_detail", args=[case.pk, m.pk]),
        )
    ]
    return meetings + [
        reverse("cases:detail", args=[case.pk]),
        reverse("cases_api:case_detail", args=[case.pk]),
        reverse("cases_api:case_participants", args=[case.pk]),
        reverse("cases_api:case_reports", args=[case.pk]),
        reverse("cases_api:case_timeline", args=[case.pk]),
        reverse("cases_api:case_agreements", args=[case.pk]),
        reverse("cases_api:case_mismatches", args=[case.pk]),
        reverse("cases_api:case_actions", args=[case.pk]),
        reverse("cases_api:case_meetings", args=[case.pk]),
        reverse("cases_api:case_phase", args=[case.pk]),
        reverse("cases_api:case_escalations", args=[case.pk]),
        reverse("cases_api:case_fragments", args=[case.pk]),
    ]


def test_the_demo_story_case(demo):
    case, sub = demo["case"], demo["subcase"]
    assert case.regie_organisation.slug == "gemeente-rivierstad"
    assert "gemeente de regie" in case.regie_reason
    assert CaseReport.objects.filter(case=case).count() == 3
    assert (sub.parent, sub.confidentiality, sub.kind) == (case, "restricted", "housing_fraud")
    with translation.override("nl"):
        texts = [m.text for m in selectors.agreement_mismatches(selectors._agreements(case))]
    assert texts == [
        "Van Politie Rivierstad wordt verwacht: wekelijks in het trappenhuis surveilleren. "
        "Politie Rivierstad heeft dit niet aanvaard.",
        "Niemand heeft opgepakt: Jongerenwerk in de avond.",
    ]
    today = timezone.localdate()
    assert [a.description for a in CaseAction.objects.overdue(today)] == [
        "Bewonersavond over veiligheid in De Horizon organiseren"
    ]
    assert sorted(CaseAction.objects.filter(case=case).values_list("status", flat=True)) == [
        "done",
        "in_progress",
        "open",
        "open",
        "open",
    ]
    meetings = list(case.meetings.order_by("starts_at"))
    assert [m.starts_at < timezone.now() for m in meetings] == [True, True, False]
    decisions = [(d.text[:20], d.outside_mandate) for m in meetings for d in m.decisions.all()]
    assert decisions == [("De partners spreken ", False), ("Cameratoezicht in de", True)]
    checklist = selectors.case_checklist(viewer=system_viewer(), case_id=case.pk)
    assert (case.phase, [(i.item, i.done) for i in checklist]) == (
        2,
        [
            ("roles_and_agreements", False),
            ("data_sharing", False),
            ("meeting_rhythm", True),
            ("measurable_goals", False),
        ],
    )
    escalation = case.escalations.get()
    assert (escalation.level, escalation.status, escalation.asked_by.username) == (
        "strategic",
        "open",
        "wijkbeheerder",
    )
    assert sorted(escalation.addressees.values_list("user__username", flat=True)) == sorted(
        ESCALATION_ADDRESSEES
    )
    assert build_cases() == demo  # idempotent
    assert Case.objects.count() == 2


def test_every_persona_sees_exactly_their_cases(demo, client):
    cases = {demo["case"].title: demo["case"], demo["subcase"].title: demo["subcase"]}
    horizon = Building.objects.get(name="De Horizon")
    reporters = list(ReporterIdentity.objects.exclude(name="").values_list("name", flat=True))
    seen = {}
    for username in PERSONAS:
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        listed = {c["title"] for c in client.get(reverse("cases_api:case_list")).json()["results"]}
        page = client.get(reverse("cases:list")).content.decode()
        assert {t for t in cases if t in page} == listed, username
        work = client.get(reverse("cases:my_work")).content.decode()
        escalated = {CASE_TITLE} if username in ESCALATION_ADDRESSEES else set()
        assert {t for t in cases if t in work} == listed | escalated, username
        escalation = demo["case"].escalations.get()
        status = client.get(reverse("cases:escalation", args=[escalation.pk])).status_code
        api_status = client.get(
            reverse("cases_api:escalation_detail", args=[escalation.pk])
        ).status_code
        sees = CASE_TITLE in listed or username in ESCALATION_ADDRESSEES
        assert (status, api_status) == ((200, 200) if sees else (404, 404)), username
        for title, case in cases.items():
            statuses = {client.get(url).status_code for url in _pages(case)}
            assert statuses == ({200} if title in listed else {404}), (username, title)
            if title in listed:
                body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
                api = client.get(reverse("cases_api:case_fragments", args=[case.pk])).json()
                if title == CASE_TITLE:
                    expected = {t for t, who in FRAGMENTS.items() if username in who}
                    assert {t for t in FRAGMENTS if t in body} == expected, username
                    assert {f["title"] for f in api} == expected, username
                    # Everyone at this table lacks some agreement, and the page says so.
                    assert "Waarom u misschien minder ziet" in body, username
                else:
                    assert api == [], username
                assert not any(name in body for name in reporters), username
                if title == CASE_TITLE:
                    assert SUBCASE_TITLE not in body, username
        fragment = client.get(
            reverse("cases:building_cases", args=[horizon.pk]), HTTP_HX_REQUEST="true"
        )
        if fragment.status_code == 200:
            shown = {t for t in cases if t in fragment.content.decode()}
            assert shown == listed, username
        else:
            assert (fragment.status_code, listed) == (404, set()), username
        seen[username] = listed
    assert seen == EXPECTED
