"""Opening cases, participants, the regie and linked reports: every rule of the services."""

import datetime

from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.formats import date_format

import pytest

from tests.reports.factories import CategoryFactory
from wijkregie.cases import notifications, selectors, services
from wijkregie.cases.models import (
    ActionReminder,
    Case,
    CaseAction,
    CaseEvent,
    CaseParticipant,
    CaseReport,
)
from wijkregie.cases.workflows import Confidentiality
from wijkregie.core.access import ANONYMOUS, system_viewer
from wijkregie.core.exceptions import NotFound, PermissionDenied
from wijkregie.core.models import AuditEntry, ObjectGrant
from wijkregie.reports import services as report_services
from wijkregie.reports.models import Channel, ContactMode, LocationKind, ReportEvent
from wijkregie.reports.services import ReporterDetails


def _report(world, **overrides):
    values = {
        "actor": ANONYMOUS,
        "building": world.building,
        "category": CategoryFactory(slug="litter-test", default_organisation=world.owner),
        "description": "Afval in de berging.",
        "location_kind": LocationKind.OUTSIDE,
        "contact_mode": ContactMode.SHIELDED,
        "reporter": ReporterDetails(name="Ann Melder", email="ann@example.org"),
        "channel": Channel.WEB,
    }
    values.update(overrides)
    return report_services.report_submit(**values).report


def test_opening_a_case_makes_the_opener_coordinator_with_the_regie(world):
    case = world.open_case()
    assert (case.title, case.regie_organisation, case.opened_by_organisation) == (
        "Aanpak De Toren",
        world.owner,
        world.owner,
    )
    [p] = CaseParticipant.objects.filter(case=case)
    assert (p.organisation, p.user, p.role) == (
        world.owner,
        world.users["coordinator"],
        "coordinator",
    )
    assert p.grant.role == "cases.coordinator"
    assert list(CaseEvent.objects.filter(case=case).values_list("type", flat=True)) == [
        "opened",
        "participant_added",
    ]
    assert AuditEntry.objects.filter(object_type="cases.case", action="create").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "This field is required."),
        ("title", "x" * 201, "At most 200 characters, please."),
        ("goal", "  ", "This field is required."),
        ("kind", "holiday", "Choose one of the options."),
        ("level", "cosmic", "Choose one of the options."),
        ("confidentiality", "secret", "Choose one of the options."),
    ],
)
def test_opening_refuses_bad_input_in_words(world, field, value, message):
    with pytest.raises(ValidationError) as exc:
        world.open_case(**{field: value})
    assert exc.value.message_dict == {field: [message]}
    assert Case.objects.count() == 0


def test_opening_needs_the_permission_and_a_building_one_works_on(world):
    with pytest.raises(PermissionDenied):
        world.open_case(actor=world.viewer("agent"))
    with pytest.raises(ValidationError) as exc:
        world.open_case(actor=world.viewer("outsider"))
    assert exc.value.message_dict == {"building": ["Choose a building you work on."]}
    with pytest.raises(ValidationError) as exc:
        world.open_case(unit_id=999999)
    assert exc.value.message_dict == {"unit": ["Choose a home in this building."]}
    assert Case.objects.count() == 0


def test_a_case_is_seen_by_its_participants_only(world):
    case = world.open_case()
    assert list(Case.objects.visible_to(world.viewer("coordinator"))) == [case]
    for name in ("colleague", "director", "agent", "outsider"):
        assert list(Case.objects.visible_to(world.viewer(name))) == []
        with pytest.raises(NotFound):
            selectors.case_get(viewer=world.viewer(name), id=case.pk)
    world.add(case, "agent", world.police)
    assert list(Case.objects.visible_to(world.viewer("agent"))) == [case]


def test_adding_participants_checks_role_person_and_duplicates(world):
    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    with pytest.raises(PermissionDenied):
        world.add(case, "director", world.municipality, actor="agent")
    with pytest.raises(ValidationError) as exc:
        world.add(case, "director", world.police)
    assert exc.value.message_dict == {"user": ["This person does not work for Politie Test."]}
    with pytest.raises(ValidationError) as exc:
        world.add(case, "agent", world.police)
    assert exc.value.message_dict == {"user": ["Already a participant of this case."]}
    with pytest.raises(ValidationError) as exc:
        world.add(case, "director", world.municipality, role="coordinator")
    assert exc.value.message_dict == {
        "role": ["This case already has a coordinator (regie). Move the regie instead."]
    }
    with pytest.raises(NotFound):
        world.add(case, "director", world.municipality, actor="outsider")
    organisation_only = services.case_participant_add(
        actor=world.viewer("coordinator"), case_id=case.pk, organisation_id=world.municipality.pk
    )
    assert (organisation_only.user, organisation_only.role, organisation_only.grant) == (
        None,
        "involved",
        None,
    )


def test_the_regie_moves_with_a_reason_and_the_roles_follow(world):
    case = world.open_case()
    municipality = world.add(case, "director", world.municipality, role="involved")
    with pytest.raises(ValidationError) as exc:
        services.case_regie_move(
            actor=world.viewer("coordinator"),
            case_id=case.pk,
            to_participant_id=municipality.pk,
            reason=" ",
        )
    assert exc.value.message_dict == {"reason": ["This field is required."]}
    with pytest.raises(PermissionDenied):
        services.case_regie_move(
            actor=world.viewer("director"),
            case_id=case.pk,
            to_participant_id=municipality.pk,
            reason="Ik wil het.",
        )
    services.case_regie_move(
        actor=world.viewer("coordinator"),
        case_id=case.pk,
        to_participant_id=municipality.pk,
        reason="De gemeente is gevraagd de regie te nemen.",
    )
    case.refresh_from_db()
    assert (case.regie_organisation, case.regie_reason) == (
        world.municipality,
        "De gemeente is gevraagd de regie te nemen.",
    )
    roles = dict(
        CaseParticipant.objects.active().filter(case=case).values_list("user__username", "role")
    )
    assert roles == {"coordinator": "handler", "director": "coordinator"}
    director = world.viewer("director")
    coordinator = world.viewer("coordinator")
    assert director.has_perm("cases.move_regie", obj=case)
    assert not coordinator.has_perm("cases.move_regie", obj=case)
    assert coordinator.has_perm("cases.link_report", obj=case)
    assert ObjectGrant.objects.filter(object_id=case.pk, revoked_at__isnull=False).count() == 2
    [entry] = [
        e
        for e in selectors.case_timeline(viewer=director, case_id=case.pk)
        if e.kind == "regie_moved"
    ]
    assert entry.text == (
        "From Woonstichting Test to Gemeente Test. "
        "Reason: De gemeente is gevraagd de regie te nemen."
    )


def test_the_coordinator_cannot_be_taken_off_and_others_leave_for_good(world):
    case = world.open_case()
    coordinator = CaseParticipant.objects.get(case=case)
    agent = world.add(case, "agent", world.police)
    with pytest.raises(ValidationError) as exc:
        services.case_participant_end(
            actor=world.viewer("coordinator"), case_id=case.pk, participant_id=coordinator.pk
        )
    assert exc.value.message_dict == {
        "participant": ["Move the regie to another participant first."]
    }
    services.case_participant_end(
        actor=world.viewer("coordinator"), case_id=case.pk, participant_id=agent.pk
    )
    assert list(Case.objects.visible_to(world.viewer("agent"))) == []


def test_a_restricted_subcase_is_invisible_to_the_parents_participants(world):
    case = world.open_case()
    world.add(case, "agent", world.police)
    open_sub = world.open_case(parent_id=case.pk, title="Portiek A")
    restricted = world.open_case(
        actor=world.viewer("colleague"),
        parent_id=case.pk,
        title="Onderzoek onderhuur",
        confidentiality=Confidentiality.RESTRICTED,
        unit_id=world.unit.pk,
    )
    agent = world.viewer("agent")
    assert set(Case.objects.visible_to(agent)) == {case, open_sub}
    assert selectors.case_subcases(viewer=agent, case=case) == [open_sub]
    assert agent.has_perm("cases.view_case", obj=open_sub)
    assert not agent.has_perm("cases.view_case", obj=restricted)
    colleague = world.viewer("colleague")
    assert list(Case.objects.visible_to(colleague)) == [restricted]
    assert not selectors.parent_visible(viewer=colleague, case=restricted)
    # The parent's timeline says nothing of the restricted sub-case.
    parent_events = CaseEvent.objects.filter(case=case).values_list("parameters", flat=True)
    assert {"subcase_id": restricted.pk} not in list(parent_events)
    assert {"subcase_id": open_sub.pk} in list(parent_events)


def test_a_subcase_needs_a_say_on_the_parent(world):
    case = world.open_case()
    with pytest.raises(ValidationError) as exc:
        world.open_case(actor=world.viewer("director"), parent_id=case.pk)
    assert exc.value.message_dict == {"parent": ["Choose a case on which you may add a sub-case."]}
    # A colleague of a participating organisation may add a restricted one only.
    with pytest.raises(ValidationError):
        world.open_case(actor=world.viewer("colleague"), parent_id=case.pk)


def test_linking_a_report_drives_its_status_and_leaves_the_reporter_behind(world):
    case = world.open_case()
    report = _report(world)
    link = services.case_report_link(
        actor=world.viewer("coordinator"), case_id=case.pk, report_id=report.pk, note="Berging."
    )
    report.refresh_from_db()
    assert report.status == "linked_to_case"
    assert list(report.status_changes.values_list("from_status", "to_status")) == [
        ("", "received"),
        ("received", "in_triage"),
        ("in_triage", "linked_to_case"),
    ]
    assert ReportEvent.objects.get(report=report, type="linked_to_case").parameters == {
        "case_id": case.pk
    }
    assert (link.case, link.report, link.linked_by_organisation) == (case, report, world.owner)
    [shown] = selectors.case_reports(viewer=world.viewer("coordinator"), case=case)
    assert "Ann" not in repr(shown.__dict__) and "ann@example.org" not in repr(shown.__dict__)
    audit = AuditEntry.objects.filter(
        object_type="reports.report", context_type="cases.case"
    ).last()
    assert (audit.object_ids, audit.context_id) == ([str(report.pk)], str(case.pk))
    # A second case may take the same report up; the status stays.
    second = world.open_case(title="Tweede aanpak")
    services.case_report_link(
        actor=world.viewer("coordinator"), case_id=second.pk, report_id=report.pk
    )
    assert CaseReport.objects.filter(report=report).count() == 2


def test_linking_refuses_in_words(world):
    case = world.open_case()
    report = _report(world)
    coordinator = world.viewer("coordinator")
    services.case_report_link(actor=coordinator, case_id=case.pk, report_id=report.pk)
    with pytest.raises(ValidationError) as exc:
        services.case_report_link(actor=coordinator, case_id=case.pk, report_id=report.pk)
    assert exc.value.message_dict == {"report": ["This report is already linked to the case."]}
    world.add(case, "agent", world.police, role="adviser")
    other = _report(world)
    with pytest.raises(PermissionDenied):
        services.case_report_link(actor=world.viewer("agent"), case_id=case.pk, report_id=other.pk)
    # The director (coordinator on their own case) is not intake of the report.
    theirs = world.open_case(actor=world.viewer("director"), title="Gemeente")
    with pytest.raises(ValidationError) as exc:
        services.case_report_link(
            actor=world.viewer("director"), case_id=theirs.pk, report_id=other.pk
        )
    assert exc.value.message_dict == {"report": ["Choose a report your organisation receives."]}
    with pytest.raises(ValidationError):
        services.case_report_link(actor=coordinator, case_id=case.pk, report_id="abc")


def test_the_system_sees_every_case(world):
    case = world.open_case()
    assert list(Case.objects.visible_to(system_viewer())) == [case]


# --- Task agreements ----------------------------------------------------------------------


def _table(world):
    case = world.open_case()
    world.add(case, "agent", world.police, role="handler")
    world.add(case, "director", world.municipality, role="handler")
    return case


def test_agreements_and_their_mismatches_in_words(world):
    case = _table(world)
    director, agent, coordinator = (world.viewer(n) for n in ("director", "agent", "coordinator"))
    patrol = services.agreement_record(
        actor=director,
        case_id=case.pk,
        topic="Surveillance trappenhuis",
        description="wekelijks in het trappenhuis surveilleren",
        organisation_id=world.police.pk,
    )
    assert (patrol.status, patrol.expected_by, patrol.organisation) == (
        "expected",
        world.municipality,
        world.police,
    )
    services.agreement_record(
        actor=coordinator, case_id=case.pk, topic="Bergingen", organisation_id=world.owner.pk
    )
    services.agreement_record(
        actor=director, case_id=case.pk, topic=" bergingen ", organisation_id=world.municipality.pk
    )
    services.agreement_record(actor=director, case_id=case.pk, topic="Jongerenwerk")
    found = selectors.case_mismatches(viewer=agent, case_id=case.pk)
    assert [(m.kind, m.text) for m in found] == [
        (
            "not_accepted",
            "Politie Test is expected to take on: wekelijks in het trappenhuis surveilleren. "
            "Politie Test has not accepted this.",
        ),
        (
            "claimed_twice",
            "Gemeente Test and Woonstichting Test have both taken on: Bergingen. "
            "Agree who does what.",
        ),
        ("nobody", "Nobody has taken on: Jongerenwerk."),
    ]
    # Only the police answer for the police; declining needs a reason.
    with pytest.raises(PermissionDenied):
        services.agreement_answer(
            actor=director, case_id=case.pk, agreement_id=patrol.pk, accept=True
        )
    with pytest.raises(ValidationError) as exc:
        services.agreement_answer(
            actor=agent, case_id=case.pk, agreement_id=patrol.pk, accept=False
        )
    assert exc.value.message_dict == {"note": ["Say why your organisation does not take this on."]}
    services.agreement_answer(
        actor=agent,
        case_id=case.pk,
        agreement_id=patrol.pk,
        accept=False,
        note="Geen capaciteit; wel twee keer per maand.",
    )
    [declined] = [
        m for m in selectors.case_mismatches(viewer=agent, case_id=case.pk) if m.kind == "declined"
    ]
    assert declined.text == (
        "Politie Test is expected to take on: wekelijks in het trappenhuis surveilleren. "
        "Politie Test has declined this. Their answer: Geen capaciteit; wel twee keer per maand."
    )
    services.agreement_answer(actor=agent, case_id=case.pk, agreement_id=patrol.pk, accept=True)
    kinds = [m.kind for m in selectors.case_mismatches(viewer=agent, case_id=case.pk)]
    assert kinds == ["claimed_twice", "nobody"]
    types = list(CaseEvent.objects.filter(case=case).values_list("type", flat=True))
    assert types.count("agreement_recorded") == 4 and types.count("agreement_answered") == 2


def test_agreements_refuse_bad_input(world):
    case = _table(world)
    director = world.viewer("director")
    with pytest.raises(ValidationError) as exc:
        services.agreement_record(actor=director, case_id=case.pk, topic="")
    assert exc.value.message_dict == {"topic": ["This field is required."]}
    with pytest.raises(ValidationError) as exc:
        services.agreement_record(
            actor=director, case_id=case.pk, topic="X", organisation_id=world.other.pk
        )
    assert exc.value.message_dict == {
        "organisation": ["Choose an organisation that takes part in the case."]
    }
    services.agreement_record(
        actor=director, case_id=case.pk, topic="X", organisation_id=world.police.pk
    )
    with pytest.raises(ValidationError) as exc:
        services.agreement_record(
            actor=director, case_id=case.pk, topic="x ", organisation_id=world.police.pk
        )
    assert exc.value.message_dict == {
        "topic": ["This topic is already recorded for this organisation."]
    }
    with pytest.raises(NotFound):
        services.agreement_record(actor=world.viewer("outsider"), case_id=case.pk, topic="Y")
    with pytest.raises(NotFound):
        services.agreement_answer(actor=director, case_id=case.pk, agreement_id=123456, accept=True)


# --- Shared actions -----------------------------------------------------------------------


def _action(world, case, days=7, **overrides):
    values = {
        "actor": world.viewer("coordinator"),
        "case_id": case.pk,
        "description": "Sloten vervangen",
        "owner_organisation_id": world.police.pk,
        "owner_id": world.users["agent"].pk,
        "due_date": timezone.localdate() + datetime.timedelta(days=days),
    }
    values.update(overrides)
    return services.action_create(**values)


def _change(world, action, name="agent", **overrides):
    values = {
        "actor": world.viewer(name),
        "case_id": action.case_id,
        "action_id": action.pk,
        "version": action.version,
        "description": action.description,
        "owner_organisation_id": action.owner_organisation_id,
        "owner_id": action.owner_id,
        "due_date": action.due_date,
        "status": action.status,
        "outcome": action.outcome,
    }
    values.update(overrides)
    return services.action_update(**values)


def test_an_action_with_a_past_due_date_is_allowed_and_overdue(world):
    case = _table(world)
    action = _action(world, case, days=-3)
    today = timezone.localdate()
    assert action.is_overdue(today)
    assert list(CaseAction.objects.overdue(today)) == [action]
    assert [
        a.pk for a in selectors.case_page(viewer=world.viewer("agent"), id=case.pk).overdue
    ] == [action.pk]
    _change(world, action, status="done", outcome="Gedaan.")
    assert list(CaseAction.objects.overdue(today)) == []


def test_actions_refuse_bad_input_and_strangers(world):
    case = _table(world)
    with pytest.raises(ValidationError) as exc:
        _action(world, case, description="")
    assert exc.value.message_dict == {"description": ["This field is required."]}
    with pytest.raises(ValidationError) as exc:
        _action(world, case, due_date="31-12-2026")
    assert exc.value.message_dict == {"due_date": ["Give a date, e.g. 2026-12-31."]}
    with pytest.raises(ValidationError) as exc:
        _action(world, case, owner_organisation_id=world.other.pk)
    assert exc.value.message_dict == {
        "owner_organisation": ["Choose an organisation that takes part in the case."]
    }
    with pytest.raises(ValidationError) as exc:
        _action(world, case, owner_id=world.users["director"].pk)
    assert exc.value.message_dict == {
        "owner": ["Choose a person named on the case for Politie Test."]
    }
    with pytest.raises(NotFound):
        _action(world, case, actor=world.viewer("outsider"))
    action = _action(world, case)
    with pytest.raises(ValidationError) as exc:
        _change(world, action, status="done")
    assert exc.value.message_dict == {"outcome": ["Say what came of it."]}
    with pytest.raises(ValidationError):
        _change(world, action, status="finished")


def test_a_second_editor_gets_a_conflict_and_no_update_is_lost(world):
    case = _table(world)
    action = _action(world, case)
    first = CaseAction.objects.get(pk=action.pk)
    second = CaseAction.objects.get(pk=action.pk)
    _change(world, first, name="agent", status="in_progress", outcome="Besteld.")
    with pytest.raises(services.EditConflict) as exc:
        _change(world, second, name="coordinator", description="Iets anders")
    assert exc.value.message == (
        "Someone else changed this action while you were editing it. Your change has not "
        "been saved: check the action as it is now, then make your change again."
    )
    assert exc.value.extra == {"current_version": 2}
    stored = CaseAction.objects.get(pk=action.pk)
    assert (stored.description, stored.status, stored.outcome, stored.version) == (
        "Sloten vervangen",
        "in_progress",
        "Besteld.",
        2,
    )


def test_reminders_go_once_before_and_once_after_the_due_date(
    world, django_capture_on_commit_callbacks
):
    case = _table(world)
    soon = _action(world, case, days=1, description="Binnenkort")
    late = _action(world, case, days=-1, description="Te laat")
    _action(world, case, days=10, description="Later")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.action_reminders_queue() == 2
    assert sorted((r.action_id, r.kind) for r in ActionReminder.objects.all()) == sorted(
        [(soon.pk, "before"), (late.pk, "after")]
    )
    with translation.override("nl"):  # the default language: no recipient language known
        day = date_format(soon.due_date, "DATE_FORMAT")
    assert sorted(m.subject for m in mail.outbox) == [
        "Actie over tijd in Aanpak De Toren",
        f"Actie voor {day} in Aanpak De Toren",
    ]
    assert all(m.to == ["agent@example.org"] for m in mail.outbox)
    # Again, and the task repeated (a restarted worker): nothing more goes out.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.action_reminders_queue() == 0
    assert [
        notifications.action_reminder_send(reminder_id=r.pk) for r in ActionReminder.objects.all()
    ] == [0, 0]
    assert len(mail.outbox) == 2
    # A new due date gets its own reminder.
    _change(world, soon, due_date=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.action_reminders_queue() == 1
    assert len(mail.outbox) == 3


def test_a_reminder_for_an_action_done_meanwhile_is_dropped(
    world, django_capture_on_commit_callbacks
):
    case = _table(world)
    action = _action(world, case, days=0)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.action_reminders_queue()
    _change(world, action, status="done", outcome="Klaar.")
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    assert ActionReminder.objects.get().sent_at is not None


# --- Meetings and decisions -------------------------------------------------------------


def _meeting(world, case, days=-1, held=True):
    return services.meeting_schedule(
        actor=world.viewer("coordinator"),
        case_id=case.pk,
        title="Casusoverleg",
        starts_at=timezone.now() + datetime.timedelta(days=days),
        held=held,
    )


def test_the_agenda_is_made_from_what_needs_the_table(world):
    case = _table(world)
    report = _report(world)
    services.case_report_link(
        actor=world.viewer("coordinator"), case_id=case.pk, report_id=report.pk
    )
    _action(world, case, days=-2, description="Sloten vervangen")
    services.agreement_record(
        actor=world.viewer("director"),
        case_id=case.pk,
        topic="Surveillance",
        description="wekelijks surveilleren",
        organisation_id=world.police.pk,
    )
    meeting = _meeting(world, case, days=3, held=False)
    titles = list(meeting.agenda.values_list("source", "title"))
    due = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    assert titles == [
        ("report", f"New report #{report.pk}: Category litter-test"),
        ("action", f"Overdue action of Politie Test (due {due}): Sloten vervangen"),
        (
            "mismatch",
            "Politie Test is expected to take on: wekelijks surveilleren. "
            "Politie Test has not accepted this.",
        ),
    ]
    services.agenda_item_add(
        actor=world.viewer("coordinator"), case_id=case.pk, meeting_id=meeting.pk, title="Rondvraag"
    )
    assert meeting.agenda.order_by("-position").first().title == "Rondvraag"
    # The next meeting only lists reports linked since this one.
    later = _meeting(world, case, days=20, held=False)
    assert [s for s, _t in later.agenda.values_list("source", "title")] == ["action", "mismatch"]
    with pytest.raises(PermissionDenied):
        services.agenda_item_add(
            actor=world.viewer("agent"), case_id=case.pk, meeting_id=meeting.pk, title="X"
        )


def test_a_meeting_in_the_past_needs_to_be_recorded_as_held(world):
    case = _table(world)
    with pytest.raises(ValidationError) as exc:
        _meeting(world, case, days=-1, held=False)
    assert exc.value.message_dict == {
        "starts_at": [
            "This moment has passed. To record a meeting that took place, "
            "say that it has been held."
        ]
    }
    with pytest.raises(ValidationError):
        _meeting(world, case, days=1, held=True)


def test_decisions_by_those_present_flagged_outside_their_mandate(world):
    case = _table(world)
    meeting = _meeting(world, case)
    coordinator = world.viewer("coordinator")
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            actor=coordinator,
            case_id=case.pk,
            meeting_id=meeting.pk,
            text="Camera's",
            decided_by_user_id=world.users["agent"].pk,
        )
    assert exc.value.message_dict == {
        "decided_by": ["Only someone present at the meeting decides: record who attended first."]
    }
    attendance = services.meeting_attendance_set(
        actor=coordinator,
        case_id=case.pk,
        meeting_id=meeting.pk,
        user_ids=[world.users["agent"].pk, world.users["director"].pk],
    )
    assert sorted((a.user.username, a.mandate_level) for a in attendance) == [
        ("agent", "operational"),
        ("director", "strategic"),
    ]
    within = services.decision_record(
        actor=coordinator,
        case_id=case.pk,
        meeting_id=meeting.pk,
        text="Budget",
        decided_by_user_id=world.users["director"].pk,
        level="strategic",
    )
    assert (within.outside_mandate, within.outside_reason) == (False, "")
    outside = services.decision_record(
        actor=coordinator,
        case_id=case.pk,
        meeting_id=meeting.pk,
        text="Camera's plaatsen",
        decided_by_user_id=world.users["agent"].pk,
        level="tactical",
        within_may_decide_on=False,
        action={
            "description": "Offerte opvragen",
            "owner_organisation_id": world.police.pk,
            "due_date": timezone.localdate(),
        },
    )
    assert outside.outside_mandate is True
    assert outside.outside_reason == (
        f"{world.users['agent'].get_full_name() or 'agent'} has a mandate at operational level; "
        "this decision is at tactical level. This lies outside what "
        f"{world.users['agent'].get_full_name() or 'agent'} may decide on (“nothing recorded”)."
    )
    [action] = outside.actions.all()
    assert (action.description, action.owner_organisation, action.case) == (
        "Offerte opvragen",
        world.police,
        case,
    )
    # Who decided stays on the attendance list.
    with pytest.raises(ValidationError):
        services.meeting_attendance_set(
            actor=coordinator, case_id=case.pk, meeting_id=meeting.pk, user_ids=[]
        )
    upcoming = _meeting(world, case, days=5, held=False)
    with pytest.raises(ValidationError) as exc:
        services.decision_record(
            actor=coordinator,
            case_id=case.pk,
            meeting_id=upcoming.pk,
            text="X",
            decided_by_user_id=world.users["agent"].pk,
        )
    assert exc.value.message_dict == {"text": ["The meeting has not started yet."]}


# --- Health and my work -----------------------------------------------------------------


def test_health_says_in_words_why_a_case_is_in_trouble(world):
    case = _table(world)
    page = selectors.case_page(viewer=world.viewer("agent"), id=case.pk)
    assert [w.text for w in page.health] == [
        "The partners have not met yet and no meeting is planned."
    ]
    long_ago = timezone.now() - datetime.timedelta(days=40)
    _action(world, case, days=-2, now=long_ago)
    services.agreement_record(actor=world.viewer("director"), case_id=case.pk, topic="Jongerenwerk")
    coordinator = world.viewer("coordinator")
    for days in (-30, -10):
        meeting = _meeting(world, case, days=days)
        services.meeting_attendance_set(
            actor=coordinator,
            case_id=case.pk,
            meeting_id=meeting.pk,
            user_ids=[world.users["coordinator"].pk, world.users["director"].pk],
        )
    services.decision_record(
        actor=coordinator,
        case_id=case.pk,
        meeting_id=meeting.pk,
        text="Besluit zonder actie",
        decided_by_user_id=world.users["director"].pk,
        level="operational",
    )
    page = selectors.case_page(viewer=world.viewer("agent"), id=case.pk)
    assert [w.text for w in page.health] == [
        "1 action is overdue.",
        "1 action has been waiting on Politie Test for more than 28 days.",
        "1 diverging expectation about tasks is unresolved.",
        "Politie Test was absent from the last 2 meetings.",
        "1 decision has no action to follow it up.",
    ]
    work = selectors.my_work(viewer=world.viewer("agent"))
    assert [a.description for a in work.actions] == ["Sloten vervangen"]
    assert [(r.case, len(r.warnings)) for r in work.cases] == [(case, 5)]
    assert selectors.my_work(viewer=world.viewer("outsider")).cases == []


# --- Phases --------------------------------------------------------------------------------


def test_the_phase_checklist_ticks_itself_where_the_data_proves_it(world):
    case = _table(world)
    coordinator = world.viewer("coordinator")
    items = selectors.case_checklist(viewer=coordinator, case_id=case.pk)
    assert [(i.item, i.done, i.automatic) for i in items] == [
        ("shared_analysis", False, False),
        ("partners_identified", True, True),
        ("lead_named", True, True),
        ("commitment_recorded", False, False),
    ]
    with pytest.raises(ValidationError) as exc:
        services.phase_item_tick(actor=coordinator, case_id=case.pk, item="lead_named", note="x")
    assert exc.value.message_dict == {"item": ["This item ticks itself when the case shows it."]}
    with pytest.raises(ValidationError) as exc:
        services.phase_move(actor=coordinator, case_id=case.pk, to_phase=2, note="Verder.")
    assert exc.value.message_dict == {
        "skip_reason": [
            "Not done yet in this phase: Shared analysis of the problem, Commitment of the "
            "partners recorded. Give a reason to move on anyway."
        ]
    }
    services.phase_item_tick(
        actor=coordinator, case_id=case.pk, item="shared_analysis", note="Gedaan."
    )
    with pytest.raises(PermissionDenied):
        services.phase_move(actor=world.viewer("agent"), case_id=case.pk, to_phase=2, note="x")
    services.phase_move(
        actor=coordinator, case_id=case.pk, to_phase=2, note="Verder.", skip_reason="Haast."
    )
    case.refresh_from_db()
    assert case.phase == 2
    [entry] = [
        e
        for e in selectors.case_timeline(viewer=coordinator, case_id=case.pk)
        if e.kind == "phase_moved"
    ]
    assert entry.text == (
        "From phase 1 to phase 2: Verder. Skipped: Commitment of the partners recorded. "
        "Reason: Haast."
    )


def test_the_case_page_reads_the_same_number_of_queries_however_much_is_on_it(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = _table(world)
    viewer = world.viewer("agent")

    def count():
        with CaptureQueriesContext(connection) as queries:
            selectors.case_page(viewer=viewer, id=case.pk)
        return len(queries)

    def more(n):
        for i in range(n):
            _action(world, case, days=i - 2, description=f"Actie {n}-{i}")
            services.agreement_record(
                actor=world.viewer("director"),
                case_id=case.pk,
                topic=f"Onderwerp {n}-{i}",
                organisation_id=world.police.pk,
            )
            meeting = _meeting(world, case, days=-(n * 10 + i + 1))
            services.meeting_attendance_set(
                actor=world.viewer("coordinator"),
                case_id=case.pk,
                meeting_id=meeting.pk,
                user_ids=[world.users["agent"].pk],
            )
            services.decision_record(
                actor=world.viewer("coordinator"),
                case_id=case.pk,
                meeting_id=meeting.pk,
                text=f"Besluit {n}-{i}",
                decided_by_user_id=world.users["agent"].pk,
                level="operational",
            )
            services.escalation_raise(
                actor=world.viewer("coordinator"),
                case_id=case.pk,
                level="strategic",
                question=f"Vraag {n}-{i}",
            )
            services.fragment_add(
                actor=world.viewer("director"),
                case_id=case.pk,
                kind="note",
                title=f"Notitie {n}-{i}",
                text="Tekst.",
                audience="organisations",
                organisation_ids=[world.police.pk],
            )

    more(2)  # two meetings held: every check of the health runs
    few = count()
    more(5)
    # 18: the viewer's organisations at the table come from the participants read, and
    # the escalations say in their own query whether each is addressed to the viewer.
    assert (few, count()) == (18, 18)
