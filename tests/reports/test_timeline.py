"""Reports' timelines stand on the one core base (core.timeline): one guard, one writer."""

import ast
import datetime
from pathlib import Path

from django.apps import apps
from django.utils import timezone

import pytest

from tests.reports.factories import submit
from wijkregie.core.timeline import AppendOnlyModel, TimelineEvent
from wijkregie.reports import events, services
from wijkregie.reports.models import ReportEvent, ReportEventType, ReportStatusChange

SRC = Path(__file__).resolve().parents[2] / "src" / "wijkregie"


def test_every_history_model_is_append_only_through_the_core_base():
    histories = sorted(
        m._meta.label
        for m in apps.get_models()
        if m.__name__.endswith(("Event", "StatusChange", "History"))
    )
    assert histories == [
        "cases.CaseEvent",
        # Not a timeline: the chat's delivery log of changes for reconnecting streams,
        # purged with the channel's messages (docs/adr/0016).
        "chat.ChannelEvent",
        "reports.ReportEvent",
        "reports.ReportStatusChange",
    ]
    assert issubclass(ReportEvent, TimelineEvent)
    assert issubclass(ReportStatusChange, AppendOnlyModel)


def test_no_app_writes_its_own_append_only_guard():
    """`raise TypeError` guards live in core only (the audit trail and core.timeline)."""
    for module in SRC.glob("*/*.py"):
        if module.parent.name == "core":
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                text = " ".join(
                    str(a.value) for a in node.exc.args if isinstance(a, ast.Constant)
                ).lower()
                assert "append-only" not in text, module


def test_report_events_are_written_through_event_record_only():
    tree = ast.parse((SRC / "reports" / "events.py").read_text())
    creates = [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("create", "save")
    ]
    assert creates == []


def test_a_report_event_names_the_actor_and_refuses_to_be_changed(world):
    report = submit(world).report
    intake = world.viewer("intake")
    at = timezone.now() - datetime.timedelta(minutes=3)

    event = events.message_to_reporter_event(
        report=report, actor=intake, organisation_id=world.owner.pk, at=at, message_id=7
    )
    from_reporter = events.message_from_reporter_event(report=report, at=at, message_id=8)

    event.refresh_from_db()
    assert (event.type, event.parameters, event.actor_id, event.actor_label, event.created_at) == (
        ReportEventType.MESSAGE_TO_REPORTER,
        {"message_id": 7},
        intake.user_id,
        intake.label,
        at,
    )
    assert (from_reporter.actor_id, from_reporter.actor_label) == (None, "")
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        ReportEvent.objects.filter(pk=event.pk).update(parameters={})
    with pytest.raises(TypeError):
        ReportEvent.objects.bulk_update([event], ["parameters"])


def test_status_history_refuses_changes_but_goes_with_its_report(world):
    report = submit(world).report
    services.report_status_change(
        actor=world.viewer("intake"), report_id=report.pk, to_status="in_triage"
    )
    change = ReportStatusChange.objects.filter(report=report).last()

    with pytest.raises(TypeError):
        change.save()
    with pytest.raises(TypeError):
        ReportStatusChange.objects.filter(pk=change.pk).update(reason="")
    report.delete()
    assert not ReportStatusChange.objects.filter(pk=change.pk).exists()
