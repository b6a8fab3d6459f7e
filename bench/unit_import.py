"""Unit import rows/s through the real service against a raw bulk insert.

The service path is what a worker runs for an upload: `places.services.units_import_start`
(stores the file as a core Job and enqueues the task, in one transaction) followed by
`core.jobs.job_run` (running `places.unit_import.units_job`: parse, check every row, check
against the database, write in one transaction), called here directly instead of through the
worker's polling loop. Each run imports a fresh 20,000-row CSV into an empty building of
the generated data (40 storeys x 10 entrances), so every run creates 20,000 units.

The baselines insert the same 20,000 rows (the same CSV, parsed with the csv module) into
the units table of the baseline building in one transaction, as COPY and as psycopg's
executemany INSERT; their rows are deleted (untimed) after each run. The runs alternate
(COPY, executemany, service) so that drift of the shared machine hits all three alike.
"""

import csv
import io
import time

from bench.common import median

ROWS_PER_POSTCODE = 320  # 20,000 rows over 63 postcodes
COLUMNS = "bag_id,postcode,house_number,house_letter,house_number_addition,floor,entrance"


def make_csv(*, rows: int, postcodes: list[str], bag_start: int, floors=40, entrances=10) -> bytes:
    """A BAG-style export: 16-digit ids as text, several postcodes, every floor and entrance."""
    labels = [chr(ord("A") + e) for e in range(entrances)]
    per_floor = max(1, rows // (floors * entrances) + (rows % (floors * entrances) > 0))
    out = [COLUMNS]
    for i in range(rows):
        postcode = postcodes[i // ROWS_PER_POSTCODE]
        number = i % ROWS_PER_POSTCODE + 1
        entrance = labels[i // per_floor % entrances]
        floor = i // (per_floor * entrances)
        out.append(f"0344{'01'}{bag_start + i:010d},{postcode},{number},,,{floor},{entrance}")
    return ("\r\n".join(out) + "\r\n").encode()


def _parsed(content: bytes):
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    next(reader)
    return [
        (bag or None, pc.replace(" ", "").upper(), int(num), letter, add, int(fl), ent)
        for bag, pc, num, letter, add, fl, ent in reader
    ]


def baseline_copy(building_id: int, content: bytes) -> float:
    """Parse the CSV and COPY its rows into places_unit in one transaction; seconds."""
    from django.db import connection, transaction
    from django.utils import timezone

    from wijkregie.places.models import Unit

    table = Unit._meta.db_table
    started = time.perf_counter()
    rows = _parsed(content)
    now = timezone.now()
    with (
        transaction.atomic(),
        connection.cursor() as cur,
        cur.cursor.copy(
            f'COPY "{table}" (building_id, bag_id, postcode, house_number, house_letter, '
            "house_number_addition, floor, entrance, created_at, updated_at) FROM STDIN"
        ) as copy,
    ):
        for r in rows:
            copy.write_row((building_id, *r, now, now))
    return time.perf_counter() - started


def baseline_executemany(building_id: int, content: bytes) -> float:
    """Parse the CSV and executemany INSERT its rows in one transaction; seconds."""
    from django.db import connection, transaction
    from django.utils import timezone

    from wijkregie.places.models import Unit

    table = Unit._meta.db_table
    started = time.perf_counter()
    rows = _parsed(content)
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        cur.cursor.executemany(
            f'INSERT INTO "{table}" (building_id, bag_id, postcode, house_number, '
            "house_letter, house_number_addition, floor, entrance, created_at, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(building_id, *r, now, now) for r in rows],
        )
    return time.perf_counter() - started


def _clear(building_id: int) -> None:
    from django.db import connection

    from wijkregie.places.models import Unit

    with connection.cursor() as cur:
        cur.execute(f'DELETE FROM "{Unit._meta.db_table}" WHERE building_id = %s', [building_id])
        cur.execute(f'VACUUM "{Unit._meta.db_table}"')  # the next run starts from clean pages


def service_import(viewer, building, content: bytes) -> tuple[float, dict]:
    """units_import_start + the job's run, as the worker would; seconds and job facts."""
    from wijkregie.core import jobs
    from wijkregie.core.models import Job
    from wijkregie.places import services

    started = time.perf_counter()
    job = services.units_import_start(
        actor=viewer,
        organisation_id=building.owner_id,
        building_id=building.pk,
        file_name="units.csv",
        content=content,
        language="nl",
    )
    if job.status == Job.Status.QUEUED:  # database task backend: run it like the worker
        jobs.job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    facts = {
        "status": job.status,
        "created": job.created_count,
        "updated": job.updated_count,
        "errors": job.errors[:3],
    }
    return seconds, facts


def run(world, scale, *, log=print) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.users import viewer_with_role
    from wijkregie.places.models import Building

    rows = scale.import_rows
    targets = list(Building.objects.filter(pk__in=world.buildings["import"]).order_by("pk"))
    baseline_building = world.buildings["baseline"][0]
    bag_base = world.first_unit_bag_seq + 1_000_000
    csvs = [
        make_csv(rows=rows, postcodes=world.import_postcodes[k], bag_start=bag_base + k * rows)
        for k in range(len(targets))
    ]
    baseline_csv = make_csv(
        rows=rows, postcodes=world.import_postcodes[-1], bag_start=bag_base + 10 * rows
    )
    copy_s, many_s, service_s, runs = [], [], [], []
    for k, building in enumerate(targets):
        copy_s.append(baseline_copy(baseline_building, baseline_csv))
        _clear(baseline_building)
        many_s.append(baseline_executemany(baseline_building, baseline_csv))
        _clear(baseline_building)
        viewer = viewer_with_role(building.owner_id, "wijkbeheerder")
        if k == 0:
            # Count the statements once (the capture costs a little time, so not timed).
            with CaptureQueriesContext(connection) as ctx:
                seconds, facts = service_import(viewer, building, csvs[k])
            facts["queries"] = len(ctx.captured_queries)
        else:
            seconds, facts = service_import(viewer, building, csvs[k])
        if facts["status"] != "succeeded" or facts["created"] != rows:
            raise RuntimeError(f"unit import did not create {rows} units: {facts}")
        service_s.append(seconds)
        runs.append({"seconds": round(seconds, 3), **facts})
        log(
            f"  run {k + 1}: COPY {copy_s[-1]:.2f} s, executemany {many_s[-1]:.2f} s, "
            f"service {seconds:.2f} s"
        )
    # A re-import of an unchanged file: every row matched, nothing written.
    again_s, again = service_import(
        viewer_with_role(targets[0].owner_id, "wijkbeheerder"), targets[0], csvs[0]
    )
    med_copy, med_many, med_service = median(copy_s), median(many_s), median(service_s)
    return {
        "status": "ok",
        "rows": rows,
        "repeats": len(targets),
        "service_rows_per_s": round(rows / med_service),
        "copy_rows_per_s": round(rows / med_copy),
        "executemany_rows_per_s": round(rows / med_many),
        "ratio_vs_copy": round(med_copy / med_service, 3),
        "ratio_vs_executemany": round(med_many / med_service, 3),
        "target_ratio": 0.5,
        "service_seconds": [round(s, 3) for s in service_s],
        "copy_seconds": [round(s, 3) for s in copy_s],
        "executemany_seconds": [round(s, 3) for s in many_s],
        "service_runs": runs,
        "reimport_unchanged_seconds": round(again_s, 3),
        "reimport_unchanged_rows_per_s": round(rows / again_s),
        "reimport_facts": again,
        "import_building_id": targets[0].pk,
    }
