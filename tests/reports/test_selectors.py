import pytest

from tests.reports.factories import pseudonym_label, submit
from wijkregie.core.access import system_viewer
from wijkregie.core.exceptions import NotFound
from wijkregie.core.models import AuditEntry
from wijkregie.reports import selectors, services
from wijkregie.reports.models import ContactMode, ReporterIdentity


def test_queue_shows_only_reports_the_organisation_receives(world):
    ours = submit(world).report
    theirs = submit(world).report
    intake = world.viewer("intake")
    services.report_status_change(actor=intake, report_id=theirs.pk, to_status="in_triage")
    services.report_forward(actor=intake, report_id=theirs.pk, to_organisation_id=world.police.pk)
    assert list(selectors.report_list(viewer=intake)) == [ours]
    assert list(selectors.report_list(viewer=world.viewer("police_intake"))) == [theirs]
    assert list(selectors.report_list(viewer=world.viewer("other_intake"))) == []
    assert list(selectors.report_list(viewer=world.viewer("staff"))) == []
    assert set(selectors.report_list(viewer=system_viewer())) == {ours, theirs}


def test_queue_filters(world):
    a = submit(world).report
    b = submit(world, category=world.urgent, channel="phone").report
    viewer = world.viewer("triage")
    assert list(selectors.report_list(viewer=viewer, filters={"category": world.urgent.pk})) == [b]
    assert list(selectors.report_list(viewer=viewer, filters={"channel": "web"})) == [a]
    assert list(selectors.report_list(viewer=viewer, filters={"status": "received"})) == [b, a]
    assert list(selectors.report_list(viewer=viewer, filters={"lateness": "late"})) == []
    assert list(selectors.report_list(viewer=viewer, filters={"building": world.building.pk})) == [
        b,
        a,
    ]
    assert list(selectors.report_list(viewer=viewer, filters={"status": "nonsense"})) == []
    assert list(selectors.report_list(viewer=viewer, filters={"building": "x"})) == []


@pytest.mark.parametrize("page_size", [10, 50])
def test_queue_query_count_does_not_depend_on_page_size(
    world, django_assert_num_queries, page_size
):
    for _ in range(60):
        submit(world, contact_mode=ContactMode.ANONYMOUS, reporter=None)
    viewer = world.viewer("intake")
    with django_assert_num_queries(2) as ctx:  # count + page, all joins in one query
        page = selectors.report_queue(viewer=viewer, page=1, page_size=page_size)
        rows = [(r.category.slug, r.building.name, r.receiving_organisation.name) for r in page]
    assert len(rows) == page_size
    assert all("reporteridentity" not in q["sql"] for q in ctx.captured_queries)


def test_report_get_same_answer_for_missing_and_forbidden(world):
    report = submit(world).report
    with pytest.raises(NotFound) as forbidden:
        selectors.report_get(viewer=world.viewer("police_intake"), id=report.pk)
    with pytest.raises(NotFound) as missing:
        selectors.report_get(viewer=world.viewer("intake"), id=report.pk + 1000)
    with pytest.raises(NotFound):
        selectors.report_get(viewer=world.viewer("intake"), id="abc")
    assert str(forbidden.value) == str(missing.value)


def test_identity_visible_only_to_current_intake_and_each_view_audited(world):
    report = submit(world).report
    identity = ReporterIdentity.objects.get(report_id=report.pk)
    intake = world.viewer("intake")
    first = selectors.reporter_identity_get(viewer=intake, report_id=report.pk)
    second = selectors.reporter_identity_get(viewer=intake, report_id=report.pk)
    assert (first.visible, first.name, first.email, first.phone, first.ip_address) == (
        True,
        "Ann Melder",
        "ann@example.org",
        "0611111111",
        "198.51.100.7",
    )
    assert second == first
    entries = list(AuditEntry.objects.filter(action="view").order_by("id"))
    assert len(entries) == 2
    assert entries[0].object_type == "reports.reporteridentity"
    assert entries[0].object_ids == [str(identity.pk)]
    assert entries[0].fields == ["email", "ip_address", "name", "phone"]
    assert entries[0].organisation_id == world.owner.pk
    assert entries[0].context_type == "reports.report"


def test_an_anonymous_reports_reporter_is_shown_without_an_identity_viewed_entry(world):
    report = submit(world, contact_mode=ContactMode.ANONYMOUS, reporter=None).report
    before = AuditEntry.objects.count()

    view = selectors.reporter_identity_get(viewer=world.viewer("intake"), report_id=report.pk)

    assert (view.visible, view.name, view.email, view.phone, view.ip_address) == (
        True,
        "",
        "",
        "",
        "",
    )
    assert AuditEntry.objects.count() == before  # nothing of the reporter was read


def test_identity_hidden_from_intake_without_identity_permission(world):
    report = submit(world).report
    view = selectors.reporter_identity_get(viewer=world.viewer("triage"), report_id=report.pk)
    assert (view.visible, view.name, view.email, view.hidden_reason) == (
        False,
        "",
        "",
        "not_allowed",
    )
    assert view.pseudonym == pseudonym_label(report, seen_by=world.owner)
    assert not AuditEntry.objects.filter(action="view").exists()


@pytest.mark.parametrize("name", ["staff", "police_intake", "other_intake"])
def test_identity_of_report_not_received_is_not_found(world, name):
    report = submit(world).report
    with pytest.raises(NotFound):
        selectors.reporter_identity_get(viewer=world.viewer(name), report_id=report.pk)


def test_identity_not_shown_to_superuser_viewer(world):
    report = submit(world).report
    view = selectors.reporter_identity_get(viewer=system_viewer(), report_id=report.pk)
    assert view.visible is False


def test_pseudonym_of_observation(world):
    report = services.report_log_observation(
        actor=world.viewer("intake"),
        organisation_id=world.owner.pk,
        building=world.building,
        category=world.category,
        description="Gezien.",
    )
    assert (
        selectors.reporter_pseudonym(report, viewer=world.viewer("intake"))
        == "Waarneming van een professional"
    )
    view = selectors.reporter_identity_get(viewer=world.viewer("intake"), report_id=report.pk)
    assert view.hidden_reason == "none"


def test_timeline_contains_status_changes_and_events(world):
    report = submit(world).report
    intake = world.viewer("intake")
    services.report_status_change(
        actor=intake, report_id=report.pk, to_status="in_triage", internal_note="kijken"
    )
    services.report_message_to_reporter(actor=intake, report_id=report.pk, body="Vraag?")
    entries = selectors.report_timeline(viewer=intake, report_id=report.pk)
    assert [(e.kind, e.title) for e in entries] == [
        ("status", "Ontvangen"),
        ("status", "In behandeling"),
        ("message_to_reporter", "Vraag aan de melder"),
    ]
    assert entries[1].internal_note == "kijken"


def test_public_status_never_contains_internal_notes(world):
    result = submit(world)
    intake = world.viewer("intake")
    services.report_status_change(
        actor=intake,
        report_id=result.report.pk,
        to_status="in_triage",
        internal_note="GEHEIM-intern",
        resident_text="We kijken ernaar.",
    )
    services.report_message_to_reporter(actor=intake, report_id=result.report.pk, body="Vraag?")
    found = services.report_passphrase_check(
        tracking_code=result.tracking_code, passphrase=result.passphrase
    )
    status = selectors.report_public_view(report=selectors.reporter_report_get(reporter=found))
    assert status.status == "in_triage"
    assert [h.text for h in status.history] == [
        "We hebben uw melding ontvangen. We kijken er snel naar.",
        "We kijken ernaar.",
    ]
    assert [m.body for m in status.messages] == ["Vraag?"]
    assert status.has_email is True
    assert "GEHEIM" not in repr(status)
    assert "Ann" not in repr(status)


def test_category_list_and_get(world):
    slugs = [c.slug for c in selectors.category_list()]
    assert slugs[:3] == ["crime-in-progress", "threats", "arson-fire-risk"]
    assert slugs[-1] == "contact"
    assert selectors.category_get(slug="contact").is_contact_request is True
    with pytest.raises(NotFound):
        selectors.category_get(slug="nope")


def test_allowed_transitions_respect_the_reopen_limit(world):
    report = submit(world).report
    intake = world.viewer("intake")
    assert selectors.report_allowed_transitions(report=report) == ["in_triage"]
    for status in ("in_triage", "resolved"):
        services.report_status_change(actor=intake, report_id=report.pk, to_status=status)
    report.refresh_from_db()
    assert selectors.report_allowed_transitions(report=report) == ["in_triage"]
    for status in ("in_triage", "resolved"):
        services.report_status_change(actor=intake, report_id=report.pk, to_status=status)
    report.refresh_from_db()
    assert selectors.report_allowed_transitions(report=report) == []
