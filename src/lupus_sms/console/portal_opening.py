"""A service admin opening one clinic's portal from the admin console: a portal session of
its own, naming the clinic, re-validated on every portal request (portal/auth.py). The
admin's cookie has path /admin, so the portal cannot use it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lupus_sms.audit.service import Actor, record
from lupus_sms.clinics.models import Clinic
from lupus_sms.console.cookies import PORTAL_COOKIES
from lupus_sms.core.config import Settings
from lupus_sms.users import sessions
from lupus_sms.users.models import User


def open_portal(
    db: Session, *, user: User, actor: Actor, clinic: Clinic, settings: Settings, now: datetime
) -> str:
    """The new portal session's token, committed with the audit entry of the opening."""
    record(db, actor=actor, action="portal.opened", now=now, target=f"clinic:{clinic.id}",
           detail=clinic.name)  # fmt: skip
    token = sessions.start(
        db,
        user_id=user.id,
        console=PORTAL_COOKIES.name,
        now=now,
        policy=sessions.SessionPolicy.from_settings(settings),
        clinic_id=clinic.id,
    )
    db.commit()
    return token
