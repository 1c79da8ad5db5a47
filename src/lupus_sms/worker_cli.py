"""`lupus-sms worker` (the scheduler alone) and `lupus-sms run-due` (one tick, then exit)."""

from __future__ import annotations

import json
from datetime import datetime

import typer

from lupus_sms.core.config import get_settings


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("run-due")(run_due)


def worker() -> None:
    """Run the scheduler tick every TICK_SECONDS (any number of workers on PostgreSQL)."""
    from lupus_sms.core.cli_database import ready_database
    from lupus_sms.core.logging import configure_logging
    from lupus_sms.worker import run_worker

    settings = get_settings()
    settings.check_startable()
    ready_database()
    configure_logging()
    run_worker(settings)


def run_due(
    now: str | None = typer.Option(
        None, "--now", help="The instant to tick at, ISO 8601 with an offset (default: now)."
    ),
) -> None:
    """Run one scheduler tick (plan -> outbox -> transport) and exit."""
    from lupus_sms.core.cli_database import ready_database
    from lupus_sms.core.clock import FixedClock, system_clock
    from lupus_sms.scheduling.jobs import TICK_STEPS
    from lupus_sms.worker import tick_once

    get_settings().check_startable()
    clock = FixedClock(parse_instant(now)) if now else system_clock  # a bad --now first
    ready_database()
    handled = tick_once(clock)
    typer.echo(json.dumps({"now": clock.now().isoformat(), "handled": handled}))
    if len(handled) != len(TICK_STEPS):
        raise typer.Exit(1)  # a step failed; its error is in the log


def parse_instant(value: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not ISO 8601", param_hint="--now") from None
    if instant.tzinfo is None:
        raise typer.BadParameter("give an offset, e.g. 2026-03-10T15:00:00Z", param_hint="--now")
    return instant
