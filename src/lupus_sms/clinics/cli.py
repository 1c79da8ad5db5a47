"""`lupus-sms clinic create|list|sender` and `lupus-sms clinic key create|revoke`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.audit.service import CLI_ACTOR, record
from lupus_sms.clinics import service
from lupus_sms.clinics.display_name import display_name_problem
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.service import get_content
from lupus_sms.core.clock import system_clock
from lupus_sms.core.config import get_settings
from lupus_sms.core.errors import LupusSmsError

clinic_app = typer.Typer(help="Clinics (tenants) and their API keys.", no_args_is_help=True)
key_app = typer.Typer(help="API keys of a clinic.", no_args_is_help=True)
clinic_app.add_typer(key_app, name="key")


def register(app: typer.Typer) -> None:
    from lupus_sms.clinics.user_cli import user_app  # it builds on this module's helpers

    clinic_app.add_typer(user_app, name="user")
    app.add_typer(clinic_app, name="clinic")


@contextmanager
def cli_session(*, read_only: bool = False) -> Iterator[Session]:
    """A session on DATABASE_URL; domain errors become a clean message and exit code 1.
    A `read_only` command never creates a new SQLite file (core/cli_database.py)."""
    from lupus_sms.core.cli_database import ready_database
    from lupus_sms.core.db import get_sessionmaker

    ready_database(read_only=read_only)
    with get_sessionmaker()() as db:
        try:
            yield db
        except LupusSmsError as exc:
            db.rollback()
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(1) from None


def find_clinic(db: Session, ref: str) -> Clinic:
    """A clinic by id or by its exact name."""
    if ref.isdigit():
        return service.get_clinic(db, clinic_id=int(ref))
    found = db.scalars(select(Clinic).where(Clinic.name == ref)).all()
    if len(found) != 1:
        raise LupusSmsError(f"no single clinic named {ref!r}; use its id (lupus-sms clinic list)")
    return found[0]


@clinic_app.command("create")
def create(
    name: str = typer.Argument(..., help="Clinic name as patients see it (GSM-7 characters)."),
    phone: str = typer.Option(..., "--phone", help="Office phone for patients."),
    urgent_phone: str = typer.Option(..., "--urgent-phone", help="24/7 urgent or on-call line."),
    timezone: str = typer.Option(..., "--timezone", help="IANA zone, e.g. America/New_York."),
    country: str = typer.Option("US", help="Default region for phone numbers."),
    sender: str | None = typer.Option(None, help="Own Twilio number or Messaging Service SID."),
    display_name: str | None = typer.Option(
        None,
        "--display-name",
        help="Neutral name for discreet texts and the invitation (no illness or treatment).",
    ),
) -> None:
    """Create a clinic and print its first API key (shown once)."""
    display_name = " ".join((display_name or "").split()) or None
    if display_name and len(display_name) > 40:
        raise typer.BadParameter("at most 40 characters", param_hint="--display-name")
    problem = display_name_problem(name, display_name, get_content())
    if problem and display_name:
        raise typer.BadParameter(problem, param_hint="--display-name")
    with cli_session() as db:
        service.refuse_taken_name(db, name)
        clinic = service.create_clinic(
            db,
            name=name,
            office_phone=phone,
            urgent_phone=urgent_phone,
            timezone=timezone,
            country=country,
            sender=sender,
            service_senders=service.default_senders(get_settings()),
        )
        clinic.display_name = display_name
        _api_key, plaintext = service.create_api_key(db, clinic_id=clinic.id, label="initial")
        # Audited like the admin's form, in the same commit as the clinic and its first key.
        record(db, actor=CLI_ACTOR, action="clinic.create", now=system_clock.now(),
               target=f"clinic:{clinic.id}", detail=clinic.name)  # fmt: skip
        db.commit()
        typer.echo(f"clinic {clinic.id} created: {clinic.name}")
        if problem:
            typer.echo(
                f"note: {problem}. Until a clinic admin sets one in the portal's Settings, "
                "discreet texts and the invitation name no clinic.",
                err=True,
            )
        _echo_key(plaintext)


@clinic_app.command("sender")
def sender(
    clinic: str = typer.Argument(..., help="Clinic id or exact name."),
    value: str | None = typer.Argument(None, help="Its own Twilio number or Messaging Service."),
    shared: bool = typer.Option(False, "--shared", help="Use the service's default sender."),
) -> None:
    """Assign a clinic its own sender (never the service's default; one clinic per sender).
    Texts already received stay filed under the clinic they were filed under."""
    if (value is None) == (not shared):
        typer.echo("error: give a sender, or --shared for the default one", err=True)
        raise typer.Exit(2)
    with cli_session() as db:
        found = find_clinic(db, clinic)
        changed = service.assign_sender(
            db,
            clinic=found,
            sender=None if shared else value,
            service_senders=service.default_senders(get_settings()),
        )
        shown = found.sender or "the shared default sender"
        if changed:
            record(db, actor=CLI_ACTOR, action="clinic.sender_changed", now=system_clock.now(),
                   target=f"clinic:{found.id}", detail=shown)  # fmt: skip
        db.commit()
        typer.echo(f"clinic {found.id} sends from {shown}")


@clinic_app.command("list")
def list_clinics() -> None:
    """Clinics with their keys' visible prefixes."""
    with cli_session(read_only=True) as db:
        for clinic in db.scalars(select(Clinic).order_by(Clinic.id)):
            keys = service.list_api_keys(db, clinic_id=clinic.id)
            shown = ", ".join(k.prefix + (" (revoked)" if k.revoked_at else "") for k in keys)
            typer.echo(f"{clinic.id}\t{clinic.name}\t{clinic.timezone}\tkeys: {shown or '-'}")


@key_app.command("create")
def key_create(
    clinic: str = typer.Option(..., "--clinic", help="Clinic id or exact name."),
    label: str | None = typer.Option(None, help="What the key is for, e.g. 'EHR sync'."),
) -> None:
    """Print a new API key for the clinic (shown once; only its hash is stored)."""
    with cli_session() as db:
        found = find_clinic(db, clinic)
        _api_key, plaintext = service.create_api_key(db, clinic_id=found.id, label=label)
        db.commit()
        _echo_key(plaintext)


@key_app.command("revoke")
def key_revoke(prefix: str = typer.Argument(..., help="The key's visible prefix (lsk_xxxxxxxx).")):
    """Revoke a key at once: requests with it get 401."""
    with cli_session() as db:
        api_key = service.revoke_api_key(db, prefix=prefix[:12], now=system_clock.now())
        db.commit()
        typer.echo(f"revoked {api_key.prefix}")


def _echo_key(plaintext: str) -> None:
    typer.echo(f"API key (shown once, store it now): {plaintext}")
