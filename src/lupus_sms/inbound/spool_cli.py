"""`lupus-sms spool status|replay`: the texts waiting in SPOOL_DIR, for operators."""

from __future__ import annotations

import typer

from lupus_sms.core.config import get_settings

spool_app = typer.Typer(help="Texts received while the database was unavailable.")


def register(app: typer.Typer) -> None:
    app.add_typer(spool_app, name="spool")


@spool_app.command("status")
def status() -> None:
    """How many texts are waiting to be stored."""
    from lupus_sms.inbound.spool import pending

    settings = get_settings()
    typer.echo(f"{len(pending(settings.spool_dir))} text(s) waiting in {settings.spool_dir}")


@spool_app.command("replay")
def replay() -> None:
    """Store the waiting texts now (each web process also does this by itself)."""
    from lupus_sms.core.cli_database import ready_database
    from lupus_sms.core.db import get_sessionmaker

    ready_database()
    from lupus_sms.inbound.spool import replay_spool

    result = replay_spool(lambda: get_sessionmaker()(), settings=get_settings())
    typer.echo(f"{result.replayed} stored, {result.remaining} waiting")
    if result.remaining:
        raise typer.Exit(1)
