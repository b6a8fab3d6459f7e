"""The intake queue with 1,000,000 reports: server time and query count.

In-process through Django's test Client (DEBUG off, production middleware), logged in as
an intake member (`reports.receive_reports`) of two receivers: the housing corporation
that receives the most reports (~4% of all) and the police, which receives the
criminal categories of every neighbourhood (~19%) and is a partner of about a quarter of
the buildings. Both the queue page (reports:queue) and the API (reports_api:report_list)
are requested for a set of realistic views (the default newest-first page at 25 and 100
per page, a later page, filters on status, lateness, category and building), each
`queue_rounds` times after one warm-up (fewer, at least three, when `queue_budget`
seconds are used up). The query count of every view is captured once;
it must not depend on the page size.
"""

import random
import time

from bench.common import MIN_ROUNDS, percentile


def _views(building_id: int, category_id: int, code: str, street: str) -> list[tuple[str, dict]]:
    return [
        ("default 25", {"page_size": 25}),
        ("default 100", {"page_size": 100}),
        ("page 3 of 25", {"page_size": 25, "page": 3}),
        ("newest, all", {"page_size": 25, "scope": "all", "order": "newest"}),
        ("status received", {"page_size": 25, "status": "received"}),
        ("lateness late", {"page_size": 25, "lateness": "late"}),
        ("category", {"page_size": 25, "category": category_id}),
        ("building", {"page_size": 25, "building": building_id}),
        ("building 100", {"page_size": 100, "building": building_id}),
        ("building by text", {"page_size": 25, "building_q": street}),
        ("replies waiting", {"page_size": 25, "reply": "waiting"}),
        ("assigned to me", {"page_size": 25, "assigned": "me"}),
        ("search house number", {"page_size": 25, "q": "12"}),
        ("search address", {"page_size": 25, "q": f"{street} 12"}),
        ("search text", {"page_size": 25, "q": "lift"}),
        # An exact tracking code answers with a redirect to the report.
        ("search code", {"q": code}),
    ]


def queue_available() -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("reports:queue")
    except NoReverseMatch:
        return "no queue page (URL reports:queue) yet"
    return None


def run(world, scale, *, log=print) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from bench.users import user_with_role
    from wijkregie.reports.models import Report

    reason = queue_available()
    if reason:
        return {"status": "not measurable", "reason": reason}
    total = Report.objects.count()
    per_org = dict(
        Report.objects.values("receiving_organisation_id")
        .annotate(n=Count("id"))
        .values_list("receiving_organisation_id", "n")
    )
    corp = max(world.corp_ids, key=lambda o: per_org.get(o, 0))
    police = [o for o in world.partner_ids if per_org.get(o, 0)]
    receivers = [("housing corporation", corp)]
    if police:
        receivers.append(("police", max(police, key=lambda o: per_org.get(o, 0))))
    try:
        api_url = reverse("reports_api:report_list")
    except NoReverseMatch:
        api_url = None
    page_url = reverse("reports:queue")
    rng = random.Random(world.seed + 4)

    result = {"status": "ok", "reports_total": total, "receivers": {}, "target_p95_ms": 150}
    for label, org in receivers:
        client = Client()
        client.force_login(user_with_role(org, "intake"))
        sample = (
            Report.objects.filter(receiving_organisation_id=org)
            .values("building_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        category_id = (
            Report.objects.filter(receiving_organisation_id=org)
            .values_list("category_id", flat=True)
            .first()
        )
        code, street = (
            Report.objects.filter(receiving_organisation_id=org)
            .values_list("tracking_code", "building__street")
            .first()
        )
        views = _views(sample["building_id"], category_id, code, street)
        surfaces = [("page", page_url)] + ([("api", api_url)] if api_url else [])
        entry = {"organisation_id": org, "reports": per_org.get(org, 0), "surfaces": {}}
        for surface, url in surfaces:
            timings: dict[str, list[float]] = {name: [] for name, _p in views}
            cpu: list[float] = []
            for name, params in views:  # warm-up, and the answer must be 200
                response = client.get(url, params, secure=True)
                if response.status_code not in (200, 302 if name == "search code" else 200):
                    raise RuntimeError(f"{surface} {name} answered {response.status_code}")
            began = time.monotonic()
            rounds = 0
            while rounds < scale.queue_rounds and (
                rounds < MIN_ROUNDS or time.monotonic() - began < scale.queue_budget
            ):
                rounds += 1
                order = views[:]
                rng.shuffle(order)
                for name, params in order:
                    cpu_started = time.thread_time()
                    started = time.perf_counter()
                    client.get(url, params, secure=True)
                    timings[name].append((time.perf_counter() - started) * 1000)
                    cpu.append((time.thread_time() - cpu_started) * 1000)
            queries = {}
            for name, params in views:
                with CaptureQueriesContext(connection) as ctx:
                    client.get(url, params, secure=True)
                queries[name] = {
                    "count": len(ctx.captured_queries),
                    "db_ms": round(sum(float(q["time"]) for q in ctx.captured_queries) * 1000, 1),
                    "slowest": max(
                        (
                            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:200]}
                            for q in ctx.captured_queries
                        ),
                        key=lambda q: q["ms"],
                    ),
                }
            everything = [t for ts in timings.values() for t in ts]
            entry["surfaces"][surface] = {
                "requests": len(everything),
                "rounds": rounds,
                "p50_ms": round(percentile(everything, 50), 1),
                "cpu_p50_ms": round(percentile(cpu, 50), 1),
                "cpu_p95_ms": round(percentile(cpu, 95), 1),
                "p95_ms": round(percentile(everything, 95), 1),
                "views": {
                    name: {
                        "p50_ms": round(percentile(timings[name], 50), 1),
                        "p95_ms": round(percentile(timings[name], 95), 1),
                        **queries[name],
                    }
                    for name, _p in views
                },
                "query_count_same_for_25_and_100": queries["default 25"]["count"]
                == queries["default 100"]["count"]
                and queries["building"]["count"] == queries["building 100"]["count"],
            }
            s = entry["surfaces"][surface]
            log(
                f"  {label:20} {surface:4} p50 {s['p50_ms']} ms p95 {s['p95_ms']} ms, "
                f"queries 25/100: {queries['default 25']['count']}/"
                f"{queries['default 100']['count']}"
            )
        result["receivers"][label] = entry
    return result
