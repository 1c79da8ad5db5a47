"""`lupus-sms admin create EMAIL`: the first owner, and other admins from the shell."""

from __future__ import annotations

import sys

import typer
from sqlalchemy import select

from lupus_sms.audit.service import CLI_ACTOR, record
from lupus_sms.core.clock import system_clock
from lupus_sms.core.errors import LupusSmsError
from lupus_sms.users.models import ROLES

admin_app = typer.Typer(help="Admin console users.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(admin_app, name="admin")


@admin_app.command("create")
def create(
    email: str = typer.Argument(..., help="The admin's email (their sign-in name)."),
    role: str = typer.Option("owner", help=f"One of: {', '.join(ROLES)}."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    temporary_password: bool = typer.Option(
        False,
        "--temporary-password",
        help="The password is for someone else: they must choose their own at first sign-in.",
    ),
) -> None:
    """Create an admin user; prompts for the password unless --password-stdin."""
    from lupus_sms.core.cli_database import ready_database
    from lupus_sms.core.db import get_sessionmaker
    from lupus_sms.users import service as users

    ready_database()

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with get_sessionmaker()() as db:
        try:
            user = users.create(
                db, email=email, password=password, role=role, temporary=temporary_password
            )
        except LupusSmsError as exc:
            typer.echo(f"refused: {exc.message}", err=True)
            raise typer.Exit(1) from exc
        record(
            db,
            actor=CLI_ACTOR,
            action="user.create",
            now=system_clock.now(),
            target=f"user:{user.id}",
            detail=f"{user.email} as {role}",
        )
        db.commit()
    typer.echo(f"created {role} {user.email}")
    if temporary_password:
        typer.echo("They must choose their own password at their first sign-in.")


@admin_app.command("unlock")
def unlock(
    email: str = typer.Argument(None, help="A user whose sign-in is slowed down."),
    address: str = typer.Option(
        None, "--address", help="A client address (IP) whose sign-ins are slowed down."
    ),
) -> None:
    """Forget failed sign-ins: of a user (admin or clinic user), or of a client address."""
    from lupus_sms.core.db import get_sessionmaker
    from lupus_sms.users import throttle
    from lupus_sms.users.models import User

    if not email and not address:
        typer.echo("refused: name a user's EMAIL or an --address", err=True)
        raise typer.Exit(1)
    with get_sessionmaker()() as db:
        if email:
            email = email.strip().lower()
            if db.scalar(select(User.id).where(User.email == email)) is None:
                typer.echo(f"refused: no user {email}", err=True)
                raise typer.Exit(1)
            throttle.unlock_account(db, email=email)
            _audit_unlock(db, email)
        if address:
            throttle.unlock_address(db, address=address.strip())
            _audit_unlock(db, f"address {address.strip()}")
        db.commit()
    for what in filter(None, (email, address and f"address {address.strip()}")):
        typer.echo(f"unlocked {what}: it can sign in again at once")


def _audit_unlock(db, what: str) -> None:
    record(db, actor=CLI_ACTOR, action="user.unlock", now=system_clock.now(), detail=what)


def register_demo(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo() -> None:
    """Fill an empty database with a demo clinic, an owner and weeks of simulated texts."""
    from lupus_sms.admin.demo import fill
    from lupus_sms.core.config import get_settings
    from lupus_sms.core.db import get_sessionmaker

    settings = get_settings()
    if settings.sms_transport == "twilio":
        typer.echo(
            "refused: Twilio is configured; demo reminders would be sent to fictional numbers. "
            "Run the demo with SMS_TRANSPORT=console.",
            err=True,
        )
        raise typer.Exit(1)
    from lupus_sms.core.cli_database import ready_database

    ready_database()
    with get_sessionmaker()() as db:
        try:
            result = fill(db, now=system_clock.now(), content_dir=settings.content_dir)
        except LupusSmsError as exc:
            typer.echo(f"refused: {exc.message}", err=True)
            raise typer.Exit(1) from exc
        db.commit()
    typer.echo(
        f"Demo data added: {result.clinic_name}, {result.patients} patients, "
        f"{result.messages} texts over the last weeks (all marked as demo)."
    )
    typer.echo(f"Sign in at {settings.link('/admin')} as {result.owner_email}")
    typer.echo(
        f"One-time password (shown only now; choose your own at first sign-in): "
        f"{result.owner_password}"
    )
    typer.echo(f"Demo clinic API key (shown only now): {result.api_key}")
