"""Account changes people make in the consoles, each a use case: the change and its audit
entry are committed together (`one_transaction`), and a refused change leaves nothing behind
and raises the domain error the console shows. The consoles' routes only translate HTTP.

Owners manage the service's staff in the admin console (`create_user`, `change_user`); a
clinic admin manages the clinic's users in the portal (`invite_clinic_user` and the other
`*_clinic_user` functions, audited on the portal's trail); anyone with a one-time link sets
a password (`reset_password`, `set_password`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lupus_sms.audit.service import Actor, Trail, one_transaction, record, record_on
from lupus_sms.core.errors import ConflictError, NotFoundError
from lupus_sms.users import clinic_users, throttle
from lupus_sms.users import service as users
from lupus_sms.users.models import User

STAFF_ACTIONS = ("deactivate", "activate", "role", "reset", "unlock")


def create_user(
    db: Session, *, email: str, role: str, trail: Trail, now: datetime
) -> tuple[User, str]:
    """A new member of the service's staff without a password: the user and the token of
    their one-time link (shown once). Audited as `user.create`."""
    with one_transaction(db):
        created = users.create(db, email=email, password=None, role=role)
        token = users.issue_reset_token(db, user=created, now=now)
        record_on(db, trail, action="user.create", now=now, target=f"user:{created.id}",
                  detail=f"{created.email} as {role}")  # fmt: skip
    return created, token


def change_user(
    db: Session, *, user_id: int, action: str, role: str, trail: Trail, now: datetime
) -> tuple[User, str | None]:
    """One of STAFF_ACTIONS on a member of the staff, audited as `user.<action>`: the user,
    and for `reset` the token of their new one-time link."""
    with one_transaction(db):
        target = users.get(db, user_id=user_id)
        if action == "deactivate" and target.id == trail.actor.user_id:
            # Signing oneself out for good by mistake would need another owner anyway.
            raise ConflictError("you cannot deactivate your own account: another owner must")
        token = _apply(db, target, action, role, now)
        record_on(db, trail, action=f"user.{action}", now=now, target=f"user:{target.id}",
                  detail=role or None)  # fmt: skip
    return target, token


def _apply(db: Session, target: User, action: str, role: str, now: datetime) -> str | None:
    if action == "deactivate":
        users.set_active(db, user=target, active=False)
    elif action == "activate":
        users.set_active(db, user=target, active=True)
    elif action == "role":
        users.set_role(db, user=target, role=role)
    elif action == "reset":
        return users.issue_reset_token(db, user=target, now=now)
    elif action == "unlock":
        throttle.unlock_account(db, email=target.email)
    else:
        raise NotFoundError("unknown action")
    return None


def invite_clinic_user(
    db: Session, *, clinic_id: int, email: str, role: str, trail: Trail, now: datetime
) -> tuple[User, str]:
    """A new clinic user and the path of their invitation link (`user_invited`)."""
    with one_transaction(db):
        user, path = clinic_users.invite(db, clinic_id=clinic_id, email=email, role=role, now=now)
        _clinic_entry(db, trail, "user_invited", user, now, detail=role)
    return user, path


def set_clinic_user_role(
    db: Session, *, clinic_id: int, user_id: int, role: str, trail: Trail, now: datetime
) -> User:
    """A clinic user's new role (`user_role_changed`); the last clinic admin keeps theirs."""
    with one_transaction(db):
        user = clinic_users.get(db, clinic_id=clinic_id, user_id=user_id)
        clinic_users.set_role(db, user=user, role=role)
        _clinic_entry(db, trail, "user_role_changed", user, now, detail=role)
    return user


def set_clinic_user_active(
    db: Session, *, clinic_id: int, user_id: int, active: bool, trail: Trail, now: datetime
) -> User:
    """Deactivate (every session ends) or reactivate a clinic user."""
    with one_transaction(db):
        user = clinic_users.get(db, clinic_id=clinic_id, user_id=user_id)
        clinic_users.set_active(db, user=user, active=active)
        action = "user_reactivated" if active else "user_deactivated"
        _clinic_entry(db, trail, action, user, now)
    return user


def unlock_clinic_user(
    db: Session, *, clinic_id: int, user_id: int, trail: Trail, now: datetime
) -> User:
    """Forget a clinic user's failed sign-ins: they can sign in again at once."""
    with one_transaction(db):
        user = clinic_users.get(db, clinic_id=clinic_id, user_id=user_id)
        throttle.unlock_account(db, email=user.email)
        _clinic_entry(db, trail, "user_unlocked", user, now)
    return user


def issue_clinic_user_link(
    db: Session, *, clinic_id: int, user_id: int, trail: Trail, now: datetime
) -> tuple[User, str]:
    """A new one-time link for a clinic user (invitation or reset): the user and its path."""
    with one_transaction(db):
        user = clinic_users.get(db, clinic_id=clinic_id, user_id=user_id)
        path = clinic_users.issue_link(db, user=user, now=now)
        _clinic_entry(db, trail, "user_link_issued", user, now)
    return user, path


def _clinic_entry(
    db: Session, trail: Trail, action: str, user: User, now: datetime, detail: str | None = None
) -> None:
    described = f"clinic {user.clinic_id}: {user.email}" + (f" ({detail})" if detail else "")
    record_on(db, trail, action=action, now=now, target=f"user:{user.id}", detail=described)


def reset_password(db: Session, *, token: str, password: str, confirm: str, now: datetime) -> User:
    """A member of the staff sets a password from their reset link (`user.password_reset`)."""
    with one_transaction(db):
        if password != confirm:
            raise users.ValidationFailed("the two passwords differ")
        user = users.reset_password(db, token=token, password=password, now=now)
        _own_entry(db, user, "user.password_reset", now)
    return user


def set_password(db: Session, *, user: User, password: str, action: str, now: datetime) -> None:
    """A clinic user sets a password from their invitation or reset link, audited as
    `action` under their own name."""
    with one_transaction(db):
        users.change_password(db, user=user, password=password)
        _own_entry(db, user, action, now)


def _own_entry(db: Session, user: User, action: str, now: datetime) -> None:
    record(db, actor=Actor(user.email, user.id), action=action, now=now, target=f"user:{user.id}")
