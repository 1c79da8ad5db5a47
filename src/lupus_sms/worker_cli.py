"""`lupus-sms worker` (the scheduler alone) and `lupus-sms run-due` (one tick, then exit)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

import typer

from lupus_sms.core.config import Settings, get_settings

if TYPE_CHECKING:
    from lupus_sms.scheduling.jobs import Senders


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("run-due")(run_due)


def senders(settings: Settings) -> Senders:
    """What these commands send through (tests that run the real command replace this)."""
    from lupus_sms.worker import senders_for

    return senders_for(settings)


def worker() -> None:
    """Run the scheduler tick every TICK_SECONDS (any number of workers on PostgreSQL)."""
    from lupus_sms.core.cli_database import ready_database
    from lupus_sms.core.logging import configure_logging
    from lupus_sms.worker import run_worker

    settings = get_settings()
    settings.check_startable()
    ready_database()
    configure_logging()
    run_worker(settings, senders(settings))


def run_due(
    now: str | None = typer.Option(
        None, "--now", help="The instant to tick at, ISO 8601 with an offset (default: now)."
    ),
) -> None:
    """Run one scheduler tick (plan -> outbox -> transport) and exit."""
    from lupus_sms.core.cli_database import ready_database
    from lupus_sms.core.clock import FixedClock, system_clock
    from lupus_sms.worker import tick_once, tick_steps

    settings = get_settings()
    settings.check_startable()
    clock = FixedClock(parse_instant(now)) if now else system_clock  # a bad --now first
    ready_database()
    steps = tick_steps(senders(settings))
    handled = tick_once(steps, clock)
    typer.echo(json.dumps({"now": clock.now().isoformat(), "handled": handled}))
    if len(handled) != len(steps):
        raise typer.Exit(1)  # a step failed; its error is in the log


def parse_instant(value: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not ISO 8601", param_hint="--now") from None
    if instant.tzinfo is None:
        raise typer.BadParameter("give an offset, e.g. 2026-03-10T15:00:00Z", param_hint="--now")
    return instant
