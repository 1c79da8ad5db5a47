"""Group commit for inbound texts: texts that arrive together share one transaction.

Each webhook request still waits until its own text is committed before it answers (the
TwiML reply promises the text is stored), but the session, the BEGIN/COMMIT and the
statements are paid once per batch instead of once per text. Nothing waits on a timer:
while one batch is being written, the requests that arrive queue up and become the next
batch (with the few loop turns that requests already read take to reach the queue), so
batches grow with the load and a lone text goes straight through.

One text that fails (a bug, a constraint) must not cost the others: the batch is rolled
back and each of its texts is then handled alone, in its own transaction. So is a batch
that lost a lock conflict to another process's (a deadlock: two batches creating the same
new numbers in different orders), which PostgreSQL reports like a database that is down;
the texts are not spooled for it, since the database is up.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from lupus_sms.core.clock import Clock, get_clock
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.db import WRITER_CONNECTIONS, get_db, get_writer_sessionmaker
from lupus_sms.core.errors import DATABASE_UNAVAILABLE, LupusSmsError
from lupus_sms.inbound.batch import process_inbound_batch
from lupus_sms.inbound.service import InboundResult, InboundSms, handle_inbound
from lupus_sms.inbound.spool import accept_while_database_down
from lupus_sms.metrics import observe_inbound_batch

logger = logging.getLogger(__name__)
# Enough to amortise a COMMIT, small enough that the first text of a batch does not wait
# long for the last one.
MAX_BATCH = 64
# On the event loop, a batch holds every other request of the process for its CPU time:
# 16 texts take about 4 ms, as long as the GIL lets a thread run before it must let go, and
# cost a text little more than 64 would (`python -m bench writer`).
MAX_BATCH_ON_LOOP = 16


@dataclass
class _Waiting:
    sms: InboundSms
    future: asyncio.Future
    arrived: float  # time.monotonic()


# Batches written at once, each on its own connection. On PostgreSQL a batch spends much of
# its time waiting for the server (its round trips, its COMMIT): with one writer the process
# idled through those waits, and the texts that arrived meanwhile formed a batch of one or
# two that paid a whole transaction. A second writer decides its batch while the first one
# waits (BENCHMARKS.md). On SQLite there is one write lock: one writer.
WRITERS_ON_POSTGRESQL = WRITER_CONNECTIONS


class InboundWriter:
    """Per app: queues inbound texts and writes them in batches: on SQLite one batch at a
    time, on the event loop while the write lock is free, otherwise on a database thread of
    the process (`_write_batch`); on PostgreSQL up to WRITERS_ON_POSTGRESQL batches at once,
    each on a database thread.

    A number's texts are written in the order they came: a text whose number is in a batch
    being written waits for that batch to commit, and then goes in the next one, so it is
    decided on its number's new state (a MORE after AHSCT pages on). Texts of different
    numbers are independent, as they are across processes (README, "Scaling out").
    """

    def __init__(self, app: FastAPI):
        self.app = app
        self.waiting: list[_Waiting] = []
        self.writing: set[str] = set()  # the numbers in a batch being written
        self.lanes: list[asyncio.Task] = []  # the tasks writing batches, one per writer

    async def answer(self, sms: InboundSms) -> InboundResult:
        """The text written (`submit`); while the database is unavailable, spooled and
        answered from memory instead: Twilio will not send it again."""
        received_at = self.clock().now()  # before any wait for the database
        try:
            return await self.submit(sms)
        except DATABASE_UNAVAILABLE:
            return await run_in_threadpool(
                accept_while_database_down,
                sms,
                settings=self.settings(),
                clock=self.clock(),
                received_at=received_at,
            )

    async def submit(self, sms: InboundSms) -> InboundResult:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append(_Waiting(sms, future, time.monotonic()))
        # A lane of a loop that has since closed (a test's client) counts as finished.
        self.lanes = [lane for lane in self.lanes if not lane.done() and lane.get_loop() is loop]
        if len(self.lanes) < self._writers():
            self.lanes.append(loop.create_task(self._drain()))
        return await future

    async def _drain(self) -> None:
        """One writer: batch after batch while texts it may take are waiting."""
        while batch := await self._take_batch():
            numbers = {item.sms.from_number for item in batch}
            self.writing |= numbers
            texts = [item.sms for item in batch]
            observe_inbound_batch(len(texts))
            try:
                oldest = min(item.arrived for item in batch)
                results = await self._write_batch(texts, since=oldest)
            except Exception as exc:  # the database is down: every text of it is spooled
                results = [exc] * len(batch)
            finally:
                self.writing -= numbers
            for item, result in zip(batch, results, strict=True):
                if item.future.done():  # the client went away; its text is stored all the same
                    continue
                if isinstance(result, BaseException):
                    item.future.set_exception(result)
                else:
                    item.future.set_result(result)

    async def _take_batch(self) -> list[_Waiting]:
        """The waiting texts of numbers no other batch is writing, oldest first, at most a
        batch; the rest keep their places."""
        if not self.waiting:
            return []
        await _let_arrived_requests_join(self.waiting)
        size = MAX_BATCH_ON_LOOP if self._on_sqlite() else MAX_BATCH
        batch: list[_Waiting] = []
        kept: list[_Waiting] = []
        for item in self.waiting:
            takes = len(batch) < size and item.sms.from_number not in self.writing
            (batch if takes else kept).append(item)
        self.waiting = kept
        return batch

    def _writers(self) -> int:
        # A session put in place of `get_db` (a test's) may be one for all: one writer then.
        shared = get_db in self.app.dependency_overrides
        return 1 if self._on_sqlite() or shared else WRITERS_ON_POSTGRESQL

    async def _write_batch(
        self, texts: list[InboundSms], *, since: float
    ) -> list[InboundResult | BaseException]:
        """On SQLite, on the event loop itself when the write lock is free at once; otherwise,
        and on PostgreSQL, on the writer thread, where waiting blocks nothing.

        Under the GIL a thread runs no Python in parallel with the loop anyway: what it buys
        is the loop going on while the batch waits (for PostgreSQL's round trips and commit,
        for a lock another process holds). A SQLite batch holding the lock waits for nothing
        (WAL, synchronous=NORMAL: its commit does not wait for the disk), and handing it to a
        thread cost a fifth of the process's CPU per text in GIL switches and futures
        (BENCHMARKS.md). The loop is held for the batch's own CPU time, a few milliseconds."""
        if self._on_sqlite():
            try:
                return self._write(texts, lock_wait_ms=0)
            except WriteLockBusy:
                pass  # another connection holds it: wait for it on the thread
        # No longer than the database may take before a text is spooled (README), not
        # SQLite's busy timeout: the batch's texts would outwait Twilio's 15 s. Counted from
        # when its oldest text came (`since`): a text that queued behind a batch waiting for
        # the lock has waited part of it already.
        wait_ms = self.settings().database_statement_timeout_ms or None
        if wait_ms is not None:
            wait_ms = max(1, wait_ms - int((time.monotonic() - since) * 1000))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            _writer_thread, functools.partial(self._write, texts, lock_wait_ms=wait_ms)
        )

    def _on_sqlite(self) -> bool:
        return self.settings().database_url.startswith("sqlite")

    def settings(self) -> Settings:
        return _resolve(self.app, get_settings)

    def clock(self) -> Clock:
        return _resolve(self.app, get_clock)

    def _write(
        self, texts: list[InboundSms], *, lock_wait_ms: int | None = None
    ) -> list[InboundResult | BaseException]:
        return handle_inbound_batch(
            lambda: _session(self.app),
            texts=texts,
            settings=self.settings(),
            clock=self.clock(),
            lock_wait_ms=lock_wait_ms,
        )


# Loop turns a batch waits at most for requests that have already arrived to reach it.
JOIN_TURNS = 4


async def _let_arrived_requests_join(waiting: list[_Waiting]) -> None:
    """Give the requests already read from their sockets the few loop turns they take to
    reach `submit`, while each turn brings more. Without this, the first one or two requests
    after a batch's answers go out form a batch of their own, and every other batch is a
    tiny one paying a whole transaction. Not a timer: an idle loop turns in microseconds, so
    a lone text goes straight through."""
    for _ in range(JOIN_TURNS):
        before = len(waiting)
        await asyncio.sleep(0)
        if len(waiting) == before:
            return


class WriteLockBusy(Exception):
    """SQLite's write lock was held by another connection when the batch asked for it."""


def handle_inbound_batch(
    session_scope: Callable,
    *,
    texts: list[InboundSms],
    settings: Settings,
    clock: Clock,
    lock_wait_ms: int | None = None,
) -> list[InboundResult | BaseException]:
    """Every text of the batch in one transaction (inbound/batch.py); on any failure, each
    text alone. With `lock_wait_ms`, on SQLite, the write lock is waited for that long
    (core/db.py): 0 raises WriteLockBusy at once, more raises "database is locked" (the
    database is unavailable: the texts are spooled)."""
    with session_scope() as db:
        if lock_wait_ms is not None:
            _take_write_lock(db, lock_wait_ms)
        try:
            results = process_inbound_batch(db, texts=texts, settings=settings, clock=clock)
            db.commit()
            return results
        except Exception as exc:
            if isinstance(exc, DATABASE_UNAVAILABLE) and not lost_a_lock_conflict(exc):
                raise
            _roll_back(db)
            if len(texts) == 1 and isinstance(exc, LupusSmsError):
                logger.warning("an inbound text was refused: %s", exc.message)
                return [exc]
            logger.warning(
                "a batch of %d inbound texts failed (%s); retrying each alone",
                len(texts),
                type(exc).__name__,
            )
    return [_handle_alone(session_scope, sms, settings=settings, clock=clock) for sms in texts]


def _handle_alone(
    session_scope: Callable, sms: InboundSms, *, settings: Settings, clock: Clock
) -> InboundResult | BaseException:
    """One text in its own transaction; tried again once if it lost a lock conflict."""
    tries = 2
    while True:
        tries -= 1
        with session_scope() as db:
            try:
                return handle_inbound(db, sms=sms, settings=settings, clock=clock)
            except Exception as exc:  # the route answers it: spooled, or an error status
                _roll_back(db)
                if tries and lost_a_lock_conflict(exc):
                    continue
                if isinstance(exc, LupusSmsError):  # refused with a 4xx, nothing broken
                    logger.warning("an inbound text was refused: %s", exc.message)
                elif not isinstance(exc, DATABASE_UNAVAILABLE):
                    logger.exception("an inbound text could not be handled")
                return exc


def _take_write_lock(db: Session, wait_ms: int) -> None:
    bind = db.get_bind()
    if db.in_transaction() or not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return  # on a connection its caller holds, the caller has arranged its locks
    try:
        db.connection(execution_options={"sqlite_lock_wait_ms": wait_ms})
    except OperationalError as exc:
        if wait_ms or getattr(exc.orig, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY:
            raise
        _roll_back(db)
        raise WriteLockBusy from exc


# PostgreSQL's SQLSTATEs for a transaction that lost to another at once: deadlock_detected
# and serialization_failure. A lock wait that timed out (lock_not_available) is not one: the
# database may be held by a migration, and waiting again text by text would block the writer.
LOCK_CONFLICTS = frozenset({"40P01", "40001"})


def lost_a_lock_conflict(exc: BaseException) -> bool:
    """Whether `exc` is another transaction winning a lock, not the database failing."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in LOCK_CONFLICTS


def _roll_back(db: Session) -> None:
    """Also forget the session's objects: messages inserted by `insert_message` are not known
    to the session as new, so a rollback would keep them (and SQLite reuses their ids)."""
    db.rollback()
    db.expunge_all()


# Shared by every app of the process (tests build many apps, and threads are not freed).
_writer_thread = ThreadPoolExecutor(
    max_workers=WRITERS_ON_POSTGRESQL, thread_name_prefix="inbound-writer"
)


def inbound_writer(app: FastAPI) -> InboundWriter:
    writer = getattr(app.state, "inbound_writer", None)
    if writer is None:
        writer = app.state.inbound_writer = InboundWriter(app)
    return writer


def _resolve(app: FastAPI, dependency: Callable):
    """What a plain dependency resolves to in this app (tests override them). Resolved here
    rather than by FastAPI's injection, which runs plain functions in the thread pool: two
    thread hops per request on the hottest path."""
    return app.dependency_overrides.get(dependency, dependency)()


@contextmanager
def _session(app: FastAPI) -> Iterator[Session]:
    """A session of its own per batch (not a request's: one batch serves many requests),
    or the one a test put in place of `get_db`."""
    override = app.dependency_overrides.get(get_db)
    if override is None:
        with get_writer_sessionmaker()() as db:
            yield db
        return
    provided = override()
    if not inspect.isgenerator(provided):
        yield provided
        return
    try:
        yield next(provided)
    finally:
        provided.close()
