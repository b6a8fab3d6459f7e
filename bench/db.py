"""The bench database: dropped and created fresh for every run, then migrated."""

import subprocess
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench.common import PYTHON, ROOT, server_env


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name or not name.endswith("bench"):
        # A guard against pointing the harness at a real database: it drops what it gets.
        raise SystemExit(f"Refusing to drop {name!r}: the bench database name must end in 'bench'")
    return urlunsplit(parts._replace(path="/postgres")), name


def recreate_database(database_url: str) -> None:
    admin, name = _admin_url(database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(database_url: str) -> None:
    """`manage.py migrate` with the bench settings (the product's apps plus the bare app)."""
    result = subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "--skip-checks", "-v", "0"],
        cwd=ROOT,
        env=server_env(database_url),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{result.stdout}\n{result.stderr}")


def server_version(database_url: str) -> str:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT version()").fetchone()[0]


def server_settings(database_url: str) -> dict:
    names = ("shared_buffers", "max_connections", "synchronous_commit", "work_mem")
    with psycopg.connect(database_url) as conn:
        return {n: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(n))).fetchone()[0] for n in names}
