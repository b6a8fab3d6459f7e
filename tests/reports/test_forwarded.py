"""The organisation that forwarded a report keeps a read-only view of it."""

from django.urls import reverse

from tests.reports.factories import submit
from wijkregie.reports import selectors, services
from wijkregie.reports.models import ReportStatusChange


def _in_triage(world, **overrides):
    report = submit(world, **overrides).report
    services.report_status_change(
        actor=world.viewer("intake"), report_id=report.pk, to_status="in_triage"
    )
    return report


def test_forwarding_lands_on_the_queue_with_a_confirmation(world, login):
    report = _in_triage(world)
    client = login(world.users["intake"])
    response = client.post(
        reverse("reports:forward", args=[report.pk]),
        {"to_organisation": world.police.pk, "internal_note": "Voor de wijkagent."},
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("reports:queue"), 302)]
    body = response.content.decode()
    assert (
        f"Melding #{report.pk} is doorgestuurd naar Politie Test. U kunt haar nog lezen "
        "onder de status ‘Doorgestuurd’."
    ) in body


def test_the_sender_finds_the_report_under_forwarded(world, login):
    report = _in_triage(world)
    other = _in_triage(world)
    services.report_forward(
        actor=world.viewer("intake"), report_id=report.pk, to_organisation_id=world.police.pk
    )
    client = login(world.users["intake"])
    page = client.get(reverse("reports:queue"), {"status": "forwarded"})
    assert page.context["page"].paginator.count == 1
    assert [r.pk for r in page.context["page"].object_list] == [report.pk]
    triage = client.get(reverse("reports:queue"), {"status": "in_triage"})
    assert [r.pk for r in triage.context["page"].object_list] == [other.pk]
    # The unfiltered queue is the work the organisation receives.
    everything = client.get(reverse("reports:queue"))
    assert [r.pk for r in everything.context["page"].object_list] == [other.pk]


def test_the_sender_keeps_it_under_forwarded_when_the_receiver_moves_on(world):
    report = _in_triage(world)
    services.report_forward(
        actor=world.viewer("intake"), report_id=report.pk, to_organisation_id=world.police.pk
    )
    services.report_status_change(
        actor=world.viewer("police_intake"), report_id=report.pk, to_status="in_triage"
    )
    listed = selectors.report_list(viewer=world.viewer("intake"), filters={"status": "forwarded"})
    assert [r.pk for r in listed] == [report.pk]
    # The receiver's own queue counts it by its real status.
    police = world.viewer("police_intake")
    assert list(selectors.report_list(viewer=police, filters={"status": "forwarded"})) == []
    assert [r.pk for r in selectors.report_list(viewer=police)] == [report.pk]
    both = selectors.report_list(
        viewer=world.viewer("intake"), filters={"status": ["forwarded", "in_triage"]}
    )
    assert [r.pk for r in both] == [report.pk]


def test_the_read_only_page_shows_status_and_resident_texts_never_the_identity(world, login):
    report = _in_triage(world)
    services.report_forward(
        actor=world.viewer("intake"),
        report_id=report.pk,
        to_organisation_id=world.police.pk,
        internal_note="Voor de wijkagent.",
    )
    services.report_status_change(
        actor=world.viewer("police_intake"),
        report_id=report.pk,
        to_status="in_triage",
        internal_note="Geheim van de politie.",
    )
    services.report_message_to_reporter(
        actor=world.viewer("police_intake"), report_id=report.pk, body="Wanneer was dit?"
    )
    response = login(world.users["intake"]).get(reverse("reports:detail", args=[report.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Politie Test behandelt haar nu" in body
    assert "Status nu</dt><dd>In behandeling</dd>" in body
    assert "We hebben uw melding doorgestuurd naar de organisatie" in body
    assert "Voor de wijkagent." in body  # our own note on the forwarding
    assert "Er ligt afval bij de lift." in body
    for hidden in (
        "Ann Melder",
        "ann@example.org",
        "0611111111",
        "198.51.100.7",
        "Geheim van de politie.",
        "Wanneer was dit?",
    ):
        assert hidden not in body
    assert "Wijzig status" not in body and 'action="/reports/' not in body


def test_the_sender_can_no_longer_change_the_report(world, login):
    report = _in_triage(world)
    services.report_forward(
        actor=world.viewer("intake"), report_id=report.pk, to_organisation_id=world.police.pk
    )
    client = login(world.users["intake"])
    response = client.post(reverse("reports:status", args=[report.pk]), {"to_status": "in_triage"})
    assert response.status_code == 404
    assert ReportStatusChange.objects.filter(report=report).count() == 3


def test_an_organisation_that_never_had_the_report_sees_nothing(world, login):
    report = _in_triage(world)
    services.report_forward(
        actor=world.viewer("intake"), report_id=report.pk, to_organisation_id=world.police.pk
    )
    client = login(world.users["other_intake"])
    assert client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
    assert (
        client.get(reverse("reports:queue"), {"status": "forwarded"})
        .context["page"]
        .paginator.count
        == 0
    )


def test_the_forwarded_queue_is_two_queries(world, django_assert_num_queries):
    for _ in range(3):
        report = _in_triage(world)
        services.report_forward(
            actor=world.viewer("intake"), report_id=report.pk, to_organisation_id=world.police.pk
        )
    viewer = world.viewer("intake")
    with django_assert_num_queries(2):  # the count and the page, however many were forwarded
        page = selectors.report_queue(viewer=viewer, filters={"status": "forwarded"})
        assert len(page.object_list) == 3
