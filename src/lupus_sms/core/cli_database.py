"""What every command does before it touches DATABASE_URL.

It says which database it uses (on stderr, so a command's own output stays scriptable). The
one-machine default, SQLite, migrates itself; but a command that only reads never creates a
new SQLite file (a typo in DATABASE_URL or the wrong folder must not look like an empty
clinic). PostgreSQL is migrated by `lupus-sms db upgrade` (the Procfile's release step), so
a command refuses an un-migrated one with one line instead of a traceback.
"""

from __future__ import annotations

import typer

from lupus_sms.core.config import get_settings
from lupus_sms.core.database_status import describe, migration_problem, sqlite_path


def ready_database(*, read_only: bool = False) -> None:
    """Announce the database; migrate SQLite or check PostgreSQL; exit 1 with a reason."""
    url = get_settings().database_url
    typer.echo(f"database: {describe(url)}", err=True)
    path = sqlite_path(url)
    if read_only and path is not None and not path.exists():
        _refuse(
            f"no database at {path}: nothing was created. Check DATABASE_URL and the folder "
            "you run this in, or create it with `lupus-sms db upgrade`."
        )
    if url.startswith("sqlite"):
        from lupus_sms.core.migrations import upgrade

        upgrade(url)
        return
    problem = schema_problem()
    if problem:
        _refuse(problem)


def schema_problem() -> str | None:
    """Why DATABASE_URL cannot be used as it is (unreachable, or not migrated), or None."""
    from sqlalchemy.exc import SQLAlchemyError

    from lupus_sms.core.db import get_engine

    try:
        with get_engine().connect() as connection:
            return migration_problem(connection)
    except SQLAlchemyError as exc:
        return f"cannot reach the database ({type(exc).__name__}): check DATABASE_URL"


def _refuse(reason: str) -> None:
    typer.echo(f"refused: {reason}", err=True)
    raise typer.Exit(1)
