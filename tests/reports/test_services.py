import datetime
import re

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection

import pytest
from django_tasks import default_task_backend

from tests.places.factories import BuildingFactory, NeighbourhoodFactory, UnitFactory
from tests.reports.factories import (
    CategoryFactory,
    RoutingRuleFactory,
    pseudonym_label,
    reporter_of,
    submit,
)
from wijkregie.core.access import ANONYMOUS, system_viewer
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wijkregie.core.models import AuditEntry
from wijkregie.reports import services
from wijkregie.reports.models import (
    Channel,
    ContactMode,
    Lateness,
    LocationKind,
    Report,
    ReporterIdentity,
    ReportEvent,
    ReportIdempotencyKey,
    ReportMessage,
    ReportPhoto,
    ReportStatusChange,
)
from wijkregie.reports.passphrases import (
    FollowUpRefused,
    FollowUpThrottled,
    passphrase_matches,
)
from wijkregie.reports.photos import SanitisedPhoto, sanitise_photo
from wijkregie.reports.selectors import reporter_identity_get
from wijkregie.reports.workflows import ReportStatus

TZ = datetime.UTC


def _png(width=4, height=3) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def dummy_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend


# --- submission ---------------------------------------------------------------------------


def test_report_submit_stores_report_identity_status_and_audit(world):
    result = submit(
        world, reporter={"name": "Ann", "email": "Ann@Example.org", "ip": "198.51.100.7"}
    )
    report = result.report
    assert result.created is True
    assert result.tracking_code == report.tracking_code
    assert len(report.tracking_code) == 10
    assert report.receiving_organisation == world.owner
    assert report.status == ReportStatus.RECEIVED
    assert len(report.reporter_seed) == 64
    identity = ReporterIdentity.objects.get(report_id=report.pk)
    assert identity.name == "Ann"
    assert identity.email == "Ann@Example.org"
    assert identity.ip_address == "198.51.100.7"
    assert identity.visible_to_organisation == world.owner
    assert passphrase_matches(result.passphrase, identity.passphrase_hash)
    assert list(
        ReportStatusChange.objects.filter(report=report).values_list("to_status", flat=True)
    ) == ["received"]
    audit = AuditEntry.objects.get(object_type="reports.reporteridentity")
    assert audit.action == "create"
    assert audit.object_ids == [str(identity.pk)]
    assert audit.fields == ["email", "ip_address", "name", "passphrase_hash"]
    assert "Ann" not in str(audit.__dict__)


def test_report_submit_anonymous_keeps_no_contact_data(world):
    result = submit(
        world,
        contact_mode=ContactMode.ANONYMOUS,
        reporter={
            "name": "X",
            "email": "x@example.org",
            "phone": "0612345678",
            "ip": "203.0.113.1",
        },
    )
    identity = ReporterIdentity.objects.get(report_id=result.report.pk)
    assert (identity.name, identity.email, identity.phone, identity.ip_address) == (
        "",
        "",
        "",
        None,
    )
    assert identity.reporter_key == ""
    assert result.passphrase and len(result.passphrase) == 14


def test_report_submit_same_idempotency_key_twice_gives_one_report(world):
    first = submit(world, idempotency_key="key-1")
    second = submit(world, idempotency_key="key-1", description="anders")
    assert second.report.pk == first.report.pk
    assert second.created is False
    assert second.passphrase is None
    assert Report.objects.count() == 1
    assert ReportIdempotencyKey.objects.count() == 1
    assert ReporterIdentity.objects.count() == 1


def test_report_submit_urgent_category_enqueues_one_intake_email_task(
    world, dummy_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(world, category=world.urgent)
    assert [r.task.name for r in dummy_tasks.results] == ["report_urgent_notify_intake"]


def test_report_submit_non_urgent_enqueues_nothing(
    world, dummy_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(world)
    assert dummy_tasks.results == []


def test_report_submit_rejects_unit_of_another_building(world):
    unit = UnitFactory(building=BuildingFactory(owner=world.owner))
    with pytest.raises(ValidationError) as exc:
        submit(world, location_kind=LocationKind.OTHER_UNIT, unit=unit, common_area=None)
    assert exc.value.message_dict == {"unit": ["Deze woning hoort niet bij dit gebouw."]}
    assert Report.objects.count() == 0


def test_report_submit_rejects_too_long_description(world):
    with pytest.raises(ValidationError) as exc:
        submit(world, description="x" * 1_000_000)
    assert list(exc.value.message_dict) == ["description"]
    assert Report.objects.count() == 0


def test_report_submit_shielded_needs_email_or_phone(world):
    with pytest.raises(ValidationError) as exc:
        submit(world, reporter={"name": "Ann"})
    assert list(exc.value.message_dict) == ["email"]


def test_report_submit_stores_photos(world):
    result = submit(world, photos=[sanitise_photo(_png(40, 30))])
    photo = ReportPhoto.objects.get(report=result.report)
    # Re-encoded from its pixels by the sanitiser: an opaque PNG becomes a JPEG.
    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 40, 30)
    assert photo.file.name.endswith(".jpg")
    assert default_storage.exists(photo.file.name)
    assert photo.file.name.startswith("reports/photos/")


def test_report_submit_takes_the_reporter_details_only_typed(world):
    with pytest.raises(TypeError):
        services.report_submit(
            actor=ANONYMOUS,
            building=world.building,
            category=world.category,
            description="Afval.",
            contact_mode=ContactMode.SHIELDED,
            reporter={"email": "a@example.org"},
        )
    assert Report.objects.count() == 0


def test_report_submit_takes_only_sanitised_photos(world):
    """No caller (API, chat, letters) can store a photo that skipped the stripping."""
    with pytest.raises(TypeError):
        submit(world, photos=[_png()])
    with pytest.raises(TypeError):
        SanitisedPhoto(content=_png(), content_type="image/png", width=20, height=10)
    assert Report.objects.count() == 0


def test_report_photo_add_takes_only_sanitised_photos(world):
    result = submit(world)
    report, reporter = result.report, reporter_of(result)
    with pytest.raises(TypeError):
        services.report_photo_add(actor=reporter, report=report, photo=_png())
    services.report_photo_add(actor=reporter, report=report, photo=sanitise_photo(_png()))
    assert ReportPhoto.objects.filter(report=report).count() == 1


def test_pseudonym_is_stable_per_reporter_per_building(world):
    a1 = submit(world, reporter={"email": "a@example.org"}).report
    b = submit(world, reporter={"phone": "+31 6 2222 2222"}).report
    a2 = submit(world, reporter={"email": " A@example.org "}).report
    b2 = submit(world, reporter={"phone": "06-22222222"}).report
    anon = submit(world, contact_mode=ContactMode.ANONYMOUS, reporter=None).report
    other_building = submit(
        world,
        building=BuildingFactory(owner=world.owner),
        location_kind="not_applicable",
        common_area=None,
        reporter={"email": "a@example.org"},
    ).report
    labels = [pseudonym_label(r, seen_by=world.owner) for r in (a1, b, a2, b2, anon)]
    assert labels[0] == labels[2] and labels[1] == labels[3]
    assert len(set(labels)) == 3
    assert all(
        re.fullmatch(r"Melder [0-9A-HJKMNP-TV-Z]{3}-[0-9A-HJKMNP-TV-Z]{3} van dit gebouw", x)
        for x in labels
    )
    assert other_building.reporter_seed not in {a1.reporter_seed, b.reporter_seed}
    # Another organisation looking at the same reports sees other codes.
    assert pseudonym_label(a1, seen_by=world.police) != labels[0]


def test_due_date_counts_working_days(world):
    friday = datetime.datetime(2026, 3, 6, 10, 0, tzinfo=TZ)
    report = submit(world, now=friday).report  # litter: 5 working days
    assert report.due_at == datetime.datetime(2026, 3, 13, 10, 0, tzinfo=TZ)
    assert report.very_late_at == datetime.datetime(2026, 3, 27, 10, 0, tzinfo=TZ)


# --- routing ----------------------------------------------------------------------------------


def test_routing_building_rule_beats_neighbourhood_rule_beats_default(world):
    nbh = NeighbourhoodFactory()
    world.building.neighbourhood = nbh
    world.building.save()
    category = CategoryFactory(default_organisation=world.enforcement)
    assert services.report_route(category=category, building=world.building) == world.enforcement.pk
    RoutingRuleFactory(
        category=category, building=None, neighbourhood=nbh, organisation=world.other
    )
    assert services.report_route(category=category, building=world.building) == world.other.pk
    RoutingRuleFactory(category=category, building=world.building, organisation=world.police)
    assert services.report_route(category=category, building=world.building) == world.police.pk


def test_routing_falls_back_to_owner(world):
    assert services.report_route(category=world.category, building=world.building) == world.owner.pk


def test_routing_uses_parent_category_rules(world):
    parent = CategoryFactory()
    child = CategoryFactory(parent=parent)
    RoutingRuleFactory(category=parent, building=world.building, organisation=world.police)
    assert services.report_route(category=child, building=world.building) == world.police.pk


# --- triage ---------------------------------------------------------------------------------


def test_status_change_writes_history_and_closes(world):
    report = submit(world).report
    intake = world.viewer("intake")
    services.report_status_change(actor=intake, report_id=report.pk, to_status="in_triage")
    services.report_status_change(
        actor=intake, report_id=report.pk, to_status="resolved", internal_note="intern"
    )
    report.refresh_from_db()
    assert report.status == "resolved"
    assert report.closed_at is not None
    rows = list(
        ReportStatusChange.objects.filter(report=report).values_list("from_status", "to_status")
    )
    assert rows == [("", "received"), ("received", "in_triage"), ("in_triage", "resolved")]


def test_forged_transition_is_refused_and_changes_nothing(world):
    report = submit(world).report
    with pytest.raises(ApplicationError) as exc:
        services.report_status_change(
            actor=world.viewer("intake"), report_id=report.pk, to_status="resolved"
        )
    assert exc.value.message == "Een melding kan niet van ‘Ontvangen’ naar ‘Opgelost’."
    report.refresh_from_db()
    assert report.status == "received"
    assert ReportStatusChange.objects.filter(report=report).count() == 1


def test_reject_requires_reason(world):
    report = submit(world).report
    intake = world.viewer("intake")
    services.report_status_change(actor=intake, report_id=report.pk, to_status="in_triage")
    with pytest.raises(ValidationError) as exc:
        services.report_status_change(actor=intake, report_id=report.pk, to_status="rejected")
    assert list(exc.value.message_dict) == ["reason"]
    services.report_status_change(
        actor=intake, report_id=report.pk, to_status="rejected", reason="Dubbele melding."
    )
    assert ReportStatusChange.objects.get(to_status="rejected").reason == "Dubbele melding."


def test_reopen_is_allowed_once(world):
    report = submit(world).report
    intake = world.viewer("intake")
    for status in ("in_triage", "resolved", "in_triage", "resolved"):
        services.report_status_change(actor=intake, report_id=report.pk, to_status=status)
    with pytest.raises(ApplicationError):
        services.report_status_change(actor=intake, report_id=report.pk, to_status="in_triage")
    report.refresh_from_db()
    assert (report.status, report.reopen_count) == ("resolved", 1)


@pytest.mark.parametrize("name", ["staff", "police_intake", "other_intake"])
def test_status_change_by_non_intake_is_not_found(world, name):
    report = submit(world).report
    with pytest.raises(NotFound):
        services.report_status_change(
            actor=world.viewer(name), report_id=report.pk, to_status="in_triage"
        )
    report.refresh_from_db()
    assert report.status == "received"


def test_status_change_emails_task_only_when_reporter_left_address(
    world, dummy_tasks, django_capture_on_commit_callbacks
):
    with_email = submit(world).report
    without = submit(world, reporter={"phone": "0612345678"}).report
    intake = world.viewer("intake")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_status_change(actor=intake, report_id=with_email.pk, to_status="in_triage")
        services.report_status_change(actor=intake, report_id=without.pk, to_status="in_triage")
    assert [r.task.name for r in dummy_tasks.results] == ["report_status_notify_reporter"]


def test_forward_without_consent_hides_identity_from_new_intake(world):
    report = submit(world).report
    intake = world.viewer("intake")
    services.report_status_change(actor=intake, report_id=report.pk, to_status="in_triage")
    services.report_forward(actor=intake, report_id=report.pk, to_organisation_id=world.police.pk)
    report.refresh_from_db()
    assert (report.status, report.receiving_organisation_id) == ("forwarded", world.police.pk)
    view = reporter_identity_get(viewer=world.viewer("police_intake"), report_id=report.pk)
    assert view.visible is False
    assert view.hidden_reason == "not_forwarded"
    assert view.name == "" and view.email == ""
    # A pseudonym of the police's own, unrelated to the one the corporation saw.
    assert view.pseudonym == pseudonym_label(report, seen_by=world.police, holder=world.owner)
    assert view.pseudonym != pseudonym_label(report, seen_by=world.owner)
    assert view.pseudonym != pseudonym_label(report, seen_by=world.police)
    with pytest.raises(NotFound):
        reporter_identity_get(viewer=intake, report_id=report.pk)


def test_forward_with_consent_moves_identity(world):
    report = submit(world, contact_mode=ContactMode.OPEN).report
    intake = world.viewer("intake")
    services.report_status_change(actor=intake, report_id=report.pk, to_status="in_triage")
    services.report_forward(actor=intake, report_id=report.pk, to_organisation_id=world.police.pk)
    view = reporter_identity_get(viewer=world.viewer("police_intake"), report_id=report.pk)
    assert (view.visible, view.name) == (True, "Ann Melder")
    assert ReportEvent.objects.get(type="forwarded").parameters["identity_forwarded"] is True


def test_forward_from_received_is_refused(world):
    report = submit(world).report
    with pytest.raises(ApplicationError):
        services.report_forward(
            actor=world.viewer("intake"), report_id=report.pk, to_organisation_id=world.police.pk
        )
    report.refresh_from_db()
    assert report.receiving_organisation_id == world.owner.pk


def test_category_change_recomputes_due_date(world):
    now = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # Monday
    report = submit(world, now=now).report
    services.report_category_change(
        actor=world.viewer("intake"), report_id=report.pk, category_id=world.urgent.pk, now=now
    )
    report.refresh_from_db()
    assert report.category == world.urgent
    assert report.due_at == datetime.datetime(2026, 3, 3, 9, 0, tzinfo=TZ)
    assert ReportEvent.objects.get(type="category_changed").parameters == {
        "old": "litter",
        "new": "threats",
    }


# --- lateness ----------------------------------------------------------------------------------


def test_lateness_refresh_marks_late_and_very_late(world):
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # Monday; due Mon 9th, very late 23rd
    open_report = submit(world, now=start).report
    closed = submit(world, now=start).report
    intake = world.viewer("intake")
    services.report_status_change(
        actor=intake, report_id=closed.pk, to_status="in_triage", now=start
    )
    services.report_status_change(
        actor=intake, report_id=closed.pk, to_status="resolved", now=start
    )
    assert services.report_lateness_refresh(now=datetime.datetime(2026, 3, 9, 8, 0, tzinfo=TZ)) == 0
    assert (
        services.report_lateness_refresh(now=datetime.datetime(2026, 3, 9, 10, 0, tzinfo=TZ)) == 1
    )
    open_report.refresh_from_db()
    assert open_report.lateness == Lateness.LATE
    assert services.report_lateness_refresh(now=datetime.datetime(2026, 3, 24, tzinfo=TZ)) == 1
    open_report.refresh_from_db()
    closed.refresh_from_db()
    assert (open_report.lateness, closed.lateness) == (Lateness.VERY_LATE, Lateness.ON_TIME)


# --- the thread --------------------------------------------------------------------------------


def test_message_to_and_from_reporter(world, dummy_tasks, django_capture_on_commit_callbacks):
    result = submit(world)
    report = result.report
    with django_capture_on_commit_callbacks(execute=True):
        message = services.report_message_to_reporter(
            actor=world.viewer("intake"), report_id=report.pk, body="Welke verdieping?"
        )
    assert message.direction == "to_reporter"
    assert [r.task.name for r in dummy_tasks.results] == ["report_message_notify_reporter"]
    answer = services.report_message_from_reporter(
        actor=reporter_of(result), report=report, body="De derde."
    )
    assert answer.read_by_intake_at is None
    assert list(ReportMessage.objects.values_list("body", flat=True)) == [
        "Welke verdieping?",
        "De derde.",
    ]


def test_message_to_reporter_of_observation_is_refused(world):
    report = services.report_log_observation(
        actor=system_viewer(),
        organisation_id=world.owner.pk,
        building=world.building,
        category=world.category,
        description="Gezien bij de deur.",
        channel=Channel.DOOR,
    )
    with pytest.raises(ApplicationError):
        services.report_message_to_reporter(
            actor=world.viewer("intake"), report_id=report.pk, body="Vraag"
        )


# --- observations -------------------------------------------------------------------------------


def test_log_observation_by_partner_professional(world):
    report = services.report_log_observation(
        actor=world.viewer("police_intake"),
        organisation_id=world.police.pk,
        building=world.building,
        category=world.category,
        description="Bij de avond gehoord.",
        channel=Channel.EVENING,
    )
    assert report.channel == "evening"
    assert report.created_by_membership.organisation == world.police
    assert report.reporter_seed == ""
    assert not ReporterIdentity.objects.filter(report_id=report.pk).exists()


def test_log_observation_by_unrelated_organisation_is_refused(world):
    with pytest.raises(PermissionDenied):
        services.report_log_observation(
            actor=world.viewer("other_intake"),
            organisation_id=world.other.pk,
            building=world.building,
            category=world.category,
            description="x",
        )
    assert Report.objects.count() == 0


# --- passphrase ---------------------------------------------------------------------------------


def test_passphrase_check_accepts_right_passphrase_in_any_case(world):
    result = submit(world)
    found = services.report_passphrase_check(
        tracking_code=result.tracking_code.lower(), passphrase=result.passphrase.lower()
    )
    assert (found.subject_type, found.subject_id) == ("reports.report", result.report.pk)
    assert found.is_for(result.report)


def test_passphrase_check_same_answer_for_missing_code_and_wrong_passphrase(world):
    result = submit(world)
    with pytest.raises(FollowUpRefused) as wrong:
        services.report_passphrase_check(tracking_code=result.tracking_code, passphrase="nope")
    with pytest.raises(FollowUpRefused) as missing:
        services.report_passphrase_check(tracking_code="ZZZZZZZZZZ", passphrase=result.passphrase)
    assert wrong.value.message == missing.value.message


def test_passphrase_check_slows_down_the_address_after_five_failures(world):
    from django.core.cache import cache

    cache.clear()
    result = submit(world)
    for _ in range(5):
        with pytest.raises(FollowUpRefused):
            services.report_passphrase_check(
                tracking_code=result.tracking_code, passphrase="wrong", ip="203.0.113.9"
            )
    with pytest.raises(FollowUpThrottled) as exc:
        services.report_passphrase_check(
            tracking_code=result.tracking_code, passphrase=result.passphrase, ip="203.0.113.9"
        )
    assert "15 minuten" in exc.value.message
    owner = services.report_passphrase_check(  # the owner elsewhere is not locked out
        tracking_code=result.tracking_code, passphrase=result.passphrase, ip="198.51.100.1"
    )
    assert (owner.subject_type, owner.subject_id) == ("reports.report", result.report.pk)
    other = submit(world)
    with pytest.raises(FollowUpThrottled):  # the address is blocked too
        services.report_passphrase_check(
            tracking_code=other.tracking_code, passphrase=other.passphrase, ip="203.0.113.9"
        )
    cache.clear()


# --- retention ----------------------------------------------------------------------------------


def test_contact_erased_a_year_after_closing(world):
    closed_at = datetime.datetime(2025, 1, 10, 12, 0, tzinfo=TZ)
    report = submit(world, now=closed_at).report
    intake = world.viewer("intake")
    services.report_status_change(
        actor=intake, report_id=report.pk, to_status="in_triage", now=closed_at
    )
    services.report_status_change(
        actor=intake, report_id=report.pk, to_status="resolved", now=closed_at
    )
    assert services.reporter_contact_erase_due(closed_at + datetime.timedelta(days=364)) == 0
    assert services.reporter_contact_erase_due(closed_at + datetime.timedelta(days=366)) == 1
    identity = ReporterIdentity.objects.get(report_id=report.pk)
    assert (identity.name, identity.email, identity.phone, identity.ip_address) == (
        "",
        "",
        "",
        None,
    )
    assert identity.passphrase_hash != ""
    entry = AuditEntry.objects.filter(action="erase").get()
    assert entry.object_ids == [str(identity.pk)]
    assert services.reporter_contact_erase_due(closed_at + datetime.timedelta(days=400)) == 0


def test_contact_retention_is_configurable(world, settings):
    settings.WIJKREGIE_REPORTER_CONTACT_RETENTION_DAYS = 30
    at = datetime.datetime(2025, 1, 10, tzinfo=TZ)
    report = submit(world, now=at).report
    intake = world.viewer("intake")
    services.report_status_change(actor=intake, report_id=report.pk, to_status="in_triage", now=at)
    services.report_status_change(actor=intake, report_id=report.pk, to_status="resolved", now=at)
    assert services.reporter_contact_erase_due(at + datetime.timedelta(days=31)) == 1


def test_report_retention_purge_deletes_old_closed_reports_and_photos(
    world, django_capture_on_commit_callbacks
):
    at = datetime.datetime(2020, 1, 6, tzinfo=TZ)
    old = submit(world, now=at, photos=[sanitise_photo(_png())]).report
    name = ReportPhoto.objects.get(report=old).file.name
    young = submit(world, now=at).report
    intake = world.viewer("intake")
    for status in ("in_triage", "resolved"):
        services.report_status_change(actor=intake, report_id=old.pk, to_status=status, now=at)
    litter_days = world.category.retention_days
    assert services.report_retention_purge(now=at + datetime.timedelta(days=litter_days - 1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        purged = services.report_retention_purge(now=at + datetime.timedelta(days=litter_days + 1))
    assert purged == 1
    assert list(Report.objects.values_list("pk", flat=True)) == [young.pk]
    assert not ReporterIdentity.objects.filter(report_id=old.pk).exists()
    assert not default_storage.exists(name)


def test_contact_update_on_anonymous_report_makes_it_shielded(world):
    result = submit(world, contact_mode=ContactMode.ANONYMOUS, reporter=None)
    report = result.report
    services.reporter_contact_update(
        actor=reporter_of(result), report=report, email="later@example.org"
    )
    report.refresh_from_db()
    assert report.contact_mode == ContactMode.SHIELDED
    assert ReporterIdentity.objects.get(report_id=report.pk).email == "later@example.org"


def test_anonymous_actor_constant_is_anonymous():
    assert ANONYMOUS.is_anonymous


def test_report_submit_is_one_transaction_of_a_handful_of_statements(
    world, django_assert_max_num_queries
):
    submit(world, reporter={"email": "warm@example.org"})
    with django_assert_max_num_queries(20) as ctx:
        submit(world, reporter={"email": "new@example.org"}, idempotency_key="k-queries")
    sql = [
        q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    # No lookups: categories and routing rules are kept per process (the first submission
    # loaded them), the key is simply inserted, the pseudonym needs no query.
    rows = [
        "reports_report",
        "reports_reportidempotencykey",
        "reports_reportstatuschange",
        "reports_reporteridentity",
        "core_auditentry",  # one plain INSERT: no lock, no head (ADR 0009)
    ]
    if connection.vendor == "postgresql":
        # The ids first, then every row in one statement (core.db).
        assert len(sql) == 2
        assert sql[0].startswith("SELECT nextval(")
        assert sql[0].count("nextval(") == 3  # the report, the identity, the audit entry
        assert sql[1].startswith("WITH w0 AS (INSERT INTO")
        assert re.findall(r'INSERT INTO "(\w+)"', sql[1]) == rows
    else:
        assert [(q.split()[0], q.split('"')[1]) for q in sql] == [("INSERT", t) for t in rows]
