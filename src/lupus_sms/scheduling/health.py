"""The scheduler's part of `/healthz`: the age of the last completed tick.

A tick is expected when this process runs the in-process scheduler (`serve`), or when the
process is told a separate worker should be running (EXPECT_WORKER=true on the web
processes of a `serve --no-scheduler` + `worker` deployment). Only then does a stale tick
fail the health check; a fresh process gets a few intervals' grace before its first tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from lupus_sms.core.config import Settings
from lupus_sms.scheduling.tick import last_tick_at

STALE_AFTER_TICKS = 4


def scheduler_check(
    db: Session, *, settings: Settings, now: datetime, expected: bool, started_at: datetime | None
) -> tuple[str, dict[str, object]]:
    """("ok" | "stale" | "not_expected", details for the response)."""
    last = last_tick_at(db)
    age = (now - last).total_seconds() if last else None
    details: dict[str, object] = {
        "last_tick_at": last.isoformat() if last else None,
        "last_tick_age_seconds": round(age, 1) if age is not None else None,
    }
    if not expected:
        return "not_expected", details
    limit = timedelta(seconds=STALE_AFTER_TICKS * settings.tick_seconds)
    reference = max(filter(None, (last, started_at)), default=None)
    if reference is None or now - reference > limit:
        return "stale", details
    return "ok", details
