"""Mail is sent in one place (core.mail): templates, the recipient's language, on commit."""

import ast
from pathlib import Path

from django.core import mail
from django.db import transaction

import pytest
from django_tasks import default_task_backend

from wijkregie.core.mail import MailTask, mail_send, mail_task
from wijkregie.reports import tasks as report_tasks

SRC = Path(__file__).resolve().parents[2] / "src" / "wijkregie"
SENDERS = {"send_mail", "send_mass_mail", "mail_admins", "mail_managers"}
MESSAGES = {"EmailMessage", "EmailMultiAlternatives"}


def _mail_names(module: Path) -> set[str]:
    """Names a module takes from django.core.mail (imports and attribute uses)."""
    names = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("django.core.mail")
        ):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Attribute) and node.attr in SENDERS | MESSAGES:
            names.add(node.attr)
    return names & (SENDERS | MESSAGES)


def test_no_module_outside_core_mail_sends_mail_itself():
    senders = {
        str(module.relative_to(SRC)): sorted(_mail_names(module))
        for module in SRC.rglob("*.py")
        if _mail_names(module)
    }
    assert senders == {"core/mail.py": ["EmailMultiAlternatives"]}


def test_every_reports_task_is_a_mail_task_enqueued_on_commit():
    assert {
        name: type(value).__name__
        for name, value in vars(report_tasks).items()
        if name.startswith("report_")
    } == {
        "report_status_notify_reporter": "MailTask",
        "report_message_notify_reporter": "MailTask",
        "report_urgent_notify_intake": "MailTask",
    }
    assert report_tasks.report_urgent_notify_intake.priority == 10


def test_mail_send_renders_plain_and_html_parts_in_the_recipients_language(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    context = {"tracking_code": "K7QM-2XPA", "body": "Welke verdieping?", "report_id": 1}

    for language in ("en", "nl"):
        assert (
            mail_send(
                to=["ann@example.org"],
                template="reports/email/reporter_message",
                context=context,
                language=language,
            )
            == 1
        )

    english, dutch = mail.outbox
    assert (english.to, english.subject, dutch.subject) == (
        ["ann@example.org"],
        "A question about your report K7QM-2XPA",
        "Een vraag over uw melding K7QM-2XPA",
    )
    assert "Welke verdieping?" in english.body
    [(html, mimetype)] = english.alternatives
    assert mimetype == "text/html" and "Welke verdieping?" in html
    assert (
        mail_send(to=[], template="reports/email/reporter_message", context={}, language="nl") == 0
    )
    assert len(mail.outbox) == 2


def _note(*, note_id: int) -> int:
    return note_id


def test_a_mail_task_is_enqueued_only_when_the_transaction_commits(
    db, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    note = mail_task(_note)
    assert isinstance(note, MailTask)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            note.enqueue(note_id=1)
            raise RuntimeError("rolled back")
        assert default_task_backend.results == []
        with transaction.atomic():
            note.enqueue(note_id=2)
            assert default_task_backend.results == []  # not before the commit

    assert len(callbacks) == 1
    assert [r.kwargs for r in default_task_backend.results] == [{"note_id": 2}]
