"""`lupus-sms content export|load`: move live content to and from content/ YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lupus_sms.audit.service import CLI_ACTOR
from lupus_sms.core.clock import system_clock
from lupus_sms.core.config import get_settings
from lupus_sms.core.errors import LupusSmsError

content_app = typer.Typer(help="Live content: export to and load from YAML.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(content_app, name="content")


@content_app.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write (content/ layout).")],
) -> None:
    """Write the live content as YAML files, byte for byte as they were loaded or saved."""
    from lupus_sms.content.transfer import export_content
    from lupus_sms.core.cli_database import ready_database
    from lupus_sms.core.db import get_sessionmaker

    ready_database(read_only=True)

    with get_sessionmaker()() as db:
        _seed(db)
        count = export_content(db, content_dir=directory)
        db.commit()
    typer.echo(f"exported {count} files to {directory}")


@content_app.command("load")
def load(
    directory: Annotated[
        Path | None, typer.Argument(help="Folder in content/ layout (default: CONTENT_DIR).")
    ] = None,
    note: Annotated[str, typer.Option(help="Version note for changed items.")] = "loaded from YAML",
) -> None:
    """Load YAML files: live on a fresh database, otherwise drafts when review is on."""
    from lupus_sms.content.transfer import load_content
    from lupus_sms.core.cli_database import ready_database
    from lupus_sms.core.db import get_sessionmaker

    ready_database()

    settings = get_settings()
    with get_sessionmaker()() as db:
        try:
            report = load_content(
                db,
                content_dir=directory or settings.content_dir,
                actor=CLI_ACTOR,
                now=system_clock.now(),
                review_required=settings.content_review_required,
                note=note,
            )
        except LupusSmsError as exc:
            typer.echo(f"refused: {exc.message}", err=True)
            raise typer.Exit(1) from exc
        db.commit()
    if report.seeded:
        typer.echo(f"fresh database: {len(report.live)} items are live")
        return
    typer.echo(f"{len(report.live)} items changed live, {len(report.drafts)} drafts to review")
    for key in report.drafts:
        typer.echo(f"  draft: {key}")


def _seed(db) -> None:
    from lupus_sms.content.store import seed_if_empty

    seed_if_empty(db, content_dir=get_settings().content_dir, now=system_clock.now())
