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
from lupus_sms.messaging.transport import build_transport
from lupus_sms.scheduling import jobs as scheduling_jobs
from lupus_sms.scheduling.jobs import Senders
from lupus_sms.scheduling.tick import TickStep, run_tick
from lupus_sms.threads.jobs import renotify_waiting

logger = logging.getLogger(__name__)
JOB_ID = "tick"


Steps = list[tuple[str, TickStep]]


def senders_for(settings: Settings) -> Senders:
    """What a process sends through, as `settings` configure it: built once per process."""
    return Senders(sms=build_transport(settings))


def tick_steps(senders: Senders) -> Steps:
    """Every step of one tick: scheduling's (scheduling/jobs.py), with the steps of the
    domains above it handed in here, where the process is wired, as the inbound order hands
    in theirs (scheduling cannot import them)."""
    return scheduling_jobs.tick_steps(senders, upper=[("conversations_renotify", renotify_waiting)])


def tick_once(steps: Steps, clock: Clock = system_clock) -> dict[str, int]:
    return run_tick(get_sessionmaker(), clock.now(), steps)


def configure(
    scheduler: BaseScheduler, settings: Settings, senders: Senders, clock: Clock = system_clock
):
    # APScheduler logs every run at INFO; the tick logs what it did itself.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    scheduler.add_job(
        tick_once,
        "interval",
        seconds=settings.tick_seconds,
        id=JOB_ID,
        kwargs={"steps": tick_steps(senders), "clock": clock},
        next_run_time=clock.now(),  # tick at start-up, then every interval
        coalesce=True,  # after a pause, one catch-up tick, not a burst
        max_instances=1,
        misfire_grace_time=max(1, int(settings.tick_seconds)),
    )
    return scheduler


def start_background(settings: Settings, senders: Senders) -> BackgroundScheduler:
    """The in-process scheduler of `lupus-sms serve` (started in the app's lifespan)."""
    scheduler = configure(BackgroundScheduler(timezone=UTC), settings, senders)
    scheduler.start()
    logger.info("in-process scheduler started: one tick every %ss", settings.tick_seconds)
    return scheduler


def run_worker(settings: Settings, senders: Senders) -> None:
    """`lupus-sms worker`: tick until SIGTERM/SIGINT, then finish the running tick."""
    scheduler = configure(BlockingScheduler(timezone=UTC), settings, senders)

    def _stop(signum, frame) -> None:
        logger.info("worker stopping (signal %s)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, _stop)
    logger.info("worker started: one tick every %ss", settings.tick_seconds)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
