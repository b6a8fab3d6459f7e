"""The audit trail's cost: recording without a lock, sealing afterwards (docs/adr/0009).

    DATABASE_URL=postgres://…/wijkregie_bench .venv/bin/python -m bench.audit_seal

Migrates that database and empties its audit tables (use a scratch database). Measures:
- statements per `audit_record` call (now: one INSERT);
- wall time of recording in T threads, each transaction holding on for a moment after
  its audit entry (as a request's transaction does), with the entry written as now (one
  INSERT) and as before (the chain head locked by SELECT … FOR UPDATE and updated in the
  same transaction, emulated on a table of its own);
- the sealer: one seal of 10,000 entries, the same in seals of 5,000 and 1,000, and
  `audit_verify` over them.
"""

import json
import os
import sys
import threading
import time

THREADS = 8
TRANSACTIONS_PER_THREAD = 150
HOLD_SECONDS = 0.002  # the rest of a request's transaction after its audit entry
SEAL_ENTRIES = 10_000


def setup():
    sys.path.insert(0, "src")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijkregie.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def empty_trail():
    from django.db import connection

    with connection.cursor() as c:
        c.execute("TRUNCATE core_auditentry, core_auditseal RESTART IDENTITY CASCADE")
        c.execute("UPDATE core_auditsealhead SET last_seal_id = NULL, last_hash = %s", ["0" * 64])


def viewer():
    from wijkregie.core.access import Grant, Viewer

    return Viewer(
        user_id=1,
        label="bench",
        grants=(
            Grant(
                organisation_id=1,
                organisation_name="Bench",
                organisation_kind="x",
                permissions=frozenset(),
            ),
        ),
    )


def record(v, i):
    from wijkregie.core.audit import DataOwner, audit_record

    return audit_record(
        viewer=v,
        action="view",
        object_type="residents.resident",
        object_ids=[i],
        fields=["family_name", "given_name"],
        data_owner=DataOwner(1, "Bench"),
    )


def statements_per_call() -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    v = viewer()
    record(v, 0)
    with CaptureQueriesContext(connection) as queries:
        record(v, 1)
    return [q["sql"].split(" (")[0][:60] for q in queries]


def old_head_table():
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "CREATE TABLE IF NOT EXISTS bench_audit_chain_head "
            "(id int PRIMARY KEY, last_seq bigint, last_hash varchar(64))"
        )
        c.execute(
            "INSERT INTO bench_audit_chain_head VALUES (1, 0, %s) ON CONFLICT DO NOTHING",
            ["0" * 64],
        )


def concurrent(style: str) -> float:
    from django.db import connection, connections, transaction

    barrier = threading.Barrier(THREADS + 1)
    failures = []

    def worker(n):
        v = viewer()
        try:
            barrier.wait()
            for i in range(TRANSACTIONS_PER_THREAD):
                with transaction.atomic(), connection.cursor() as c:
                    if style == "before":
                        c.execute(
                            "SELECT last_seq, last_hash FROM bench_audit_chain_head "
                            "WHERE id = 1 FOR UPDATE"
                        )
                    entry = record(v, n * 100_000 + i)
                    if style == "before":
                        c.execute(
                            "UPDATE bench_audit_chain_head SET last_seq = last_seq + 1, "
                            "last_hash = %s WHERE id = 1",
                            [entry.hash],
                        )
                    c.execute("SELECT pg_sleep(%s)", [HOLD_SECONDS])
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    return elapsed


def sealing() -> dict:
    from django.db import transaction

    from wijkregie.core.audit import audit_seal, audit_seal_all, audit_verify_chain

    results = {}
    for batch in (SEAL_ENTRIES, 5000, 1000):
        empty_trail()
        v = viewer()
        with transaction.atomic():
            for i in range(SEAL_ENTRIES):
                record(v, i)
        started = time.perf_counter()
        seals = (
            [audit_seal(batch_size=batch)]
            if batch == SEAL_ENTRIES
            else audit_seal_all(batch_size=batch)
        )
        sealed = time.perf_counter() - started
        started = time.perf_counter()
        report = audit_verify_chain()
        verified = time.perf_counter() - started
        assert not report.problems and report.entries == SEAL_ENTRIES, report.problems[:3]
        results[f"batch_{batch}"] = {
            "seals": len(seals),
            "seal_seconds": round(sealed, 3),
            "verify_seconds": round(verified, 3),
        }
    return results


def main():
    setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a scratch PostgreSQL database.")
    empty_trail()
    old_head_table()
    result = {"statements_per_audit_record": statements_per_call()}
    total = THREADS * TRANSACTIONS_PER_THREAD
    for style in ("before", "now"):
        empty_trail()
        elapsed = concurrent(style)
        result[f"concurrent_{style}"] = {
            "threads": THREADS,
            "transactions": total,
            "hold_ms": HOLD_SECONDS * 1000,
            "seconds": round(elapsed, 2),
            "transactions_per_second": round(total / elapsed),
        }
    result["sealing"] = sealing()
    empty_trail()
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_audit_chain_head")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
