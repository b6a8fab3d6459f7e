"""New rows of several tables written in one statement (PostgreSQL).

A resident's report is five or six rows (the report, its key, its first status, the
reporter's identity, the audit entry, photos). Through `Model.save` that is a transaction of
seven or eight round trips, each compiled by the ORM. On PostgreSQL the rows can go in one
statement instead: the ids that other rows refer to are taken from their sequences first
(`ids_allocate`, one round trip for all of them), and then every INSERT is a
data-modifying `WITH` part of one statement (`rows_insert_together`). One statement is one
transaction in autocommit mode: all rows or none. Foreign keys are checked at its end
(Django creates them `DEFERRABLE INITIALLY DEFERRED`), unique constraints per row, so a
taken idempotency key fails the whole statement with an `IntegrityError`, as a failing
INSERT in a transaction did.

The SQL of each row is Django's own (`InsertQuery` and its compiler): field conversion,
`pre_save` and quoting stay the ORM's. No signals are sent; use it only for models without
`post_save` receivers.
"""

from collections.abc import Sequence

from django.db import connections
from django.db.models import Model
from django.db.models.sql import InsertQuery

_SEQUENCES: dict[tuple[str, str], str] = {}


def supports_rows_together(using: str = "default") -> bool:
    return connections[using].vendor == "postgresql"


def _sequence(model: type[Model], using: str) -> str:
    table = model._meta.db_table
    key = (using, table)
    if key not in _SEQUENCES:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            _SEQUENCES[key] = cursor.fetchone()[0]
    return _SEQUENCES[key]


def ids_allocate(models: Sequence[type[Model]], using: str = "default") -> list[int]:
    """The next id of each model's primary key sequence, in one query. An id taken but
    not used leaves a gap, as a rolled-back INSERT does."""
    sequences = [_sequence(model, using) for model in models]
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join("nextval(%s::regclass)" for _ in sequences), sequences)
        return list(cursor.fetchone())


def rows_insert_together(objs: Sequence[Model], using: str = "default") -> None:
    """INSERT `objs` (new instances; a primary key that others refer to set beforehand)
    in one statement, in their order. Instances without a primary key get none back."""
    if not objs:
        return
    connection = connections[using]
    rows = [
        (
            obj,
            [f for f in obj._meta.local_concrete_fields if not (f.primary_key and obj.pk is None)],
        )
        for obj in objs
    ]
    shapes = tuple((type(obj), tuple(f.attname for f in fields)) for obj, fields in rows)
    statement = _statement(connection, shapes, objs)  # before pre_save: auto_now once more
    params: list = []
    for obj, fields in rows:
        values = [f.pre_save(obj, True) for f in fields]
        if any(hasattr(v, "resolve_expression") for v in values):
            raise TypeError("rows_insert_together takes plain values, not expressions.")
        params.extend(
            f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)
        )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using


_STATEMENTS: dict[tuple, str] = {}


def _statement(connection, shapes: tuple, objs: Sequence[Model]) -> str:
    """The statement for rows of these models and fields, compiled by Django once per
    process: the values only fill its placeholders."""
    key = (connection.alias, shapes)
    statement = _STATEMENTS.get(key)
    if statement is None:
        inserts = []
        for (model, attnames), obj in zip(shapes, objs, strict=True):
            fields = [f for f in model._meta.local_concrete_fields if f.attname in attnames]
            query = InsertQuery(model)
            query.insert_values(fields, [obj])
            [(sql, _params)] = query.get_compiler(connection=connection).as_sql()
            inserts.append(sql)
        *parts, last = inserts
        statement = last
        if parts:
            ctes = ", ".join(f"w{i} AS ({part})" for i, part in enumerate(parts))
            statement = f"WITH {ctes} {last}"
        _STATEMENTS[key] = statement
    return statement
