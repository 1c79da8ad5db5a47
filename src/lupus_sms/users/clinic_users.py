"""Clinic users: invited to one clinic with a role, set their password from a one-time link.

An invitation is the reset-link mechanism of `users.service` with a longer lifetime, issued to a
user without a password. Helpers flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lupus_sms.core.errors import ConflictError, NotFoundError, ValidationFailed
from lupus_sms.users import service as users
from lupus_sms.users.models import CLINIC_ROLES, User

INVITATION_LIFETIME = timedelta(days=7)


def validate_role(role: str) -> str:
    if role not in CLINIC_ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(CLINIC_ROLES)}", field="role")
    return role


EMAIL_NOT_INVITABLE = (
    "this email cannot be invited: ask the person for another address, or contact the "
    "operator of this service"
)


def invite(
    db: Session, *, clinic_id: int, email: str, role: str, now: datetime
) -> tuple[User, str]:
    """A new clinic user without a password, and the path of their one-time invitation link.

    An email is one account service-wide, so a taken one is refused; the refusal is the same
    whoever holds it (this clinic, another clinic, the service's staff), so a clinic admin
    cannot use it to learn who works elsewhere (SECURITY.md, "Tenancy")."""
    email = users.normalise_email(email)
    validate_role(role)
    if db.scalar(select(User.id).where(User.email == email)):
        raise ConflictError(EMAIL_NOT_INVITABLE, field="email")
    user = User(email=email, role=role, clinic_id=clinic_id)
    db.add(user)
    db.flush()
    return user, issue_link(db, user=user, now=now)


def issue_link(db: Session, *, user: User, now: datetime) -> str:
    """A one-time link path: an invitation until the user has a password, then a reset link.

    Issuing a new link makes the previous one useless (only one token hash is kept).
    """
    if not user.is_active:
        raise ConflictError("this user is deactivated; reactivate them first")
    if user.password_hash is None:
        token = users.issue_reset_token(db, user=user, now=now, lifetime=INVITATION_LIFETIME)
        return f"/portal/invite/{token}"
    return f"/portal/reset/{users.issue_reset_token(db, user=user, now=now)}"


def get_all(db: Session, *, clinic_id: int) -> list[User]:
    return list(db.scalars(select(User).where(User.clinic_id == clinic_id).order_by(User.email)))


def get(db: Session, *, clinic_id: int, user_id: int) -> User:
    """Another clinic's user is as unknown as one that does not exist."""
    user = db.get(User, user_id)
    if user is None or user.clinic_id != clinic_id:
        raise NotFoundError("no such user in this clinic")
    return user


def get_by_email(db: Session, *, clinic_id: int, email: str) -> User:
    email = (email or "").strip().lower()
    user = db.scalar(select(User).where(User.email == email, User.clinic_id == clinic_id))
    if user is None:
        raise NotFoundError(f"no user {email} in this clinic")
    return user


def set_role(db: Session, *, user: User, role: str) -> None:
    validate_role(role)
    if role != "clinic_admin":
        _keep_an_admin(db, user, "demoted")
    user.role = role
    db.flush()


def set_active(db: Session, *, user: User, active: bool) -> None:
    """Deactivating ends every session of the user at once and voids their one-time link."""
    if not active:
        _keep_an_admin(db, user, "deactivated")
    user.is_active = active
    if not active:
        users.revoke_access(db, user=user)
    db.flush()


def count_active_admins(db: Session, *, clinic_id: int) -> int:
    """Clinic admins who can sign in (an invitation not yet accepted does not count)."""
    query = select(func.count()).where(
        User.clinic_id == clinic_id,
        User.role == "clinic_admin",
        User.is_active.is_(True),
        User.password_hash.is_not(None),
    )
    return db.scalar(query) or 0


def _keep_an_admin(db: Session, user: User, change: str) -> None:
    if user.role != "clinic_admin" or not user.is_active or user.password_hash is None:
        return
    if count_active_admins(db, clinic_id=user.clinic_id) <= 1:
        raise ConflictError(
            f"the clinic's last active clinic admin cannot be {change}; make someone else "
            "clinic admin first"
        )
