"""Which database a process uses, and whether its schema is the one this code needs.

Operators see the first at every command (host and name, never a password) and the second
as one clear line instead of a traceback per scheduler tick; `/healthz` names the same cause.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from lupus_sms.core.migrations import alembic_config

UPGRADE_HINT = "run `lupus-sms db upgrade`"


def describe(database_url: str) -> str:
    """e.g. 'SQLite file /srv/lupus_sms.db' or 'PostgreSQL database "lupus" on db:5432'."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(database_url)
        return f"SQLite file {path}" if path else "SQLite in memory"
    where = url.host or "local socket"
    if url.port:
        where += f":{url.port}"
    return f'PostgreSQL database "{url.database}" on {where}'


def sqlite_path(database_url: str) -> Path | None:
    """The absolute path of a SQLite file URL (None for an in-memory database)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser().resolve()


@lru_cache
def head_revision() -> str:
    """The newest migration this code ships (read once per process)."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return ",".join(sorted(scripts.get_heads()))


def migration_problem(connection: Connection) -> str | None:
    """Why this schema is not the one the code needs, or None when it is."""
    current = MigrationContext.configure(connection).get_current_heads()
    wanted = head_revision()
    if not current:
        return f"the database has no schema yet: {UPGRADE_HINT}"
    if ",".join(sorted(current)) != wanted:
        shown = ", ".join(current)
        return f"the database schema is at {shown}, this code needs {wanted}: {UPGRADE_HINT}"
    return None
