"""One database session per HTTP request, ended in exactly one place.

Why not a dependency with `yield`: FastAPI runs its exit code before the exception handlers,
so an error page rendered by a handler (the portal's 404, with its open-alert badge) used a
session that had already been closed, and SQLAlchemy quietly began a new transaction on it
that nothing ever ended. On SQLite that held the write lock; on PostgreSQL it left the
connection idle in transaction until the pool ran dry.

So the session belongs to the request, not to a dependency:

- `DatabaseRequestScope` (pure ASGI middleware, outside every handler) gives each HTTP request
  a `RequestDatabase`; `get_db` hands out its session, opened on first use: one connection,
  one transaction, and a session that joins it with savepoints. A use case's `commit()`
  inside a request is therefore provisional (a savepoint released), exactly as in the test
  suite; the request commits once.
- The scope ends before the response's first byte is sent, whatever happened: it commits
  what the request's use cases committed, or, if anything raised (an exception an error
  handler turned into a page included, see `roll_back_handled_errors`), rolls everything
  back. Then the session is closed for good: using it afterwards raises instead of opening a
  transaction that nobody ends. A failed commit answers 500 instead of the page.

Hence a change and its audit entry commit together or not at all, and no path of any request
leaves a transaction or a connection open. Work that must follow the real commit (dropping
a cache other connections would refill) is registered with `after_commit`.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable

import anyio
from fastapi import FastAPI, Request
from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)
STATE_KEY = "request_database"
_INFO_KEY = "request_database"
_COMMIT_FAILED = (
    b'{"error": {"code": "internal_error", "message": "the change was not saved", "details": []}}'
)


class RequestDatabase:
    """The database work of one request: opened on first use, ended once by the middleware."""

    def __init__(self, engine: Callable[[], Engine]):
        self._engine = engine
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None
        self._session: Session | None = None
        self._after_commit: list[Callable[[], None]] = []
        self.failed = False
        self.ended = False

    @property
    def session(self) -> Session:
        if self.ended:
            raise RuntimeError("this request's database session has already ended")
        if self._session is None:
            self._connection = self._engine().connect()
            self._transaction = self._connection.begin()
            self._session = Session(
                bind=self._connection,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
                close_resets_only=False,  # a closed session refuses work instead of reopening
            )
            self._session.info[_INFO_KEY] = self
        return self._session

    def end(self) -> None:
        """Commit what the use cases committed (everything rolled back if the request failed),
        then close the session and give the connection back. Runs once."""
        if self.ended:
            return
        self.ended = True
        if self._session is None:
            return
        try:
            self._session.close()  # drops what no use case committed
            if self.failed:
                self._transaction.rollback()
            else:
                self._transaction.commit()
        finally:
            self._connection.close()  # rolls back whatever is still open
        if not self.failed:
            for callback in self._after_commit:
                callback()


def request_database(request: Request) -> RequestDatabase:
    database = request.scope.get("state", {}).get(STATE_KEY)
    if database is None:
        raise RuntimeError("no request database: is DatabaseRequestScope installed?")
    return database


def request_engine(request: Request) -> Engine:
    """The engine the request's database works on (for a session of its own, see
    core/db.get_sign_in_db)."""
    return request_database(request)._engine()


def request_session(request: Request) -> Session:
    return request_database(request).session


def after_commit(db: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once `db`'s work is really committed: at the end of the request for a
    request's session, at once otherwise (the caller has just committed)."""
    database = db.info.get(_INFO_KEY)
    if database is None:
        callback()
    else:
        database._after_commit.append(callback)


class DatabaseRequestScope:
    """ASGI middleware: each HTTP request's `RequestDatabase`, ended before the response."""

    def __init__(self, app: ASGIApp, engine: Callable[[], Engine]):
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        database = RequestDatabase(self.engine)
        scope.setdefault("state", {})[STATE_KEY] = database
        commit_failed = False

        async def send_after_ending(message: Message) -> None:
            nonlocal commit_failed
            if commit_failed:
                return  # the handler's response is replaced by the 500 already sent
            if message["type"] == "http.response.start" and not database.ended:
                try:
                    await _end(database)
                except Exception:
                    logger.exception("the request's transaction could not be committed")
                    commit_failed = True
                    await _answer_500(send)
                    return
            await send(message)

        try:
            await self.app(scope, receive, send_after_ending)
        except BaseException:
            database.failed = True
            raise
        finally:
            await _end(database)


async def _end(database: RequestDatabase) -> None:
    if database.ended:
        return
    with anyio.CancelScope(shield=True):  # a client that hung up must not skip the end
        await run_in_threadpool(database.end)


async def _answer_500(send: Send) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(_COMMIT_FAILED)),
    ]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": _COMMIT_FAILED})


def roll_back_handled_errors(app: FastAPI) -> None:
    """Every exception handler of `app` marks the request failed before it answers, so an
    exception that became an error page rolls the request back like one that became a 500.
    Call it once every handler is registered (create_app does)."""
    for key, handler in list(app.exception_handlers.items()):
        app.exception_handlers[key] = _failing_request(handler)


def _failing_request(handler):
    if getattr(handler, "marks_request_failed", False):
        return handler

    @functools.wraps(handler)
    async def handle(request: Request, exc: Exception):
        database = request.scope.get("state", {}).get(STATE_KEY)
        if database is not None:
            database.failed = True
        if inspect.iscoroutinefunction(handler):
            return await handler(request, exc)
        return await run_in_threadpool(handler, request, exc)

    handle.marks_request_failed = True
    return handle
