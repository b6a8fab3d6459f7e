"""The minutes PDF mailed to the people named on the case: in the background, once."""

import datetime

from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

import pytest

from wijkregie.cases import notifications, services
from wijkregie.cases.models import CaseEvent, MinutesMailing


@pytest.fixture
def held(world):
    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    world.add(case, "director", world.municipality, role="adviser")
    meeting = services.meeting_schedule(
        actor=world.viewer("coordinator"),
        case_id=case.pk,
        title="Casusoverleg",
        starts_at=timezone.now() - datetime.timedelta(days=1),
        held=True,
    )
    return case, meeting


def _send(world, case, meeting, actor="coordinator"):
    return services.meeting_minutes_send(
        actor=world.viewer(actor), case_id=case.pk, meeting_id=meeting.pk
    )


def test_the_minutes_go_to_each_participant_once_with_the_pdf(
    world, held, django_capture_on_commit_callbacks
):
    case, meeting = held
    with pytest.raises(ValidationError) as exc:
        _send(world, case, meeting)
    assert exc.value.message_dict == {"minutes": ["Write the minutes before sending them."]}
    services.meeting_minutes_set(
        actor=world.viewer("coordinator"),
        case_id=case.pk,
        meeting_id=meeting.pk,
        minutes="Besproken.",
    )
    with pytest.raises(Exception) as denied:  # a handler does not manage meetings
        _send(world, case, meeting, actor="agent")
    assert denied.type.__name__ == "PermissionDenied"
    with django_capture_on_commit_callbacks(execute=True):
        mailing = _send(world, case, meeting)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "agent@example.org",
        "coordinator@example.org",
        "director@example.org",
    ]
    assert all(len(m.to) == 1 for m in mail.outbox)  # nobody sees the others' addresses
    message = mail.outbox[0]
    assert message.subject == "Notulen van Casusoverleg – Aanpak De Toren"
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype, content[:5]) == (
        f"minutes-{meeting.pk}.pdf",
        "application/pdf",
        b"%PDF-",
    )
    mailing.refresh_from_db()
    assert (mailing.recipients, mailing.sent_at is not None) == (3, True)
    # Once: asking again is refused in words; the task repeated sends nothing.
    with pytest.raises(ValidationError) as exc:
        _send(world, case, meeting)
    assert exc.value.message_dict["minutes"][0].startswith(
        "The minutes of this meeting were sent on "
    )
    assert notifications.minutes_send(mailing_id=mailing.pk) == 0
    assert len(mail.outbox) == 3
    assert MinutesMailing.objects.count() == 1
    assert CaseEvent.objects.filter(case=case, type="minutes_sent").count() == 1


def test_a_meeting_to_come_has_no_minutes_to_send(world):
    case = world.open_case()
    meeting = services.meeting_schedule(
        actor=world.viewer("coordinator"),
        case_id=case.pk,
        title="Later",
        starts_at=timezone.now() + datetime.timedelta(days=3),
    )
    with pytest.raises(ValidationError) as exc:
        _send(world, case, meeting)
    assert exc.value.message_dict == {"minutes": ["The meeting has not taken place yet."]}


def test_sending_from_the_page_and_the_api(world, held, login, django_capture_on_commit_callbacks):
    case, meeting = held
    services.meeting_minutes_set(
        actor=world.viewer("coordinator"),
        case_id=case.pk,
        meeting_id=meeting.pk,
        minutes="Besproken.",
    )
    client = login(world.users["coordinator"])
    page = reverse("cases:meeting", args=[case.pk, meeting.pk])
    assert "Stuur de notulen naar de deelnemers" in client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:meeting_minutes_send", args=[case.pk, meeting.pk]))
    assert response.status_code == 302
    assert len(mail.outbox) == 3
    body = client.get(page).content.decode()
    assert "De notulen zijn verstuurd naar de mensen die op de casus staan" in body
    response = client.post(
        reverse("cases:meeting_minutes_send", args=[case.pk, meeting.pk]), follow=True
    )
    assert "De notulen van dit overleg zijn verstuurd op" in response.content.decode()
    api = reverse("cases_api:case_meeting_minutes_send", args=[case.pk, meeting.pk])
    response = client.post(api)
    assert (response.status_code, list(response.json()["errors"])) == (400, ["minutes"])
    assert login(world.users["outsider"]).post(api).status_code == 404
    assert len(mail.outbox) == 3
