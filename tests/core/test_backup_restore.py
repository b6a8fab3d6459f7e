"""The backup procedure of docs/operations.md, run for real: pg_dump -Fc of a database with
data, pg_restore into a fresh database, and every table of our apps compared row by row.

PostgreSQL only: production runs on PostgreSQL and this is its backup; the embedded SQLite
default is backed up by copying its file.
"""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from django.apps import apps
from django.db import connection

import psycopg
import pytest

from tests.residents.factories import (
    make_building,
    make_occupancy,
    make_organisation,
    make_person,
    make_resident,
    make_unit,
    viewer,
)
from wijkregie.core.audit import AuditContext, audit_record, audit_seal_all

ROOT = Path(__file__).resolve().parents[2]
OUR_APPS = ("core", "partners", "places", "residents", "reports")

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="backup and restore use pg_dump/pg_restore: run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.skipif(
        shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
        reason="pg_dump/pg_restore not found: install postgresql-client (.ci/run does)",
    ),
]


def our_tables() -> list[str]:
    tables = set()
    for label in OUR_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            tables.add(model._meta.db_table)
    return sorted(tables | {"auth_user", "mfa_authenticator"})


def libpq_env() -> dict:
    s = connection.settings_dict
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": s["HOST"] or "",
            "PGPORT": str(s["PORT"] or ""),
            "PGUSER": s["USER"] or "",
            "PGPASSWORD": s["PASSWORD"] or "",
        }
    )
    return env


def fingerprint(conn, tables) -> dict[str, tuple[int, str]]:
    """Per table: the row count and an md5 over all rows in a stable order."""
    result = {}
    with conn.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{table}" AS t'
            )
            result[table] = tuple(cursor.fetchone())
    return result


def build_data():
    landlord = make_organisation("de-vaart")
    police = make_organisation("politie", kind="police")
    building = make_building(landlord)
    units = [make_unit(building, number, floor=number // 4) for number in range(1, 13)]
    for i, unit in enumerate(units[:10]):
        resident = make_resident(landlord, family_name=f"Jansen-{i}", given_name="Émile")
        make_occupancy(resident, unit)
    manager = make_person("wijkbeheerder", landlord, permissions=["residents.view_resident"])
    make_person("wijkagent", police, permissions=["places.view_building"])
    for i in range(5):
        audit_record(
            viewer=viewer(manager),
            action="view",
            object_type="residents.resident",
            object_ids=[i + 1],
            fields=["family_name"],
            context=AuditContext(type="places.building", id=str(building.pk), label=building.name),
        )
    audit_seal_all(batch_size=3)  # two seals, the second linked to the first


@pytest.mark.django_db(transaction=True)
def test_a_dump_restored_into_a_fresh_database_holds_the_same_rows(tmp_path):
    build_data()
    source = connection.settings_dict["NAME"]
    fresh = f"{source}_restore_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "wijkregie.dump"
    env = libpq_env()
    tables = our_tables()
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}" TEMPLATE template0')
    try:
        subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", "-f", str(dump), "-d", source],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", fresh, str(dump)],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        original = fingerprint(connection, tables)
        with psycopg.connect(dbname=fresh, **_connect_kwargs()) as restored_conn:
            restored = fingerprint(restored_conn, tables)
        verified = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "audit_verify"],
            env={**env, "DATABASE_URL": _database_url(fresh)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')

    assert original["residents_resident"][0] == 10
    assert original["places_unit"][0] == 12
    assert original["core_auditentry"][0] == 5
    assert restored == original
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout == "trail intact: 5 sealed entries in 2 seal(s), 0 unsealed\n"


def _connect_kwargs() -> dict:
    s = connection.settings_dict
    kwargs = {"host": s["HOST"] or None, "port": s["PORT"] or None, "user": s["USER"] or None}
    if s["PASSWORD"]:
        kwargs["password"] = s["PASSWORD"]
    return {k: v for k, v in kwargs.items() if v is not None}


def _database_url(name: str) -> str:
    s = connection.settings_dict
    credentials = s["USER"] or ""
    if s["PASSWORD"]:
        credentials += f":{s['PASSWORD']}"
    host = s["HOST"] or "localhost"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{name}"
