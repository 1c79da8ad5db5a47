"""The batched inbound writer's statements run straight on the driver, and their rows as the
session's ORM objects, without SQLAlchemy's per-statement and per-object cost.

A batch (inbound/batch.py) costs six statements: its senders' state, the clinics its texts
name, its numbers' recent replies, the texts, the topics, the replies (and on PostgreSQL,
first, the locks that hold its numbers against other processes). Through SQLAlchemy's
execution each cost several times what SQLite takes to run it (its execution context,
parameter and result objects, events): about 1 ms of a lone text's 1.7. `read_together`
and `insert_rows` compile each statement once and hand it to the driver's cursor in the
session's own transaction, with the same bind and result processing SQLAlchemy applies, and
raise errors as SQLAlchemy would. So their SQL must not depend on the parameters: `one_of`
binds a list as one parameter, and `insert_rows` binds one array per column on PostgreSQL
(on SQLite, one statement per number of rows).

On PostgreSQL each statement sent alone also waits for its answer before the next one goes;
`read_together` sends the locks and the three reads in one round trip with psycopg's
pipeline mode
(`python -m bench pg-pipeline` measures what that saves).

`as_persistent` turns a row into the session's persistent ORM object, as a load would: its
changes are tracked and flushed, attributes not given load on first access, and an object
the session already holds for the row is the one returned. `attach_row` does the same for
a row the session cannot hold yet, such as one just inserted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from sqlalchemy import ARRAY, JSON, any_, bindparam, cast, func, inspect, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql import Insert
from sqlalchemy.sql.expression import Executable

DIALECTS = ("sqlite", "postgresql")


def one_of(column, name: str, dialect: str):
    """`column` is one of the list bound as `name`, in a statement whose SQL is the same
    whatever the list's length (so it is compiled once, and can be pipelined): on PostgreSQL
    `= ANY(array)`, on SQLite `IN` the values of a JSON array."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    values = func.json_each(bindparam(name, type_=JSON)).table_valued("value")
    return column.in_(select(values.c.value))


def read_together(db: Session, reads: Sequence[tuple[Executable, dict]]) -> list[list[tuple]]:
    """The rows of each (statement, parameters), in the session's transaction; on PostgreSQL
    in one round trip. Statements are built once (the module's docstring)."""
    connection = db.connection()
    if connection.dialect.name != "postgresql":
        return [_run(connection, statement, params) for statement, params in reads]
    return _pipelined(connection, reads)


def insert_rows(db: Session, statement: Insert, rows: list[dict]) -> list[tuple]:
    """`statement` (an INSERT built once, with its ON CONFLICT and RETURNING, without VALUES)
    for every row in one statement run on the driver; its RETURNING rows. Every row has the
    same keys; the columns' Python defaults fill the others, as SQLAlchemy's would.

    On PostgreSQL the rows go as one array per column (`INSERT ... SELECT ... FROM
    unnest(...)`): the statement is the same for any number of rows, so psycopg parses it
    once (it re-parses any statement of more than 50 parameters) and the server can prepare
    it. SQLite has no arrays: it gets one statement of VALUES per number of rows."""
    if not rows:
        return []
    keys = tuple(rows[0])
    defaults = _python_defaults(statement.table, keys)
    columns = keys + tuple(key for key, _ in defaults)
    filled = [{**row, **{key: default() for key, default in defaults}} for row in rows]
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        params = {key: [row[key] for row in filled] for key in columns}
        return _run(connection, _unnested(statement, columns), params)
    many = _many_values(statement, columns, len(rows))
    params = {f"{key}_{at}": value for at, row in enumerate(filled) for key, value in row.items()}
    return _run(connection, many, params)


@cache
def _unnested(statement: Insert, keys: tuple[str, ...]) -> Insert:
    """`statement` inserting the rows of `unnest` over one array parameter per column."""
    types = [ARRAY(_type_of(statement.table.c[key])) for key in keys]
    arrays = [cast(bindparam(key, type_=t), t) for key, t in zip(keys, types, strict=True)]
    rows = func.unnest(*arrays).table_valued(*keys).render_derived()
    chosen = select(*(rows.c[key] for key in keys))
    return statement.from_select(list(keys), chosen, include_defaults=False)


def _type_of(column):
    """A column's type; a foreign key declared without one has the type it refers to."""
    if column.type._isnull and column.foreign_keys:
        return next(iter(column.foreign_keys)).column.type
    return column.type


@cache
def _python_defaults(table, given: tuple[str, ...]) -> tuple:
    """(column, zero-argument callable) of each column not `given` with a Python default."""
    found = []
    for column in table.columns:
        default = column.default
        if column.key in given or default is None:
            continue
        if default.is_scalar:
            found.append((column.key, lambda value=default.arg: value))
        elif default.is_callable:
            found.append((column.key, lambda make=default.arg: make(None)))
    return tuple(found)


@cache
def _many_values(statement: Insert, keys: tuple[str, ...], count: int) -> Insert:
    """`statement` with `count` rows of VALUES, bound as `<key>_<row>`: one statement for
    each batch size, compiled once."""
    columns = statement.table.c
    return statement.values(
        [
            {key: bindparam(f"{key}_{index}", type_=_type_of(columns[key])) for key in keys}
            for index in range(count)
        ]
    )


def _run(connection: Connection, statement: Executable, params: dict) -> list[tuple]:
    """The rows of `statement` (built once) run on the driver's cursor, in `connection`'s
    transaction."""
    compiled = _compiled(connection.dialect, statement)
    driver = connection.connection.driver_connection
    dbapi = connection.dialect.loaded_dbapi
    try:
        cursor = driver.cursor()
        try:
            cursor.execute(compiled.sql, compiled.parameters(params))
            rows = cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()
    except dbapi.Error as exc:
        raise _as_sqlalchemy_error(exc, dbapi, connection.dialect) from exc
    return [compiled.processed(row) for row in rows]


def _pipelined(
    connection: Connection, reads: Sequence[tuple[Executable, dict]]
) -> list[list[tuple]]:
    import psycopg

    driver = connection.connection.driver_connection
    prepared = [(_compiled(connection.dialect, statement), params) for statement, params in reads]
    try:
        with driver.pipeline():
            cursors = []
            for compiled, params in prepared:
                cursor = driver.cursor()
                cursor.execute(compiled.sql, compiled.parameters(params))
                cursors.append(cursor)
        found = []
        for cursor, (compiled, _) in zip(cursors, prepared, strict=True):
            found.append([compiled.processed(row) for row in cursor.fetchall()])
            cursor.close()
        return found
    except psycopg.Error as exc:
        raise _as_sqlalchemy_error(exc, psycopg, connection.dialect) from exc


def _as_sqlalchemy_error(exc: Exception, dbapi, dialect: Dialect) -> DBAPIError:
    """`exc` as SQLAlchemy would raise it (the spool catches its OperationalError), without
    the parameters: they are patients' numbers."""
    return DBAPIError.instance(None, None, exc, dbapi.Error, hide_parameters=True, dialect=dialect)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    defaults: dict  # the values bound in the statement itself (`direction = 'outbound'`)
    names: tuple[str, ...] | None  # the parameters' order, for a positional paramstyle
    binds: tuple[tuple[str, object], ...]  # (name, bind processor) of the processed ones
    results: tuple  # each result column's processor, or None

    def parameters(self, params: dict):
        values = {**self.defaults, **params}
        for name, process in self.binds:
            values[name] = process(values[name])
        return values if self.names is None else tuple(values[name] for name in self.names)

    def processed(self, row: tuple) -> tuple:
        if not any(self.results):
            return tuple(row)
        return tuple(
            value if process is None else process(value)
            for value, process in zip(row, self.results, strict=True)
        )


@cache
def _compiled(dialect: Dialect, statement: Executable) -> _Compiled:
    """`statement` compiled for `dialect`, with its bind and result processors."""
    compiled = statement.compile(dialect=dialect)
    binds = tuple(
        (name, process)
        for name, bind in compiled.binds.items()
        if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    )
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.exported_columns  # a SELECT's, or an INSERT's RETURNING
    )
    names = tuple(compiled.positiontup) if compiled.positiontup else None
    given = {
        name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required
    }
    return _Compiled(compiled.string, given, names, binds, results)


def as_persistent(db: Session, cls: type, values: dict):
    """The object of `cls` whose column attributes are `values` (with its `id`), persistent
    in `db`, as a query would have loaded it (without `populate_existing`)."""
    mapper, _ = _mapped(cls)
    held = db.identity_map.get(mapper.identity_key_from_primary_key((values["id"],)))
    if held is not None:
        return held
    return attach_row(db, cls, values)


def attach_row(db: Session, cls: type, values: dict):
    """A row the session does not hold yet (just read, or just inserted through Core) as a
    persistent object of `cls`. The session refuses it if it holds one for the row.

    Made the way a query's loading makes an object (sqlalchemy/orm/loading.py): its values
    straight into its state, its identity key set, put in the session's identity map, the
    columns not given expired so they load on first access. `Session.add` of a detached
    object would do the same through the save-update cascade and the attach events, which
    cost three times as much and do nothing here (no relationship of these rows is loaded,
    and the app listens to no attach event)."""
    mapper, columns = _mapped(cls)
    key = mapper.identity_key_from_primary_key((values["id"],))
    if key in db.identity_map:
        raise InvalidRequestError(f"the session already holds {key}")
    made = mapper.class_manager.new_instance()
    made.__dict__.update(values)
    state = instance_state(made)
    state.key = key
    state.identity_token = None
    state.session_id = db.hash_key
    db.identity_map._add_unpresent(state, key)
    if len(values) < len(columns):
        state._expire_attributes(state.dict, columns.difference(values))
    return made


@cache
def _mapped(cls: type):
    """The mapper of `cls` and the names of its column attributes."""
    mapper = inspect(cls)
    return mapper, frozenset(prop.key for prop in mapper.column_attrs)


@cache
def column_attributes(cls: type) -> tuple[tuple[str, object], ...]:
    """(attribute name, column) of each column attribute of `cls`, for a Core select whose
    rows `as_persistent` turns into objects."""
    return tuple((prop.key, prop.columns[0]) for prop in inspect(cls).column_attrs)
