"""The live content every process serves from memory.

`get_content()` is cheap: it returns the cached snapshot and, at most every
`content_refresh_seconds`, asks the source whether a newer version exists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

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


def get_content() -> ContentSnapshot:
    global _snapshot, _checked_at
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


def set_content_source(source: ContentSource) -> None:
    """Replace where content comes from (the database once the admin exists) and reload."""
    global _source
    _source = source
    reset_content_cache()


def reset_content_cache() -> None:
    global _snapshot, _checked_at
    with _lock:
        _snapshot = None
        _checked_at = 0.0
