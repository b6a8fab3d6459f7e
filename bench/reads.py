"""Audited reads under load: the professional's resident list and detail (REST API),
each of which writes one audit entry, against the same reads without that write.

A neighbourhood manager of the housing corporation with the most buildings reads, through
the API with an organisation token, a page of 25 residents of one of the corporation's
buildings or one resident (half and half, pre-drawn). Two uvicorn servers (2 workers
each, DEBUG off, the production middleware, Redis cache) serve the same database: one
with bench.settings (the product), one with bench.settings_unaudited, where the audit
write is a no-op and everything else is the product's code. Each level runs SLICES
slices of both in turn; the ratio is audited requests/s over unaudited requests/s, with
the spread of the per-slice ratios. Target: ≥ 0.8×.
"""

import random

from bench.loadgen import build_request, run_load
from bench.server import ConnectionWatcher, Server

LEVELS = (8, 32)
SLICES = 3
VARIANTS = ("unaudited", "audited")
TARGET_RATIO = 0.8


def _token_for(organisation_id: int) -> str:
    from bench.users import user_with_role
    from wijkregie.partners.models import ApiToken

    user = user_with_role(organisation_id, "wijkbeheerder")
    prefix, key = ApiToken.new_key()
    ApiToken.objects.create(
        organisation_id=organisation_id,
        user=user,
        name="Bench audited reads",
        prefix=prefix,
        key_hash=ApiToken.hash_key(key),
    )
    return key


def _subjects(organisation_id: int, seed: int) -> tuple[list[int], list[int]]:
    """Buildings of the corporation with residents, and residents living in them."""
    from wijkregie.places.models import Building
    from wijkregie.residents.models import Occupancy

    rng = random.Random(seed)
    buildings = list(
        Building.objects.filter(owner_id=organisation_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    buildings = rng.sample(buildings, min(len(buildings), 200))
    residents = list(
        Occupancy.objects.filter(unit__building_id__in=buildings, end_date__isnull=True)
        .order_by("pk")
        .values_list("resident_id", flat=True)[:5000]
    )
    return buildings, rng.sample(residents, min(len(residents), 2000))


def request_maker(port: int, token: str, buildings: list[int], residents: list[int], seed: int):
    host = f"127.0.0.1:{port}"
    rng = random.Random(seed)
    paths = []
    for i in range(4096):
        if i % 2:
            paths.append(f"/api/v1/residents/{rng.choice(residents)}/")
        else:
            paths.append(f"/api/v1/residents/?building={rng.choice(buildings)}&page_size=25")
    headers = {
        "Authorization": f"Token {token}",
        "Accept": "application/json",
        "X-Forwarded-Proto": "https",
    }

    def read(n: int) -> bytes:
        return build_request("GET", paths[n % len(paths)], host, b"", headers)

    return read


def _level(servers, makers, database_url, level, scale, log) -> dict:
    runs = dict.fromkeys(VARIANTS)
    slice_rps = {v: [] for v in VARIANTS}
    waiters = {v: [] for v in VARIANTS}
    for _slice in range(SLICES):
        for variant in VARIANTS:
            with ConnectionWatcher(database_url) as watcher:
                load = run_load(
                    host="127.0.0.1",
                    port=servers[variant].port,
                    make_request=makers[variant],
                    concurrency=level,
                    seconds=scale.load_seconds / SLICES,
                    warmup=scale.load_warmup_seconds / SLICES,
                    ok_statuses={200},
                )
            runs[variant] = load if runs[variant] is None else runs[variant].merge(load)
            slice_rps[variant].append(load.rps)
            waiters[variant].append(watcher.summary["lock_waiters_max"])
    row = {}
    for variant in VARIANTS:
        row[variant] = {**runs[variant].summary(), "lock_waiters_max": max(waiters[variant])}
        r = row[variant]
        log(
            f"  {variant:9} c={level:<3} {r['rps']:7.1f} req/s  p50 {r['p50_ms']} ms  "
            f"p99 {r['p99_ms']} ms  failed {r['requests_failed'] + r['connection_errors']}  "
            f"lock waiters max {r['lock_waiters_max']}"
        )
    base = row["unaudited"]["rps"]
    row["ratio"] = round(row["audited"]["rps"] / base, 3) if base else None
    ratios = [
        round(a / u, 3)
        for a, u in zip(slice_rps["audited"], slice_rps["unaudited"], strict=True)
        if u
    ]
    row["ratio_spread"] = [min(ratios), max(ratios)] if ratios else None
    return row


def run(world, scale, database_url: str, *, log=print) -> dict:
    from django.db import connection

    from bench.db import app_url
    from bench.intake import probe

    corp = world.corp_ids[0]
    token = _token_for(corp)
    buildings, residents = _subjects(corp, world.seed + 7)
    if not buildings or not residents:
        return {"status": "not measurable", "reason": "the corporation has no residents"}
    connection.close()
    servers = {
        "audited": Server(app_url(database_url)),
        "unaudited": Server(
            app_url(database_url), env={"DJANGO_SETTINGS_MODULE": "bench.settings_unaudited"}
        ),
    }
    result = {"status": "ok", "target_ratio": TARGET_RATIO, "organisation_id": corp}
    with servers["audited"], servers["unaudited"]:
        makers = {
            v: request_maker(servers[v].port, token, buildings, residents, world.seed + 8)
            for v in VARIANTS
        }
        for variant in VARIANTS:
            for n in (0, 1):  # a list and a detail
                status, body = probe(lambda _i, n=n, v=variant: makers[v](n), servers[variant].port)
                if status != 200:
                    return {
                        "status": "error",
                        "reason": f"{variant} probe answered {status}: {body[:400]!r}",
                    }
        result["audit_entries_written_by_probe"] = _audit_count_delta(servers, makers)
        result["levels"] = {
            str(level): _level(servers, makers, database_url, level, scale, log) for level in LEVELS
        }
    return result


def _audit_count_delta(servers, makers) -> dict:
    """How many audit entries one list read writes through each server (1 and 0)."""
    from django.db import connection

    from bench.intake import probe
    from wijkregie.core.models import AuditEntry

    out = {}
    for variant in VARIANTS:
        before = AuditEntry.objects.count()
        probe(lambda _i, v=variant: makers[v](0), servers[variant].port)
        out[variant] = AuditEntry.objects.count() - before
    connection.close()
    return out
