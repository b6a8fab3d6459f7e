"""The building page's server time and query count at national scale.

In-process through Django's test Client (DEBUG off, the production middleware, the static
manifest), as a neighbourhood manager (`wijkbeheerder`: places.view_building and more) of
the owner organisation, logged in with a TOTP authenticator. `page_buildings` small
buildings (20 units) and as many large ones (120 units, ten storeys, four entrances) are
requested `page_rounds` times each in a seeded shuffled order, after one warm-up round
(fewer rounds, at least three, when `page_budget` seconds are used up).
Server time is the wall time of `client.get`, which is the whole Django request cycle
without a network. The query count is taken separately (CaptureQueriesContext) for every
building, and for the building that received 20,000 units from the import benchmark.
"""

import cProfile
import io
import pstats
import random
import time

from bench.common import MIN_ROUNDS, percentile

URL_NAME = "places:building_detail"


def _get(client, url):
    response = client.get(url, secure=True)  # https, as behind the production proxy
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response


def _profile_top(client, url, limit=12) -> list[dict]:
    profiler = cProfile.Profile()
    profiler.enable()
    _get(client, url)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (filename, line, func), (_cc, _nc, tottime, cumtime, _callers) in stats.stats.items():
        rows.append((tottime, cumtime, f"{filename.split('site-packages/')[-1]}:{line}({func})"))
    rows.sort(reverse=True)
    return [
        {"tottime_ms": round(t * 1000, 1), "cumtime_ms": round(c * 1000, 1), "where": w}
        for t, c, w in rows[:limit]
    ]


def run(world, scale, *, import_building_id=None, log=print) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from bench.users import user_with_role
    from wijkregie.places.models import Building

    try:
        reverse(URL_NAME, args=[1])
    except NoReverseMatch:
        return {"status": "not measurable", "reason": f"no URL named {URL_NAME}"}

    owners = dict(Building.objects.values_list("pk", "owner_id"))
    clients: dict[int, Client] = {}

    def client_for(building_id: int) -> Client:
        owner = owners[building_id]
        if owner not in clients:
            client = Client()
            client.force_login(user_with_role(owner, "wijkbeheerder"))
            clients[owner] = client
        return clients[owner]

    small = world.buildings["small"][: scale.page_buildings]
    large = world.buildings["large"][: scale.page_buildings]
    targets = [(b, "small") for b in small] + [(b, "large") for b in large]
    for b, _kind in targets:  # warm-up: templates, translations, connection, caches
        _get(client_for(b), reverse(URL_NAME, args=[b]))

    times = {"small": [], "large": []}
    cpu = {"small": [], "large": []}
    rng = random.Random(world.seed + 2)
    began = time.monotonic()
    rounds = 0
    while rounds < scale.page_rounds and (
        rounds < MIN_ROUNDS or time.monotonic() - began < scale.page_budget
    ):
        rounds += 1
        order = targets[:]
        rng.shuffle(order)
        for b, kind in order:
            client = client_for(b)
            url = reverse(URL_NAME, args=[b])
            cpu_started = time.thread_time()
            started = time.perf_counter()
            _get(client, url)
            times[kind].append((time.perf_counter() - started) * 1000)
            cpu[kind].append((time.thread_time() - cpu_started) * 1000)

    counts = {"small": set(), "large": set()}
    db_ms = {"small": [], "large": []}
    sample_sql = []
    for b, kind in targets:
        with CaptureQueriesContext(connection) as ctx:
            _get(client_for(b), reverse(URL_NAME, args=[b]))
        counts[kind].add(len(ctx.captured_queries))
        db_ms[kind].append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
        if not sample_sql:
            sample_sql = [q["sql"][:160] for q in ctx.captured_queries]

    big = {}
    if import_building_id is not None:
        url = reverse(URL_NAME, args=[import_building_id])
        client = client_for(import_building_id)
        _get(client, url)
        big_times = []
        for _i in range(3):
            started = time.perf_counter()
            response = _get(client, url)
            big_times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            _get(client, url)
        big = {
            "building_id": import_building_id,
            "units": Building.objects.get(pk=import_building_id).units.count(),
            "queries": len(ctx.captured_queries),
            "median_ms": round(sorted(big_times)[1], 1),
            "db_ms": round(sum(float(q["time"]) for q in ctx.captured_queries) * 1000, 1),
            "html_bytes": len(response.content),
            "profile_top": _profile_top(client, url),
        }
        counts["import"] = {big["queries"]}

    all_times = times["small"] + times["large"]
    all_counts = set().union(*counts.values())
    large_client = client_for(large[0])
    result = {
        "status": "ok",
        "requests": len(all_times),
        "rounds": rounds,
        "buildings": len(targets),
        # Python CPU of the request in this process (the database's time is not in it):
        # what a busy machine inflates least.
        "cpu_p50_ms": round(percentile(cpu["small"] + cpu["large"], 50), 1),
        "cpu_p95_ms": round(percentile(cpu["small"] + cpu["large"], 95), 1),
        "p50_ms": round(percentile(all_times, 50), 1),
        "p95_ms": round(percentile(all_times, 95), 1),
        "max_ms": round(max(all_times), 1),
        "small": {
            "units": 20,
            "p50_ms": round(percentile(times["small"], 50), 1),
            "p95_ms": round(percentile(times["small"], 95), 1),
            "cpu_p50_ms": round(percentile(cpu["small"], 50), 1),
            "queries": sorted(counts["small"]),
            "db_ms_median": round(sorted(db_ms["small"])[len(db_ms["small"]) // 2], 2),
        },
        "large": {
            "units": 120,
            "p50_ms": round(percentile(times["large"], 50), 1),
            "p95_ms": round(percentile(times["large"], 95), 1),
            "cpu_p50_ms": round(percentile(cpu["large"], 50), 1),
            "queries": sorted(counts["large"]),
            "db_ms_median": round(sorted(db_ms["large"])[len(db_ms["large"]) // 2], 2),
        },
        "imported_building": big,
        "query_count_constant": len(all_counts) == 1,
        "target_p95_ms": 150,
        "sample_queries": sample_sql,
        "profile_large_top": _profile_top(large_client, reverse(URL_NAME, args=[large[0]])),
    }
    return result
