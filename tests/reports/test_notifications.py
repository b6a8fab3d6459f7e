"""E-mail against a real SMTP server (aiosmtpd) started by the test."""

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from tests.reports.factories import submit
from wijkregie.core.access import ANONYMOUS
from wijkregie.partners.models import Membership
from wijkregie.reports import services
from wijkregie.reports.models import ContactMode


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((sorted(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Mail tasks are enqueued when the transaction commits (core.mail)."""
    return django_capture_on_commit_callbacks


def _parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_status_change_mails_the_reporter_the_resident_text_only(world, smtp, on_commit):
    report = submit(world, reporter={"name": "Ann Melder", "email": "ann@example.org"}).report
    # another reporter's identity in the same building must never leak into this mail
    submit(world, reporter={"name": "Bob Buur", "email": "bob@example.org", "phone": "0622222222"})
    with on_commit(execute=True):
        services.report_status_change(
            actor=world.viewer("intake"),
            report_id=report.pk,
            to_status="in_triage",
            internal_note="INTERN-geheim: buurman op 3 verdacht",
            resident_text="We kijken er deze week naar.",
        )
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["ann@example.org"]
    assert message["Subject"] == f"Uw melding {report.tracking_code}: In behandeling"
    text, html = _parts(message)
    for body in (text, html):
        assert "We kijken er deze week naar." in body
        assert "INTERN" not in body
        assert "Bob" not in body and "bob@example.org" not in body and "0622222222" not in body


def test_reporter_mail_is_in_the_reporters_language(world, smtp, on_commit):
    report = submit(world, reporter={"email": "en@example.org", "language": "en"}).report
    with on_commit(execute=True):
        services.report_status_change(
            actor=world.viewer("intake"), report_id=report.pk, to_status="in_triage"
        )
    _, message = smtp.messages[0]
    assert message["Subject"] == f"Your report {report.tracking_code}: In triage"
    text, _ = _parts(message)
    assert "We are looking at your report and deciding who will handle it." in text


def test_question_mails_the_reporter(world, smtp, on_commit):
    report = submit(world).report
    with on_commit(execute=True):
        services.report_message_to_reporter(
            actor=world.viewer("intake"), report_id=report.pk, body="Op welke verdieping was het?"
        )
    recipients, message = smtp.messages[0]
    assert recipients == ["ann@example.org"]
    assert message["Subject"] == f"Een vraag over uw melding {report.tracking_code}"
    text, html = _parts(message)
    assert "Op welke verdieping was het?" in text and "Op welke verdieping was het?" in html


def test_no_mail_for_anonymous_reporter(world, smtp, on_commit):
    report = submit(world, contact_mode=ContactMode.ANONYMOUS, reporter=None).report
    with on_commit(execute=True):
        services.report_status_change(
            actor=world.viewer("intake"), report_id=report.pk, to_status="in_triage"
        )
    assert smtp.messages == []


def test_urgent_report_mails_intake_of_the_receiving_organisation(world, smtp, on_commit):
    membership = Membership.objects.get(user=world.users["intake"], organisation=world.owner)
    membership.work_email = "intake.werk@ws-test.example"
    membership.save()
    with on_commit(execute=True):
        report = submit(
            world,
            actor=ANONYMOUS,
            category=world.urgent,
            description="GEHEIME-BESCHRIJVING van de bedreiging",
        ).report
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    # the organisation's address, the intake member's work address and the triage member's
    # account address; not staff, not other organisations
    assert recipients == sorted(
        ["intake@ws-test.example", "intake.werk@ws-test.example", "triage@example.org"]
    )
    assert message["Subject"] == "Spoedmelding: Bedreiging en intimidatie in De Toren"
    text, html = _parts(message)
    for body in (text, html):
        assert f"/reports/{report.pk}/" in body
        assert "GEHEIME-BESCHRIJVING" not in body
        assert "Ann" not in body and "ann@example.org" not in body and "0611111111" not in body


def test_non_urgent_report_sends_no_mail(world, smtp, on_commit):
    with on_commit(execute=True):
        submit(world)
    assert smtp.messages == []
