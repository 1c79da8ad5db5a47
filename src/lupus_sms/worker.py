"""The scheduler process: APScheduler 3.x with ONE in-memory interval job running the tick.

Never a job per message and never a shared job store: APScheduler 3.x cannot share a store
between processes and would run jobs twice. Every process keeps its own in-memory store;
the tick's database claims are what make several workers safe together.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from lupus_sms.core.clock import Clock, system_clock
from lupus_sms.core.config import Settings
from lupus_sms.core.db import get_sessionmaker
from lupus_sms.scheduling.tick import run_tick

logger = logging.getLogger(__name__)
JOB_ID = "tick"


def tick_once(clock: Clock = system_clock) -> dict[str, int]:
    return run_tick(get_sessionmaker(), clock.now())


def configure(scheduler: BaseScheduler, settings: Settings, clock: Clock = system_clock):
    # APScheduler logs every run at INFO; the tick logs what it did itself.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    scheduler.add_job(
        tick_once,
        "interval",
        seconds=settings.tick_seconds,
        id=JOB_ID,
        kwargs={"clock": clock},
        next_run_time=clock.now(),  # tick at start-up, then every interval
        coalesce=True,  # after a pause, one catch-up tick, not a burst
        max_instances=1,
        misfire_grace_time=max(1, int(settings.tick_seconds)),
    )
    return scheduler


def start_background(settings: Settings) -> BackgroundScheduler:
    """The in-process scheduler of `lupus-sms serve` (started in the app's lifespan)."""
    scheduler = configure(BackgroundScheduler(timezone=UTC), settings)
    scheduler.start()
    logger.info("in-process scheduler started: one tick every %ss", settings.tick_seconds)
    return scheduler


def run_worker(settings: Settings) -> None:
    """`lupus-sms worker`: tick until SIGTERM/SIGINT, then finish the running tick."""
    scheduler = configure(BlockingScheduler(timezone=UTC), settings)

    def _stop(signum, frame) -> None:
        logger.info("worker stopping (signal %s)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    logger.info("worker started: one tick every %ss", settings.tick_seconds)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
