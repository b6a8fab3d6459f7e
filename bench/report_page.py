"""The report page for intake (reports:detail) with 1,000,000 reports: server time and
query count.

In-process through Django's test Client (DEBUG off, production middleware), logged in as
an intake member (role `intake`: `reports.receive_reports` and
`reports.view_reporter_identity`, so each view of an identity writes its audit entry, as
in production) of the housing corporation that receives the most reports. `report_pages`
of its reports (seeded sample), and as many again that get a longer history first (the
generated reports hold a status history only): 20 messages each way, the most photos a
report takes, 20 category changes and 20 status changes, written straight into the
tables. Each is requested `page_rounds` times in a seeded shuffled order after one
warm-up round (fewer rounds, at least three, when `page_budget` seconds are used up).
The query count is captured for every report; it must be the same for the plain and the
long ones.
"""

import cProfile
import io
import pstats
import random
import time

from bench.common import MIN_ROUNDS, percentile

URL_NAME = "reports:detail"
LONG_MESSAGES = 20  # each way
LONG_EVENTS = 20


def _get(client, url):
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def _profile_top(client, url, limit=15) -> list[dict]:
    profiler = cProfile.Profile()
    profiler.enable()
    _get(client, url)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (filename, line, func), (_cc, _nc, tottime, cumtime, _callers) in stats.stats.items():
        rows.append((cumtime, tottime, f"{filename.split('site-packages/')[-1]}:{line}({func})"))
    rows.sort(reverse=True)
    return [
        {"cumtime_ms": round(c * 1000, 1), "tottime_ms": round(t * 1000, 1), "where": w}
        for c, t, w in rows[:limit]
    ]


def _lengthen(report_ids: list[int], organisation_id: int, user_id: int) -> None:
    """Messages, photos, category changes and status changes on these reports."""
    from datetime import timedelta

    from django.utils import timezone

    from wijkregie.reports.models import (
        MAX_PHOTOS_PER_REPORT,
        Category,
        MessageDirection,
        Report,
        ReportEvent,
        ReportEventType,
        ReportMessage,
        ReportPhoto,
        ReportStatusChange,
    )

    categories = list(Category.objects.values_list("slug", flat=True)[:2])
    now = timezone.now()
    messages, photos, events, changes = [], [], [], []
    for report in Report.objects.filter(pk__in=report_ids):
        at = report.created_at
        for i in range(LONG_MESSAGES):
            for direction in (MessageDirection.TO_REPORTER, MessageDirection.FROM_REPORTER):
                messages.append(
                    ReportMessage(
                        report=report,
                        direction=direction,
                        body=f"Bericht {i}: " + "tekst " * 30,
                        organisation_id=organisation_id,
                        created_at=at + timedelta(minutes=2 * i + 1),
                        read_by_intake_at=now,
                    )
                )
        for i in range(MAX_PHOTOS_PER_REPORT):
            photos.append(
                ReportPhoto(
                    report=report,
                    file=f"bench/photo-{report.pk}-{i}.jpg",
                    content_type="image/jpeg",
                    width=1600,
                    height=1200,
                    size=250_000,
                )
            )
        for i in range(LONG_EVENTS):
            events.append(
                ReportEvent(
                    report=report,
                    type=ReportEventType.CATEGORY_CHANGED,
                    parameters={"from": categories[i % 2], "to": categories[(i + 1) % 2]},
                    actor_id=user_id,
                    actor_label="bench",
                    organisation_id=organisation_id,
                    created_at=at + timedelta(minutes=3 * i + 2),
                )
            )
            changes.append(
                ReportStatusChange(
                    report=report,
                    from_status=report.status,
                    to_status=report.status,
                    internal_note="Notitie " * 10,
                    resident_text="We kijken ernaar.",
                    actor_id=user_id,
                    actor_label="bench",
                    organisation_id=organisation_id,
                    created_at=at + timedelta(minutes=3 * i + 3),
                )
            )
    ReportMessage.objects.bulk_create(messages)
    ReportPhoto.objects.bulk_create(photos)
    ReportEvent.objects.bulk_create(events)
    ReportStatusChange.objects.bulk_create(changes)


def run(world, scale, *, log=print) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from bench.users import user_with_role
    from wijkregie.reports.models import Report, ReporterIdentity, ReportMessage

    try:
        reverse(URL_NAME, args=[1])
    except NoReverseMatch:
        return {"status": "not measurable", "reason": f"no URL named {URL_NAME}"}
    per_org = dict(
        Report.objects.values("receiving_organisation_id")
        .annotate(n=Count("id"))
        .values_list("receiving_organisation_id", "n")
    )
    corp = max(world.corp_ids, key=lambda o: per_org.get(o, 0))
    user = user_with_role(corp, "intake")
    client = Client()
    client.force_login(user)

    rng = random.Random(world.seed + 5)
    ids = list(
        Report.objects.filter(receiving_organisation_id=corp)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sample = rng.sample(ids, min(len(ids), 2 * scale.page_buildings))
    plain, long = sample[: len(sample) // 2], sample[len(sample) // 2 :]
    already = set(
        ReportMessage.objects.filter(report_id__in=long).values_list("report_id", flat=True)
    )
    _lengthen([r for r in long if r not in already], corp, user.pk)
    targets = [(r, "plain") for r in plain] + [(r, "long") for r in long]
    for r, _kind in targets:  # warm-up: templates, translations, connection, caches
        _get(client, reverse(URL_NAME, args=[r]))

    times = {"plain": [], "long": []}
    cpu = {"plain": [], "long": []}
    began = time.monotonic()
    rounds = 0
    while rounds < scale.page_rounds and (
        rounds < MIN_ROUNDS or time.monotonic() - began < scale.page_budget
    ):
        rounds += 1
        order = targets[:]
        rng.shuffle(order)
        for r, kind in order:
            url = reverse(URL_NAME, args=[r])
            cpu_started = time.thread_time()
            started = time.perf_counter()
            _get(client, url)
            times[kind].append((time.perf_counter() - started) * 1000)
            cpu[kind].append((time.thread_time() - cpu_started) * 1000)

    # What a report holds besides its history decides a few statements: the audit entry when
    # a reporter's identity is shown, the assignee, the parent report, the professional who
    # logged it. Within one such state the count must not depend on the history.
    ids = [r for r, _kind in targets]
    shown = set(
        ReporterIdentity.objects.filter(report_id__in=ids)
        .exclude(name="", email="", phone="")
        .values_list("report_id", flat=True)
    )
    states = {
        pk: (pk in shown, assigned is not None, parent is not None, logged_by is not None)
        for pk, assigned, parent, logged_by in Report.objects.filter(pk__in=ids).values_list(
            "pk", "assigned_to_id", "duplicate_of_id", "created_by_membership_id"
        )
    }
    by_state: dict[tuple, set[int]] = {}
    counts = {"plain": set(), "long": set()}
    db_ms = {"plain": [], "long": []}
    slowest = []
    sample_sql = []
    for r, kind in targets:
        with CaptureQueriesContext(connection) as ctx:
            _get(client, reverse(URL_NAME, args=[r]))
        counts[kind].add(len(ctx.captured_queries))
        by_state.setdefault(states[r], set()).add(len(ctx.captured_queries))
        db_ms[kind].append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
        slowest.extend((float(q["time"]) * 1000, q["sql"][:200]) for q in ctx.captured_queries)
        if kind == "long" and not sample_sql:
            sample_sql = [q["sql"][:160] for q in ctx.captured_queries]
    slowest.sort(reverse=True)

    everything = times["plain"] + times["long"]
    all_cpu = cpu["plain"] + cpu["long"]

    def part(kind):
        return {
            "reports": len([t for t in targets if t[1] == kind]),
            "p50_ms": round(percentile(times[kind], 50), 1),
            "p95_ms": round(percentile(times[kind], 95), 1),
            "cpu_p50_ms": round(percentile(cpu[kind], 50), 1),
            "queries": sorted(counts[kind]),
            "db_ms_median": round(sorted(db_ms[kind])[len(db_ms[kind]) // 2], 2),
        }

    result = {
        "status": "ok",
        "organisation_id": corp,
        "reports_received": per_org.get(corp, 0),
        "requests": len(everything),
        "rounds": rounds,
        "p50_ms": round(percentile(everything, 50), 1),
        "p95_ms": round(percentile(everything, 95), 1),
        "max_ms": round(max(everything), 1),
        "cpu_p50_ms": round(percentile(all_cpu, 50), 1),
        "cpu_p95_ms": round(percentile(all_cpu, 95), 1),
        "plain": part("plain"),
        "long": part("long"),
        "long_report": {
            "messages": 2 * LONG_MESSAGES,
            "category_changes": LONG_EVENTS,
            "status_changes": LONG_EVENTS,
        },
        "query_count_constant": all(len(c) == 1 for c in by_state.values()),
        "queries_by_state": {
            "identity shown {}, assigned {}, duplicate {}, logged by staff {}".format(*k): sorted(v)
            for k, v in sorted(by_state.items())
        },
        "target_p95_ms": 150,
        "slowest_queries": [{"ms": round(ms, 1), "sql": sql} for ms, sql in slowest[:5]],
        "sample_queries": sample_sql,
        "profile_long_top": _profile_top(client, reverse(URL_NAME, args=[long[0]])),
    }
    log(
        f"  report page: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms "
        f"(plain p95 {result['plain']['p95_ms']}, long p95 {result['long']['p95_ms']}); "
        f"queries {sorted(counts['plain'])} / {sorted(counts['long'])}"
    )
    return result
