"""`lupus-sms clinic user add|list|deactivate|reset`: the clinic's portal users."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from lupus_sms.audit.service import CLI_ACTOR, record
from lupus_sms.clinics.cli import cli_session, find_clinic
from lupus_sms.core.clock import system_clock
from lupus_sms.core.config import get_settings
from lupus_sms.users import clinic_users

user_app = typer.Typer(help="People who use a clinic's portal.", no_args_is_help=True)


class Role(StrEnum):
    coordinator = "coordinator"
    nurse = "nurse"
    clinic_admin = "clinic_admin"


CLINIC_ARG = typer.Argument(..., help="Clinic id or exact name.")


@user_app.command("add")
def add(
    clinic: Annotated[str, typer.Argument(help="Clinic id or exact name.")],
    email: Annotated[str, typer.Argument(help="The person's email (their sign-in name).")],
    role: Annotated[Role, typer.Option("--role", help="What they may do in the portal.")],
) -> None:
    """Invite someone and print their one-time invitation link (send it to them yourself)."""
    with cli_session() as db:
        found = find_clinic(db, clinic)
        now = system_clock.now()
        user, path = clinic_users.invite(
            db, clinic_id=found.id, email=email, role=role.value, now=now
        )
        _audit(db, "portal.user_invited", user, found.id, role.value)
        db.commit()
        typer.echo(f"invited {user.email} as {user.role} of {found.name}")
        typer.echo(f"invitation link (works once, for 7 days): {_link(path)}")


@user_app.command("list")
def list_users(clinic: str = CLINIC_ARG) -> None:
    """The clinic's users with their role and status."""
    with cli_session(read_only=True) as db:
        found = find_clinic(db, clinic)
        for user in clinic_users.get_all(db, clinic_id=found.id):
            status = "active" if user.password_hash else "invited"
            typer.echo(f"{user.email}\t{user.role}\t{status if user.is_active else 'deactivated'}")


@user_app.command("deactivate")
def deactivate(clinic: str = CLINIC_ARG, email: str = typer.Argument(...)) -> None:
    """Deactivate a user: their sessions end at once."""
    with cli_session() as db:
        found = find_clinic(db, clinic)
        user = clinic_users.get_by_email(db, clinic_id=found.id, email=email)
        clinic_users.set_active(db, user=user, active=False)
        _audit(db, "portal.user_deactivated", user, found.id)
        db.commit()
        typer.echo(f"deactivated {user.email}")


@user_app.command("reset")
def reset(clinic: str = CLINIC_ARG, email: str = typer.Argument(...)) -> None:
    """Print a one-time password reset link (a new invitation link if none was used yet)."""
    with cli_session() as db:
        found = find_clinic(db, clinic)
        user = clinic_users.get_by_email(db, clinic_id=found.id, email=email)
        path = clinic_users.issue_link(db, user=user, now=system_clock.now())
        _audit(db, "portal.user_link_issued", user, found.id)
        db.commit()
        typer.echo(f"one-time link for {user.email}: {_link(path)}")


def _link(path: str) -> str:
    return get_settings().link(path)


def _audit(db, action: str, user, clinic_id: int, detail: str | None = None) -> None:
    text = f"clinic {clinic_id}: {user.email}" + (f" ({detail})" if detail else "")
    record(
        db,
        actor=CLI_ACTOR,
        action=action,
        now=system_clock.now(),
        target=f"user:{user.id}",
        detail=text,
    )
