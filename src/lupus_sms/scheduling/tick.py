"""One scheduler tick: every step of scheduling/jobs.py (`tick_steps`, with those of the
domains above handed in by worker.py) in order, then the heartbeat.

Driven by APScheduler (worker.py: one in-memory interval job per process) or by
`lupus-sms run-due`. Several processes may tick at once: the steps' database claims keep
them from doing the same work twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.metrics import observe_tick
from lupus_sms.scheduling.models import SchedulerHeartbeat

logger = logging.getLogger(__name__)
HEARTBEAT = "tick"
TickStep = Callable[[sessionmaker[Session], datetime], int]


def run_tick(
    session_factory: sessionmaker[Session], now: datetime, steps: list[tuple[str, TickStep]]
) -> dict[str, int]:
    """Run every tick step; a failing step is logged and does not stop the others, but the
    heartbeat is only written when all of them completed."""
    started = time.perf_counter()
    handled: dict[str, int] = {}
    failed = False
    for name, step in steps:
        try:
            handled[name] = step(session_factory, now)
        except Exception:
            logger.exception("tick step %s failed", name)
            failed = True
    if not failed:
        with session_factory() as db:
            record_heartbeat(db, now=now)
            db.commit()
    observe_tick(time.perf_counter() - started)
    return handled


def record_heartbeat(db: Session, *, now: datetime) -> None:
    result = db.execute(
        update(SchedulerHeartbeat)
        .where(SchedulerHeartbeat.name == HEARTBEAT, SchedulerHeartbeat.completed_at < now)
        .values(completed_at=now)
    )
    if result.rowcount or db.get(SchedulerHeartbeat, HEARTBEAT) is not None:
        return
    try:
        with db.begin_nested():
            db.add(SchedulerHeartbeat(name=HEARTBEAT, completed_at=now))
    except IntegrityError:  # another worker wrote the first heartbeat at the same moment
        pass


def last_tick_at(db: Session) -> datetime | None:
    return db.scalar(
        select(SchedulerHeartbeat.completed_at).where(SchedulerHeartbeat.name == HEARTBEAT)
    )
