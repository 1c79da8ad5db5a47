"""Admin users: create, deactivate, change passwords, one-time reset links. Signing in is
users/signin.py.

Helpers flush; the top-level use case (a route or a command) commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lupus_sms.core.errors import ConflictError, NotFoundError, ValidationFailed
from lupus_sms.users import sessions
from lupus_sms.users.models import ROLES, User
from lupus_sms.users.passwords import hash_password, password_problem, verify_password

RESET_LINK_LIFETIME = timedelta(hours=24)
# What a role may do; an owner may do everything.
PERMISSIONS = {
    "editor": {"content.edit"},
    "reviewer": {"content.edit", "content.review"},
    "owner": {"content.edit", "content.review", "users.manage", "clinics.manage", "patients.view"},
}

# The admin permission that lets a service admin open (and act in) any clinic's portal.
SERVICE_ADMIN_PERMISSION = "clinics.manage"


def can(user: User, permission: str) -> bool:
    """Whether an active user's role grants the permission."""
    return user.is_active and permission in PERMISSIONS.get(user.role, set())


def normalise_email(email: str) -> str:
    """The address trimmed and lower-cased; ValidationFailed when it cannot be one."""
    email = (email or "").strip().lower()
    local, _, domain = email.rpartition("@")
    labels = domain.split(".")
    # "a@example.org." would be a second account for the same mailbox: one spelling only.
    if not local or len(labels) < 2 or "" in labels or len(email) > 254 or " " in email:
        raise ValidationFailed("enter a valid email address", field="email")
    return email


def create(
    db: Session,
    *,
    email: str,
    password: str | None,
    role: str,
    is_demo: bool = False,
    temporary: bool = False,
) -> User:
    """A new admin; with no password the user needs a reset link to sign in. A `temporary`
    password was chosen for them: they must replace it at their first sign-in."""
    email = normalise_email(email)
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ROLES)}", field="role")
    if db.scalar(select(User.id).where(User.email == email)):
        raise ConflictError("a user with this email already exists", field="email")
    user = User(email=email, role=role, is_demo=is_demo)
    if password is not None:
        _check_password(password, email=email)
        user.password_hash = hash_password(password)
        user.must_change_password = temporary
    db.add(user)
    db.flush()
    return user


def get(db: Session, *, user_id: int) -> User:
    """A user by id, or NotFoundError."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFoundError("no such user")
    return user


def get_all(db: Session) -> list[User]:
    """The service's own staff (admin console users), by email; clinic users are not listed."""
    return list(db.scalars(select(User).where(User.clinic_id.is_(None)).order_by(User.email)))


def count_owners(db: Session) -> int:
    """How many active owners there are (the last one cannot be removed)."""
    query = select(func.count()).where(User.role == "owner", User.is_active.is_(True))
    return db.scalar(query) or 0


def set_active(db: Session, *, user: User, active: bool) -> None:
    """Activate or deactivate a user; deactivating ends their sessions and voids their
    links, and the last owner cannot be deactivated."""
    if not active and user.role == "owner" and count_owners(db) <= 1:
        raise ConflictError("the last owner cannot be deactivated")
    user.is_active = active
    if not active:
        revoke_access(db, user=user)
    db.flush()


def revoke_access(db: Session, *, user: User) -> None:
    """End every session of the user and void any reset, invitation or setup link: a link
    issued before a deactivation must not work after a reactivation."""
    user.reset_token_hash = None
    user.reset_expires_at = None
    sessions.end_all(db, user_id=user.id)


def set_role(db: Session, *, user: User, role: str) -> None:
    """Change a user's role; the last owner must stay an owner."""
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ROLES)}", field="role")
    if user.role == "owner" and role != "owner" and count_owners(db) <= 1:
        raise ConflictError("the last owner must stay an owner")
    user.role = role
    db.flush()


def issue_reset_token(
    db: Session, *, user: User, now: datetime, lifetime: timedelta = RESET_LINK_LIFETIME
) -> str:
    """A one-time token for a reset link; only its hash is kept, so it is shown once."""
    token = secrets.token_urlsafe(32)
    user.reset_token_hash = _token_hash(token)
    user.reset_expires_at = now + lifetime
    db.flush()
    return token


def user_for_reset_token(
    db: Session, *, token: str, now: datetime, clinic_users: bool = False
) -> User:
    """The user of a valid link: an admin's, or (`clinic_users=True`) a clinic user's."""
    user = db.scalar(select(User).where(User.reset_token_hash == _token_hash(token or "")))
    if user is None or (user.clinic_id is not None) != clinic_users:
        raise NotFoundError("this reset link is not valid")
    if not user.is_active or user.reset_expires_at is None:
        raise NotFoundError("this reset link is not valid")
    if user.reset_expires_at <= now:
        raise NotFoundError("this reset link has expired; ask an owner for a new one")
    return user


def reset_password(db: Session, *, token: str, password: str, now: datetime) -> User:
    """Set a new password through an admin's valid reset link."""
    user = user_for_reset_token(db, token=token, now=now)
    change_password(db, user=user, password=password)
    return user


def change_password(db: Session, *, user: User, password: str) -> None:
    """A password the user chose: every session of theirs ends, and any reset link."""
    _check_password(password, email=user.email)
    if user.must_change_password and verify_password(user.password_hash, password):
        raise ValidationFailed("choose a password of your own, not the one you were given")
    user.password_hash = hash_password(password)
    user.must_change_password = False
    revoke_access(db, user=user)
    db.flush()


def _check_password(password: str, *, email: str) -> None:
    problem = password_problem(password, email=email)
    if problem:
        raise ValidationFailed(f"password: {problem}", field="password")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
