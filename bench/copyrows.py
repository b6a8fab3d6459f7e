"""COPY rows into a model's table through psycopg 3, filling fields the caller leaves out.

The models grow while the benchmarks stay: a field the generator does not know is filled
from its model default (a database default is left to the database), so a new field with
a default never breaks `make bench`. A new required field without any default does, with
a message that names it.
"""

import json
import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import date, datetime

from django.db import connection
from django.db.models import NOT_PROVIDED, JSONField

# Seconds spent per table (generation and COPY together), for the generator's summary.
TIMINGS: dict[str, float] = {}


class MissingField(RuntimeError):
    pass


def _plan(model, given: Sequence[str]):
    """Columns to COPY: the given attnames plus every other concrete field with a default."""
    given_set = set(given)
    extra_const: list[tuple[str, object]] = []
    extra_call: list[tuple[str, object]] = []
    for f in model._meta.concrete_fields:
        if f.attname in given_set:
            continue
        if getattr(f, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            continue  # the database fills it
        if f.primary_key:
            continue  # identity column
        if f.has_default():
            if callable(f.default):
                extra_call.append((f.attname, f.default))
            else:
                extra_const.append((f.attname, f.get_default()))
        elif f.null:
            extra_const.append((f.attname, None))
        elif f.empty_strings_allowed and not f.is_relation:
            extra_const.append((f.attname, ""))
        else:
            raise MissingField(
                f"{model._meta.label}.{f.name} is required and has no default: "
                "teach bench/generate.py about it"
            )
    names = [*given, *(n for n, _v in extra_const), *(n for n, _c in extra_call)]
    fields = {f.attname: f for f in model._meta.concrete_fields}
    columns = [fields[n].column for n in names]
    json_positions = [i for i, n in enumerate(names) if isinstance(fields[n], JSONField)]
    return columns, [v for _n, v in extra_const], [c for _n, c in extra_call], json_positions


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_ESCAPES)
        return value
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if kind is datetime or kind is date:
        return value.isoformat()
    if kind is dict or kind is list:
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)
    return str(value).translate(_ESCAPES)


def copy_rows(model, given: Sequence[str], rows: Iterable[Sequence], chunk: int = 5000) -> int:
    """COPY `rows` (tuples in the order of `given` attnames, or such tuples already
    formatted as one COPY text line) into `model`'s table.

    Rows are formatted as COPY text here and sent in chunks: several times faster than a
    `write_row` per row, which matters at a million rows.
    """
    started = time.perf_counter()
    columns, const, calls, _json_positions = _plan(model, given)
    table = model._meta.db_table
    connection.ensure_connection()
    raw = connection.connection
    count = 0
    column_list = ", ".join(f'"{c}"' for c in columns)
    const_text = "".join("\t" + _text(v) for v in const)
    buffer: list[str] = []
    with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({column_list}) FROM STDIN') as copy:
        for row in rows:
            # A str is a line already in COPY text format (the million-row tables).
            line = (row if type(row) is str else "\t".join([_text(v) for v in row])) + const_text
            if calls:
                line += "".join("\t" + _text(c()) for c in calls)
            buffer.append(line)
            count += 1
            if len(buffer) >= chunk:
                copy.write("\n".join(buffer) + "\n")
                buffer.clear()
        if buffer:
            copy.write("\n".join(buffer) + "\n")
    TIMINGS[table] = TIMINGS.get(table, 0.0) + time.perf_counter() - started
    return count


@contextmanager
def indexes_deferred(*models):
    """Drop the plain secondary indexes of the models' tables (not primary keys or unique
    constraints) for a bulk load and build them again afterwards: building an index once
    is far cheaper than maintaining it row by row."""
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[])
              AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [tables],
        )
        indexes = cur.fetchall()
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {name}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '256MB'")
            for _name, definition in indexes:
                cur.execute(definition)


def fast_load() -> bool:
    """Skip foreign-key triggers for this session while loading generated rows (they are
    consistent by construction). Needs a superuser, as the bench database has; returns
    False (and changes nothing) otherwise."""
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cur.fetchone()[0]:
            return False
        cur.execute("SET session_replication_role = replica")
    return True


def end_fast_load() -> None:
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = DEFAULT")


def reset_sequence(model) -> None:
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), "
            f'COALESCE((SELECT max("{pk}") FROM "{table}"), 0) + 1, false)',
            [table, pk],
        )
