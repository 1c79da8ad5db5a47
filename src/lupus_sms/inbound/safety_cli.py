"""`lupus-sms safety eval [FILE]`: recall and false alarms of the live red-flag rules."""

from __future__ import annotations

import logging
import tempfile
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Annotated

import typer

safety_app = typer.Typer(help="Red-flag safety rules.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(safety_app, name="safety")


@safety_app.command("eval")
def evaluate_command(
    file: Annotated[
        Path | None,
        typer.Argument(help="An evaluation set (default: the frozen held-out set)."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="Where texts are run through the inbound handling, in a transaction that is "
            "rolled back (default: a temporary SQLite database)."
        ),
    ] = None,
    rules_only: Annotated[
        bool, typer.Option("--rules-only", help="Ask the rules directly (what a save checks).")
    ] = False,
) -> None:
    """Send every text of the set through the real inbound handling, each from its own enrolled
    patient, and print recall and false alarms overall, by category and language, with every
    miss and false alarm. Exits with 1 when the figures are below the bar."""
    from lupus_sms.alerts import documents
    from lupus_sms.alerts.evaluation import (
        HELD_OUT,
        evaluate,
        format_report,
        load_cases,
        rules_decider,
    )
    from lupus_sms.content.service import get_content

    path = file or HELD_OUT
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {path}", param_hint="FILE")
    cases = load_cases(path)
    with _quiet():  # the inbound handling logs a line per text
        if rules_only:
            report = evaluate(cases, rules_decider(documents.safety_rules(get_content())))
            title = f"{path.name}: {len(cases)} texts, rules only"
        else:
            with _pipeline(database_url) as decide:
                report = evaluate(cases, decide)
            title = f"{path.name}: {len(cases)} texts through the inbound handling"
    typer.echo(format_report(report, title=title))
    if report.problems():
        raise typer.Exit(1)


@contextmanager
def _quiet():
    logger = logging.getLogger("lupus_sms")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def _pipeline(database_url: str | None):
    """A decider on a database whose transaction is rolled back at the end."""
    from sqlalchemy.orm import Session

    from lupus_sms.content.service import use_database_content
    from lupus_sms.core.clock import system_clock
    from lupus_sms.core.config import get_settings, normalise_database_url
    from lupus_sms.core.db import make_engine
    from lupus_sms.core.migrations import upgrade
    from lupus_sms.inbound.evaluation_pipeline import pipeline_decider

    with tempfile.TemporaryDirectory(prefix="lupus-sms-eval-") as scratch:
        url = normalise_database_url(database_url or f"sqlite:///{scratch}/eval.db")
        if database_url is None:
            upgrade(url)
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                transaction = connection.begin()
                session = Session(bind=connection, join_transaction_mode="create_savepoint")
                settings = get_settings().model_copy(update={"database_url": url})
                # Content comes from the evaluated database, not the default one (which
                # a read would otherwise create in the current directory).
                use_database_content(lambda: nullcontext(session))
                yield pipeline_decider(session, settings=settings, clock=system_clock)
                session.close()
                transaction.rollback()
        finally:
            engine.dispose()
