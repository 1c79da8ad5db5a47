"""Engine, sessions, the declarative base and the UTC datetime column type."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from lupus_sms.core.config import get_settings
from lupus_sms.core.request_scope import request_engine, request_session

# Stable constraint names so Alembic migrations do not depend on the database's defaults.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# How long a SQLite statement waits for another connection's write lock before "database
# is locked".
SQLITE_BUSY_TIMEOUT_MS = 15_000

# Primary keys are INTEGER: 32-bit on PostgreSQL. Larger ids from clients are refused as 422
# instead of reaching the database as "integer out of range".
MAX_ID = 2**31 - 1


# `info` of a column that holds a patient's words or contact details: erasing the patient
# clears it in every table that has a `patient_id` (enrollment/erasure.py), so a new table
# is covered by marking its column, not by remembering to extend the erasure.
PERSONAL = {"personal": True}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database.

    SQLite keeps no offset (07:00-05:00 would come back as a naive 07:00), so values are
    converted to UTC before they are written and marked UTC when read. Naive input is a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_engine(url: str, *, statement_timeout_ms: int = 0, **kwargs) -> Engine:
    """An engine tuned per backend: WAL and a busy timeout on SQLite; on PostgreSQL pre-ping
    (connections killed on the server are replaced), a connect timeout and, when given,
    statement and lock timeouts. Errors never carry statement parameters: they are patients'
    texts and numbers, and errors end up in logs."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        # A lock is waited for no longer than a statement may take on PostgreSQL: a request
        # behind another process's write lock answers 503 instead of holding its connection
        # and thread for SQLite's default, and so does one waiting for a pooled connection.
        busy_ms = statement_timeout_ms or SQLITE_BUSY_TIMEOUT_MS
        if "poolclass" not in kwargs and _queue_pooled(url):
            kwargs.setdefault("pool_timeout", busy_ms / 1000)
        engine = create_engine(url, connect_args={"timeout": busy_ms / 1000}, **kwargs)
        event.listen(engine, "connect", functools.partial(_sqlite_on_connect, busy_ms=busy_ms))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs["connect_args"] = _postgres_connect_args(
        kwargs.get("connect_args"), statement_timeout_ms
    )
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
        kwargs.setdefault("pool_timeout", (statement_timeout_ms or 5000) / 1000)
    return create_engine(url, **kwargs)


def _queue_pooled(url: str) -> bool:
    """Whether SQLAlchemy pools the URL's connections in a QueuePool (sized, with a wait):
    every database but an in-memory SQLite one."""
    return make_url(url).database not in (None, "", ":memory:")


def _postgres_connect_args(given: dict | None, statement_timeout_ms: int) -> dict:
    """Fail fast instead of hanging: a refused or slow database must not outlast the webhook."""
    connect_args = {"connect_timeout": 5, **(given or {})}
    if statement_timeout_ms:
        limits = (
            f"-c statement_timeout={statement_timeout_ms} -c lock_timeout={statement_timeout_ms}"
        )
        connect_args["options"] = f"{connect_args.get('options', '')} {limits}".strip()
    return connect_args


def _sqlite_on_connect(dbapi_connection, connection_record, *, busy_ms: int) -> None:
    # SQLAlchemy's documented pysqlite workaround: let SQLAlchemy emit BEGIN itself, or
    # SAVEPOINTs (begin_nested, the per-test rollback) silently do nothing.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.close()
    connection_record.info["busy_timeout_ms"] = busy_ms  # restored after a shorter wait


def _sqlite_begin(connection) -> None:
    # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
    # writes can fail with "database is locked" instead of waiting for the busy timeout.
    options = connection.get_execution_options()
    if options.get("read_only"):
        # Read-only work (the live-content poll) takes no write lock: in WAL mode it never
        # waits for a writer, even one in the same thread.
        connection.exec_driver_sql("BEGIN")
        return
    wait_ms = options.get("sqlite_lock_wait_ms")
    if wait_ms is None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    # A caller that must not wait the busy timeout (the inbound writer: on the event loop not
    # at all, elsewhere no longer than a webhook may take) waits `wait_ms`, then gets
    # "database is locked". In WAL mode the rest of a transaction never waits for a lock, so
    # only the BEGIN does.
    driver = connection.connection.driver_connection
    driver.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        usual = connection.connection.info.get("busy_timeout_ms", SQLITE_BUSY_TIMEOUT_MS)
        driver.execute(f"PRAGMA busy_timeout={usual}")


def _is_memory(dbapi_connection) -> bool:
    row = dbapi_connection.execute("PRAGMA database_list").fetchone()
    return not row or not row[2]


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(
        settings.database_url, statement_timeout_ms=settings.database_statement_timeout_ms
    )


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


# The inbound writer's batches at once (inbound/group_commit.py), each on one connection.
WRITER_CONNECTIONS = 2


@lru_cache
def get_writer_sessionmaker() -> sessionmaker[Session]:
    """Sessions on the inbound writer's own connections. A text must never wait for a pooled
    connection that page and API requests hold while they wait for a lock: it would be
    answered late, or not at all, instead of spooled at once."""
    settings = get_settings()
    pool = {}
    if _queue_pooled(settings.database_url):
        pool = {"pool_size": WRITER_CONNECTIONS, "max_overflow": WRITER_CONNECTIONS}
    engine = make_engine(
        settings.database_url, statement_timeout_ms=settings.database_statement_timeout_ms, **pool
    )
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_db(request: Request) -> Session:
    """The request's session (core/request_scope.py): the request, not this dependency,
    ends it, after every handler and error page, on every path."""
    return request_session(request)


DbSession = Annotated[Session, Depends(get_db)]


def get_sign_in_db(request: Request) -> Iterator[Session]:
    """A session outside the request's one transaction, for signing in only: it commits the
    count of an attempt before Argon2 runs, so that no connection is held while it does
    (users/signin.py), which the request's transaction, committed once at its end, cannot."""
    with Session(request_engine(request), expire_on_commit=False) as session:
        yield session


SignInSession = Annotated[Session, Depends(get_sign_in_db)]


def get_read_only_db(request: Request) -> Iterator[Session]:
    """A session that only reads, outside the request's transaction: on SQLite it takes no
    write lock, so a health check or a metrics scrape never queues behind a busy writer
    (the request's session begins IMMEDIATE, core/db._sqlite_begin)."""
    # Connected at the first query, not here: a database that is down is then the health
    # check's own finding, not an error before it runs.
    with Session(bind=request_engine(request).execution_options(read_only=True)) as session:
        yield session


ReadOnlySession = Annotated[Session, Depends(get_read_only_db)]
