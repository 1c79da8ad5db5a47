"""The `lupus-sms` command. Each domain adds its own sub-commands below."""

from __future__ import annotations

import os

import typer

from lupus_sms.admin.cli import register as register_admin
from lupus_sms.admin.cli import register_demo
from lupus_sms.clinics.cli import register as register_clinics
from lupus_sms.content.cli import register as register_content
from lupus_sms.conversation.twilio_cli import register as register_twilio
from lupus_sms.core.config import get_settings
from lupus_sms.core.errors import ConfigurationError
from lupus_sms.enrollment.cli import register as register_patients
from lupus_sms.inbound.cli import register as register_conversation
from lupus_sms.inbound.safety_cli import register as register_safety
from lupus_sms.inbound.spool_cli import register as register_spool
from lupus_sms.worker_cli import register as register_worker

app = typer.Typer(help="lupus-sms: SMS education and recovery support.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
register_conversation(app)
register_admin(app)
register_demo(app)
register_clinics(app)
register_patients(app)
register_content(app)
register_worker(app)
register_spool(app)
register_safety(app)
register_twilio(app)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply Alembic migrations to DATABASE_URL."""
    from lupus_sms.core.database_status import describe
    from lupus_sms.core.migrations import upgrade

    url = get_settings().database_url
    typer.echo(f"database: {describe(url)}", err=True)
    upgrade(url, revision)
    typer.echo(f"database at revision {revision}")


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Bind address (default: HOST or 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default: PORT or 8000)."),
    no_scheduler: bool = typer.Option(
        False, "--no-scheduler", help="Web only: leave the scheduler to `lupus-sms worker`."
    ),
    workers: int = typer.Option(1, help="Web worker processes."),
) -> None:
    """Run the web service (and, unless --no-scheduler, the scheduler in the same process)."""
    import uvicorn

    from lupus_sms.core.cli_database import ready_database
    from lupus_sms.core.logging import configure_logging, logging_config
    from lupus_sms.home import place_lines

    # The app (and each --workers process) reads its settings afresh: the address served
    # is what development links are made of, and the flag says who runs the scheduler.
    if host:
        os.environ["HOST"] = host
    if port:
        os.environ["PORT"] = str(port)
    if no_scheduler:
        os.environ["IN_PROCESS_SCHEDULER"] = "false"
    get_settings.cache_clear()
    settings = get_settings()
    settings.check_startable()
    ready_database()
    configure_logging()
    typer.echo(f"lupus-sms listening on {settings.host}:{settings.port}; open:")
    typer.echo("\n".join(place_lines(settings.link(""))))
    uvicorn.run(
        "lupus_sms.main:app",
        host=settings.host,
        port=settings.port,
        workers=workers,
        # The client's address is the socket's peer; X-Forwarded-For counts only from
        # TRUSTED_PROXIES, which the app checks itself (core/client_address.py).
        proxy_headers=False,
        # Applied again in each --workers process, which starts with no logging set up.
        log_config=logging_config(),
    )


def main() -> None:
    from lupus_sms.content.service import read_only_session, use_database_content

    # Every command (serve, worker, chat) serves the live content from the database.
    use_database_content(read_only_session)
    try:
        app()
    except ConfigurationError as exc:  # a setting that makes starting unsafe: say which
        typer.echo(f"refused: {exc.message}", err=True)
        raise SystemExit(1) from None
