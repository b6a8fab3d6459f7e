"""The case page, My work and the cases by health read a fixed number of queries,
whatever the number of cases, actions, timeline events, meetings and participants."""

import datetime

from django.urls import reverse
from django.utils import timezone

import pytest

from wijkregie.cases import services


def _grow(world, case, n, make_professional):
    """n more of everything: participants, actions (each with its timeline events),
    agreements, meetings with attendance and a decision, escalations, notes."""
    coordinator = world.viewer("coordinator")
    for i in range(n):
        name = f"p{case.pk}-{n}-{i}"
        world.users[name] = make_professional(name, organisation=world.police)
        world.add(case, name, world.police, role="involved")
        services.action_create(
            actor=coordinator,
            case_id=case.pk,
            description=f"Actie {i}",
            owner_organisation_id=world.police.pk,
            owner_id=world.users["agent"].pk,
            due_date=timezone.localdate() + datetime.timedelta(days=i - 2),
        )
        services.agreement_record(
            actor=coordinator,
            case_id=case.pk,
            topic=f"Onderwerp {n}-{i}",
            organisation_id=world.police.pk,
        )
        meeting = services.meeting_schedule(
            actor=coordinator,
            case_id=case.pk,
            title=f"Overleg {i}",
            starts_at=timezone.now() - datetime.timedelta(days=n * 10 + i + 1),
            held=True,
        )
        services.meeting_attendance_set(
            actor=coordinator,
            case_id=case.pk,
            meeting_id=meeting.pk,
            user_ids=[world.users["agent"].pk],
        )
        services.decision_record(
            actor=coordinator,
            case_id=case.pk,
            meeting_id=meeting.pk,
            text=f"Besluit {i}",
            decided_by_user_id=world.users["agent"].pk,
            level="operational",
        )
        services.escalation_raise(
            actor=coordinator, case_id=case.pk, level="strategic", question=f"Vraag {i}"
        )
        services.fragment_add(
            actor=coordinator, case_id=case.pk, kind="note", title=f"N {i}", text="x"
        )


def _open(world, title):
    case = world.open_case(title=title)
    world.add(case, "agent", world.police, role="handler")
    world.add(case, "director", world.municipality, role="adviser")
    return case


# The exact counts of one request (session, user, the page's reads, its audit entry; the
# viewer's grants kept from the request before) per viewer, the same at both data sizes:
# the case page of a bare case (two participants, nothing else), of a case with some of
# everything, My work, the cases by health and the case list. The case page reads one
# statement more when the viewer sees a note, document or visit report (their audience
# organisations), and would read one more for linked reports (the audit entry of that
# read); meetings, escalations, actions and events cost nothing extra when there are any.
COUNTS = {"coordinator": (21, 22, 15, 11, 5), "agent": (20, 21, 15, 11, 5)}


@pytest.mark.parametrize("viewer", ["coordinator", "agent"])
def test_the_pages_read_the_same_number_of_queries_at_two_sizes(
    world, login, make_professional, django_assert_num_queries, viewer
):
    bare = _open(world, "Kaal")
    first = _open(world, "Casus 1")
    _grow(world, first, 2, make_professional)
    client = login(world.users[viewer])
    urls = [
        reverse("cases:detail", args=[bare.pk]),
        reverse("cases:detail", args=[first.pk]),
        reverse("cases:my_work"),
        reverse("cases:by_health"),
        reverse("cases:list"),
    ]
    expected = dict(zip(urls, COUNTS[viewer], strict=True))

    def assert_counts():
        # One request first: the viewer's grants are kept per process and forgotten when
        # a user or membership changes (as _grow does); counted requests find them kept.
        assert client.get(urls[0]).status_code == 200
        for url, n in expected.items():
            with django_assert_num_queries(n):
                assert client.get(url).status_code == 200

    assert_counts()
    # Bigger: more of everything on the first case (more events than the timeline shows
    # at once), and three more cases.
    _grow(world, first, 6, make_professional)
    for i in range(3):
        _grow(world, _open(world, f"Casus {i + 2}"), 3, make_professional)
    assert_counts()
