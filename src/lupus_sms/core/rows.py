"""Reads sent together, and their rows as the session's ORM objects, without the ORM's cost.

The batched inbound writer (inbound/batch.py) starts with three reads: its senders' state,
the clinics its texts name, its numbers' recent replies. On PostgreSQL each statement sent
alone waits for its answer before the next one goes; `read_together` sends them in one
round trip with psycopg's pipeline mode (`python -m bench pg-pipeline` measures what that
saves). SQLAlchemy cannot pipeline (it reads each result as it executes), so the statements
are compiled by SQLAlchemy once and run on the driver's connection of the session's own
transaction, and their rows go through the same result processing SQLAlchemy applies.
Elsewhere they run one after another through Core.

`as_persistent` turns a row into the session's persistent ORM object, as a load would: its
changes are tracked and flushed, attributes not given load on first access, and an object
the session already holds for the row is the one returned. `attach_row` does the same for
a row the session cannot hold yet, such as one just inserted through Core.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlalchemy import ARRAY, any_, bindparam, inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.sql import Select

DIALECTS = ("sqlite", "postgresql")


def one_of(column, name: str, dialect: str):
    """`column` is one of the list bound as `name`: an expanding IN, or on PostgreSQL
    `= ANY(array)`, one statement whatever the list's length (it can be pipelined)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def read_together(db: Session, reads: Sequence[tuple[Select, dict]]) -> list[list[tuple]]:
    """The rows of each (statement, parameters), in the session's transaction; on PostgreSQL
    in one round trip. Datetime parameters must be aware (as every column here is UTC)."""
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        return [list(connection.execute(statement, params)) for statement, params in reads]
    return _pipelined(connection, reads)


def _pipelined(connection: Connection, reads: Sequence[tuple[Select, dict]]) -> list[list[tuple]]:
    import psycopg

    driver = connection.connection.driver_connection
    prepared = [(_compiled(connection.dialect, statement), params) for statement, params in reads]
    try:
        with driver.pipeline():
            cursors = []
            for (compiled, _), params in prepared:
                cursor = driver.cursor()
                cursor.execute(compiled.string, compiled.construct_params(params))
                cursors.append(cursor)
        found = []
        for cursor, ((_, processors), _) in zip(cursors, prepared, strict=True):
            found.append([_processed(row, processors) for row in cursor.fetchall()])
            cursor.close()
        return found
    except psycopg.Error as exc:
        # As SQLAlchemy would raise it (the spool catches its OperationalError), without
        # the parameters: they are patients' numbers.
        raise DBAPIError.instance(
            None, None, exc, psycopg.Error, hide_parameters=True, dialect=connection.dialect
        ) from exc


@cache
def _compiled(dialect: Dialect, statement: Select):
    """The statement compiled for `dialect`, and each result column's processor."""
    processors = tuple(
        column.type.result_processor(dialect, None) for column in statement.selected_columns
    )
    return statement.compile(dialect=dialect), processors


def _processed(row: tuple, processors: tuple) -> tuple:
    return tuple(
        value if process is None else process(value)
        for value, process in zip(row, processors, strict=True)
    )


def as_persistent(db: Session, cls: type, values: dict):
    """The object of `cls` whose column attributes are `values` (with its `id`), persistent
    in `db`, as a query would have loaded it (without `populate_existing`)."""
    mapper = inspect(cls)
    held = db.identity_map.get(mapper.identity_key_from_primary_key((values["id"],)))
    if held is not None:
        return held
    return attach_row(db, cls, values)


def attach_row(db: Session, cls: type, values: dict):
    """A row the session does not hold yet (just read, or just inserted through Core) as a
    persistent object of `cls`. The session refuses it if it holds one for the row."""
    made = inspect(cls).class_manager.new_instance()
    # Straight into the object's state, as a load puts them: assigning through the mapped
    # attributes would record each value as a change (costing twice as much), only for it
    # to be undone below.
    made.__dict__.update(values)
    make_transient_to_detached(made)
    db.add(made)
    return made


@cache
def column_attributes(cls: type) -> tuple[tuple[str, object], ...]:
    """(attribute name, column) of each column attribute of `cls`, for a Core select whose
    rows `as_persistent` turns into objects."""
    return tuple((prop.key, prop.columns[0]) for prop in inspect(cls).column_attrs)
