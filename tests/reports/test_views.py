import io

from django.urls import reverse

import pytest
from PIL import Image

from tests.reports.factories import pseudonym_label, reporter_of, submit
from wijkregie.core.models import AuditEntry
from wijkregie.reports import services
from wijkregie.reports.models import Channel, Report, ReportMessage, ReportStatusChange
from wijkregie.reports.photos import sanitise_photo


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_queue_lists_reports_of_the_organisation(world, login):
    mine = submit(world).report
    client = login(world.users["intake"])
    response = client.get(reverse("reports:queue"))
    assert response.status_code == 200
    assert f"#{mine.pk} Afval en vervuiling" in response.content.decode()


def test_queue_filters_by_status_and_ignores_unknown_values(world, login):
    a = submit(world).report
    b = submit(world).report
    services.report_status_change(
        actor=world.viewer("intake"), report_id=b.pk, to_status="in_triage"
    )
    client = login(world.users["intake"])
    body = client.get(reverse("reports:queue"), {"status": "in_triage"}).content.decode()
    assert f"#{b.pk} " in body and f"#{a.pk} " not in body
    body = client.get(
        reverse("reports:queue"), {"status": "bogus", "building": "x"}
    ).content.decode()
    assert f"#{b.pk} " in body and f"#{a.pk} " in body


def test_queue_is_forbidden_without_receive_permission(world, login):
    submit(world)
    response = login(world.users["staff"]).get(reverse("reports:queue"))
    assert response.status_code == 403


def test_queue_of_other_organisation_shows_nothing_of_ours(world, login):
    mine = submit(world).report
    body = login(world.users["police_intake"]).get(reverse("reports:queue")).content.decode()
    assert f"#{mine.pk} " not in body


def test_detail_shows_identity_to_intake_and_records_the_view(world, login):
    report = submit(world, photos=[sanitise_photo(_png())]).report
    response = login(world.users["intake"]).get(reverse("reports:detail", args=[report.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ann Melder" in body and "ann@example.org" in body
    assert pseudonym_label(report, seen_by=world.owner) in body
    assert '<svg class="wr-report-svg"' in body
    assert (
        AuditEntry.objects.filter(action="view", object_type="reports.reporteridentity").count()
        == 1
    )


def test_detail_shows_pseudonym_only_to_intake_without_identity_permission(world, login):
    report = submit(world).report
    response = login(world.users["triage"]).get(reverse("reports:detail", args=[report.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert pseudonym_label(report, seen_by=world.owner) in body
    assert "Ann Melder" not in body and "ann@example.org" not in body
    assert not AuditEntry.objects.filter(action="view").exists()


def test_opening_the_report_marks_the_reporters_messages_read(world, login):
    result = submit(world)
    report = result.report
    intake = world.viewer("intake")
    question = services.report_message_to_reporter(
        actor=intake, report_id=report.pk, body="Welke verdieping?"
    )
    answer = services.report_message_from_reporter(
        actor=reporter_of(result), report=report, body="De derde."
    )
    question.refresh_from_db()
    intake_read_before = question.read_by_intake_at
    assert answer.read_by_intake_at is None

    response = login(world.users["intake"]).get(reverse("reports:detail", args=[report.pk]))

    assert response.status_code == 200
    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.read_by_intake_at is not None
    assert question.read_by_intake_at == intake_read_before  # its own messages: untouched
    assert question.read_by_reporter_at is None


def test_another_organisation_opening_the_report_marks_nothing_read(world, login):
    result = submit(world)
    report = result.report
    answer = services.report_message_from_reporter(
        actor=reporter_of(result), report=report, body="De derde."
    )

    response = login(world.users["other_intake"]).get(reverse("reports:detail", args=[report.pk]))

    assert response.status_code == 404
    answer.refresh_from_db()
    assert answer.read_by_intake_at is None


@pytest.mark.parametrize("name", ["staff", "police_intake", "other_intake"])
def test_detail_of_report_of_other_organisation_is_404(world, login, name):
    report = submit(world).report
    response = login(world.users[name]).get(reverse("reports:detail", args=[report.pk]))
    assert response.status_code in (403, 404)


def test_status_change_page_happy_path(world, login):
    report = submit(world).report
    client = login(world.users["intake"])
    response = client.post(
        reverse("reports:status", args=[report.pk]),
        {"to_status": "in_triage", "resident_text": "We kijken ernaar.", "internal_note": "n"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "in_triage"
    assert (
        ReportStatusChange.objects.filter(report=report).last().resident_text == "We kijken ernaar."
    )


def test_forged_status_transition_page_gives_clear_error_and_changes_nothing(world, login):
    report = submit(world).report
    client = login(world.users["intake"])
    response = client.post(reverse("reports:status", args=[report.pk]), {"to_status": "resolved"})
    assert response.status_code == 400
    assert "Selecteer een geldige keuze" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "received"
    assert ReportStatusChange.objects.filter(report=report).count() == 1


def test_status_change_by_other_organisation_is_404_and_changes_nothing(world, login):
    report = submit(world).report
    client = login(world.users["police_intake"])
    response = client.post(reverse("reports:status", args=[report.pk]), {"to_status": "in_triage"})
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == "received"


def test_unchanged_prefilled_text_follows_the_chosen_status(world, login):
    report = submit(world).report
    intake = world.viewer("intake")
    services.report_status_change(actor=intake, report_id=report.pk, to_status="in_triage")
    client = login(world.users["intake"])
    client.post(
        reverse("reports:status", args=[report.pk]),
        {
            "to_status": "resolved",
            # the text prefilled for the first allowed status (linked to a case)
            "resident_text": "Uw melding hoort bij een bredere aanpak van problemen in uw gebouw. "
            "We werken eraan samen met andere organisaties.",
        },
    )
    assert ReportStatusChange.objects.filter(report=report).last().resident_text == (
        "We hebben uw melding afgehandeld. Bedankt dat u het liet weten."
    )


def test_resident_text_htmx_endpoint(world, login):
    report = submit(world).report
    client = login(world.users["intake"])
    response = client.get(
        reverse("reports:resident_text", args=[report.pk]), {"to_status": "in_triage"}
    )
    assert "We bekijken uw melding en bepalen wie haar oppakt." in response.content.decode()
    bad = client.get(reverse("reports:resident_text", args=[report.pk]), {"to_status": "resolved"})
    assert bad.status_code == 404


def test_forward_page(world, login):
    report = submit(world).report
    services.report_status_change(
        actor=world.viewer("intake"), report_id=report.pk, to_status="in_triage"
    )
    client = login(world.users["intake"])
    response = client.post(
        reverse("reports:forward", args=[report.pk]), {"to_organisation": world.police.pk}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.receiving_organisation == world.police


def test_category_page(world, login):
    report = submit(world).report
    client = login(world.users["intake"])
    response = client.post(
        reverse("reports:category", args=[report.pk]), {"category": world.urgent.pk}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.category == world.urgent


def test_message_page_and_empty_message(world, login):
    report = submit(world).report
    client = login(world.users["intake"])
    assert (
        client.post(reverse("reports:message", args=[report.pk]), {"body": ""}).status_code == 400
    )
    response = client.post(
        reverse("reports:message", args=[report.pk]), {"body": "Wanneer precies?"}
    )
    assert response.status_code == 302
    assert ReportMessage.objects.get().body == "Wanneer precies?"


def test_photo_is_served_only_to_intake(world, login):
    report = submit(world, photos=[sanitise_photo(_png())]).report
    photo = report.photos.get()
    url = reverse("reports:photo", args=[report.pk, photo.pk])
    response = login(world.users["intake"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"  # re-encoded by the sanitiser
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == photo.file.open("rb").read()
    assert login(world.users["police_intake"]).get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_login(world, client):
    report = submit(world).report
    response = client.get(reverse("reports:detail", args=[report.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_observation_two_steps(world, login):
    client = login(world.users["police_intake"])
    assert client.get(reverse("reports:observation")).status_code == 200
    page = client.get(reverse("reports:observation"), {"building": world.building.pk})
    assert page.status_code == 200
    response = client.post(
        reverse("reports:observation"),
        {
            "building": world.building.pk,
            "organisation": world.police.pk,
            "category": world.category.pk,
            "channel": Channel.DOOR,
            "location_kind": "outside",
            "description": "Afval bij de ingang, gehoord aan de deur.",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.channel, report.receiving_organisation) == ("door", world.owner)
    # the police does not receive it, so it is sent back to the form
    assert response["Location"] == reverse("reports:observation")


def test_observation_invalid_input(world, login):
    client = login(world.users["intake"])
    response = client.post(
        reverse("reports:observation"),
        {"building": world.building.pk, "organisation": world.owner.pk, "description": ""},
    )
    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_a_professionals_observations_are_never_rate_limited(world, login, settings):
    """The resident form's limits (reports/public/limits.py) are not the professional's:
    a BOA logging a round of observations from the office's one address is not held."""
    settings.WIJKREGIE_REPORT_RATE_PER_IP = "0/3600"
    settings.WIJKREGIE_REPORT_RATE_PER_CATEGORY = "0/3600"
    settings.WIJKREGIE_REPORT_RATE_PER_BUILDING = "0/3600"
    client = login(world.users["police_intake"])
    for n in range(3):
        response = client.post(
            reverse("reports:observation"),
            {
                "building": world.building.pk,
                "organisation": world.police.pk,
                "category": world.category.pk,
                "channel": Channel.DOOR,
                "location_kind": "outside",
                "description": f"Afval bij de ingang, ronde {n}.",
            },
        )
        assert response.status_code == 302
    assert Report.objects.count() == 3
