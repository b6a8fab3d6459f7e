"""The reporter's language on the report page, and a plain warning before writing to a
reporter who did not write in Dutch; user text marked dir="auto"."""

import re

from django.urls import reverse

from tests.reports.factories import submit
from wijkregie.reports import services

WARNING = "De melder schreef in het Turks, niet in het Nederlands."


def _detail(client, report) -> str:
    return client.get(reverse("reports:detail", args=[report.pk])).content.decode()


def test_the_reporters_language_by_name_and_the_warning_at_both_forms(world, login):
    report = submit(world, reporter={"email": "ayse@example.org", "language": "tr"}).report
    services.report_status_change(
        actor=world.viewer("intake"), report_id=report.pk, to_status="in_triage"
    )
    body = _detail(login(world.users["intake"]), report)
    assert "<dt>Taal</dt><dd>Turks</dd>" in body
    assert body.count(WARNING) == 2  # above the message and above the status change
    message_form = re.search(r'<form[^>]*action="/reports/\d+/message/".*?</form>', body, re.S)[0]
    status_form = re.search(r'<form[^>]*action="/reports/\d+/status/".*?</form>', body, re.S)[0]
    assert WARNING in message_form and WARNING in status_form


def test_intake_without_the_identity_still_sees_the_language(world, login):
    report = submit(world, reporter={"email": "ayse@example.org", "language": "tr"}).report
    body = _detail(login(world.users["triage"]), report)
    assert "ayse@example.org" not in body
    assert "<dt>Taal</dt><dd>Turks</dd>" in body
    assert WARNING in body


def test_no_warning_for_a_reporter_who_wrote_in_dutch(world, login):
    report = submit(world, reporter={"email": "ann@example.org", "language": "nl"}).report
    body = _detail(login(world.users["intake"]), report)
    assert "<dt>Taal</dt><dd>Nederlands</dd>" in body
    assert "niet in het Nederlands" not in body


def test_user_text_is_marked_dir_auto(world, login):
    report = submit(world, description="رائحة دخان في المصعد").report
    services.report_message_to_reporter(
        actor=world.viewer("intake"), report_id=report.pk, body="Sinds wanneer?"
    )
    body = _detail(login(world.users["intake"]), report)
    assert 'dir="auto">رائحة دخان في المصعد</p>' in body
    assert '<p class="utrecht-paragraph" dir="auto">Sinds wanneer?</p>' in body
    assert re.search(r'<textarea name="body"[^>]*dir="auto"', body)
