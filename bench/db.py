"""The bench database: dropped and created fresh for every run, then migrated.

The PostgreSQL server is shared (other people's test runs use it), so the benchmark's web
server does not connect as a superuser: it uses its own role, owner of the bench
database, with a connection limit (superusers ignore connection limits). Whatever the
server under load does with connections, it cannot take the last free ones from others.
The harness itself connects as the configured (super)user, which the generator needs
for its bulk load (session_replication_role).
"""

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


APP_ROLE = "wijkregie_bench"
APP_ROLE_CONNECTION_LIMIT = 50  # of max_connections (100 here)


def app_url(database_url: str) -> str:
    """The bench database as the benchmark's own non-superuser role."""
    parts = urlsplit(database_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{APP_ROLE}@{host}"))


def recreate_database(database_url: str) -> None:
    admin, name = _admin_url(database_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(
                "{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE CONNECTION LIMIT {}"
            ).format(
                sql.SQL(verb), sql.Identifier(APP_ROLE), sql.Literal(APP_ROLE_CONNECTION_LIMIT)
            )
        )
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(APP_ROLE)
            )
        )


def migrate(database_url: str) -> None:
    """`manage.py migrate` with the bench settings (the product's apps plus the bare app),
    as the app role, so that it owns the tables as in production."""
    result = subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "--skip-checks", "-v", "0"],
        cwd=ROOT,
        env=server_env(app_url(database_url)),
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
        return {
            n: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(n))).fetchone()[0]
            for n in names
        }
