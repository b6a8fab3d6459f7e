"""The door-to-door sync: phones replaying their offline outboxes.

10,000 queued outcomes for one round of 5,000 doors, half of them duplicates (each
outcome sent twice, as an outbox replays after a lost answer), in shuffled order (out of
order, as phones come back online one by one). Each goes through
`outreach.services.visit_record`, as the API does. The baseline, in the same run and on
the same table: a bare INSERT of one visit row per outcome in its own transaction. The
result: visits/s, its ratio to the baseline, and how many visits were doubled (must be 0).

    BENCH_DATABASE_URL=postgres://…/db .venv/bin/python -m bench.visit_sync
"""

import random
import time
import uuid

OUTCOMES = 10_000
DOORS = 5_000
SEED = 16


def _world():
    from wijkregie.core.access import system_viewer
    from wijkregie.outreach import services
    from wijkregie.partners.models import Organisation, OrganisationKind
    from wijkregie.places.models import Building, Unit

    owner, _ = Organisation.objects.get_or_create(
        slug="bench-visits",
        defaults={"name": "Bench visits", "kind": OrganisationKind.HOUSING_CORPORATION},
    )
    building = Building.objects.filter(name="Bench visits flat").first()
    if building is None:
        building = Building.objects.create(
            name="Bench visits flat",
            owner=owner,
            street="Benchlaan",
            postcode="9999ZZ",
            city="Bench",
            floors=50,
            entrances=["A"],
        )
        Unit.objects.bulk_create(
            Unit(
                building=building,
                postcode="9999ZZ",
                house_number=n + 1,
                floor=n // 100,
                entrance="A",
            )
            for n in range(DOORS)
        )
    actor = system_viewer("bench")
    round_ = services.round_create(
        actor=actor,
        organisation_id=owner.pk,
        building_id=building.pk,
        title=f"Bench round {uuid.uuid4().hex[:6]}",
        starts_on="2026-01-01",
        ends_on="2026-12-31",
    )
    units = list(round_.doors.order_by("position").values_list("unit_id", flat=True))
    return actor, owner, round_, units


def run(log=print) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from wijkregie.outreach import services
    from wijkregie.outreach.models import Visit

    actor, owner, round_, units = _world()
    rng = random.Random(SEED)
    now = timezone.now()
    outcomes = [
        {
            "idempotency_key": uuid.UUID(int=rng.getrandbits(128), version=4),
            "unit_id": unit_id,
            "outcome": rng.choice(["spoke", "not_home", "no_answer", "letter_left"]),
            "recorded_at": now - timezone.timedelta(seconds=rng.randint(60, 86_400)),
        }
        for unit_id in units[: OUTCOMES // 2]
    ]
    queue = outcomes + [dict(o) for o in outcomes]  # every outcome sent twice
    rng.shuffle(queue)

    log(f"   baseline: {len(queue)} bare single-row INSERTs")
    started = time.perf_counter()
    baseline_ids = []
    for item in queue:
        with transaction.atomic():
            baseline_ids.append(
                Visit.objects.create(
                    idempotency_key=uuid.uuid4(),
                    round=round_,
                    unit_id=item["unit_id"],
                    outcome=item["outcome"],
                    recorded_at=item["recorded_at"],
                    organisation=owner,
                ).pk
            )
    baseline_seconds = time.perf_counter() - started
    Visit.objects.filter(pk__in=baseline_ids).delete()

    log(f"   sync: {len(queue)} outcomes through visit_record, half of them duplicates")
    created = replayed = 0
    started = time.perf_counter()
    for item in queue:
        _visit, new = services.visit_record(actor=actor, round_id=round_.pk, **item)
        created += new
        replayed += not new
    sync_seconds = time.perf_counter() - started

    stored = Visit.objects.filter(round=round_).count()
    doubled = stored - len(outcomes)
    visits_per_s = len(queue) / sync_seconds
    baseline_per_s = len(queue) / baseline_seconds
    return {
        "status": "ok",
        "database": connection.vendor,
        "outcomes_sent": len(queue),
        "unique_outcomes": len(outcomes),
        "created": created,
        "replayed": replayed,
        "stored": stored,
        "doubled": doubled,
        "sync_seconds": round(sync_seconds, 2),
        "visits_per_s": round(visits_per_s, 1),
        "baseline_inserts_per_s": round(baseline_per_s, 1),
        "ratio_to_baseline": round(visits_per_s / baseline_per_s, 3),
    }


if __name__ == "__main__":
    import json
    import subprocess

    from bench.common import PYTHON, ROOT, bench_database_url, configure_environment, server_env

    url = bench_database_url()
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "--skip-checks", "-v", "0"],
        cwd=ROOT,
        env=server_env(url),
        check=True,
    )
    configure_environment(url)

    import django

    django.setup()
    print(json.dumps(run(), indent=2))
