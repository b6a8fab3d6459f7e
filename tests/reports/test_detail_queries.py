"""The report page reads a fixed number of queries, whatever the report holds."""

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from PIL import Image

from tests.reports.factories import reporter_of, submit
from wijkregie.reports import services
from wijkregie.reports.models import Category, ReportMessage
from wijkregie.reports.photos import sanitise_photo


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def _grow(world, result, n):
    """n more of everything: messages both ways, photos, status changes, other events."""
    intake = world.viewer("intake")
    reporter = reporter_of(result)
    report = result.report
    services.report_status_change(actor=intake, report_id=report.pk, to_status="in_triage")
    categories = [Category.objects.get(slug="vandalism"), world.category]
    for i in range(n):
        services.report_message_to_reporter(actor=intake, report_id=report.pk, body=f"Vraag {i}")
        services.report_message_from_reporter(actor=reporter, report=report, body=f"Antwoord {i}")
        services.report_photo_add(actor=reporter, report=report, photo=sanitise_photo(_png()))
        services.report_category_change(
            actor=intake, report_id=report.pk, category_id=categories[i % 2].pk
        )


def _queries(client, report):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("reports:detail", args=[report.pk]))
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_report_page_query_count_does_not_grow_with_the_report(world, login):
    small = submit(world)
    large = submit(world)
    _grow(world, small, 1)
    _grow(world, large, 5)  # five photos: the most a report takes
    client = login(world.users["intake"])
    _queries(client, small.report)  # the reporter's messages read, the process memo warm
    _queries(client, large.report)

    few = _queries(client, small.report)
    many = _queries(client, large.report)

    assert len(many) == len(few)
    body = client.get(reverse("reports:detail", args=[large.report.pk])).content.decode()
    assert body.count("wr-thread__item--") == 10
    assert body.count("Antwoord 4") == 1


def test_report_page_reads_the_report_once_and_writes_only_the_audit_entry(world, login):
    result = submit(world)
    _grow(world, result, 2)
    client = login(world.users["intake"])
    _queries(client, result.report)

    queries = _queries(client, result.report)

    report_reads = [
        q
        for q in queries
        if q.startswith('SELECT "reports_report"."id"')
        and 'WHERE "reports_report"."id" = ' in q  # not its duplicates
    ]
    writes = [
        " ".join(q.split()[: 3 if q.startswith("INSERT") else 2])
        for q in queries
        if q.startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert len(report_reads) == 1
    assert writes == ['INSERT INTO "core_auditentry"']


def test_report_page_marks_the_shown_unread_messages_read(world, login):
    result = submit(world)
    reporter = reporter_of(result)
    services.report_message_from_reporter(actor=reporter, report=result.report, body="Eerste")
    client = login(world.users["intake"])

    client.get(reverse("reports:detail", args=[result.report.pk]))
    services.report_message_from_reporter(actor=reporter, report=result.report, body="Tweede")

    read = dict(ReportMessage.objects.values_list("body", "read_by_intake_at"))
    assert read["Eerste"] is not None and read["Tweede"] is None
    client.get(reverse("reports:detail", args=[result.report.pk]))
    assert ReportMessage.objects.filter(read_by_intake_at__isnull=True).count() == 0
