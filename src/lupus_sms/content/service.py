"""The live content every process serves from memory.

`get_content()` is cheap: it returns the cached snapshot and, at most every
`content_refresh_seconds`, asks the source whether a newer version exists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from lupus_sms.content.loader import load_content_dir
from lupus_sms.content.snapshot import ContentSnapshot
from lupus_sms.core.config import get_settings

_lock = threading.Lock()
_snapshot: ContentSnapshot | None = None
_checked_at = 0.0
# A source returns a new snapshot when content changed since `current`, else None.
ContentSource = Callable[[ContentSnapshot | None], ContentSnapshot | None]


def _yaml_source(current: ContentSnapshot | None) -> ContentSnapshot | None:
    return load_content_dir(get_settings().content_dir) if current is None else None


_source: ContentSource = _yaml_source


# The simulator answers with draft content in its own thread only, never for real texts.
_override: ContextVar[ContentSnapshot | None] = ContextVar("content_override", default=None)


def get_content() -> ContentSnapshot:
    """The content being served: this block's override, else the source's latest
    snapshot, checked again at most every `CONTENT_REFRESH_SECONDS`."""
    global _snapshot, _checked_at
    override = _override.get()
    if override is not None:
        return override
    now = time.monotonic()
    if _snapshot is not None and now - _checked_at < get_settings().content_refresh_seconds:
        return _snapshot
    with _lock:
        if _snapshot is None or now - _checked_at >= get_settings().content_refresh_seconds:
            fresh = _source(_snapshot)
            if fresh is not None:
                _snapshot = fresh
            _checked_at = now
    assert _snapshot is not None
    return _snapshot


def served_content() -> ContentSnapshot | None:
    """The snapshot being served, without asking its source (which may be the database)
    whether it changed; None before the first `get_content()`."""
    return _snapshot


def set_content_source(source: ContentSource) -> None:
    """Replace where content comes from (the database once the admin exists) and reload."""
    global _source
    _source = source
    reset_content_cache()


def reset_content_cache() -> None:
    """Forget the served snapshot: the next `get_content()` asks the source again."""
    global _snapshot, _checked_at
    with _lock:
        _snapshot = None
        _checked_at = 0.0


def use_database_content(session_factory) -> None:
    """Serve the live content from the database (content/ YAML while it holds none).

    `session_factory()` returns a context manager yielding a Session: the process's
    sessionmaker in production, the test's own session in tests.
    """
    from lupus_sms.content.store import DatabaseSource

    set_content_source(DatabaseSource(session_factory, lambda: get_settings().content_dir))


def use_yaml_content() -> None:
    """Serve content/ YAML only (no database), as before the admin existed."""
    set_content_source(_yaml_source)


@contextmanager
def content_override(snapshot: ContentSnapshot) -> Iterator[None]:
    """Within this block (this thread or task only), get_content() returns `snapshot`."""
    token = _override.set(snapshot)
    try:
        yield
    finally:
        _override.reset(token)


@contextmanager
def read_only_session() -> Iterator:
    """A session for the content poll that never waits for SQLite's write lock."""
    from sqlalchemy.orm import Session

    from lupus_sms.core.db import get_engine

    with get_engine().connect() as connection:
        connection.execution_options(read_only=True)
        with Session(bind=connection) as session:
            yield session
