"""The signed-in person of a console request, read from its session cookie."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from lupus_sms.core.clock import Clock
from lupus_sms.core.config import Settings
from lupus_sms.core.signed_cookies import CookieSession
from lupus_sms.users import sessions
from lupus_sms.users.models import ConsoleSession, User

# Sent by the portal's badge poll: a request the browser makes on its own is no sign of use.
BACKGROUND_HEADER = "x-background-poll"


def current_session(
    request: Request, db: Session, settings: Settings, clock: Clock, cookies: CookieSession
) -> tuple[ConsoleSession, User] | None:
    """The live session of this console and its active user, or None. Records the use (at
    most once a minute) and deletes an ended session, committing either."""
    session, changed = sessions.resume(
        db,
        token=cookies.session_token(request),
        console=cookies.name,
        now=clock.now(),
        policy=sessions.SessionPolicy.from_settings(settings),
        touch=BACKGROUND_HEADER not in request.headers,
    )
    if changed:
        db.commit()
    if session is None:
        return None
    user = db.get(User, session.user_id)
    if user is None or not user.is_active:
        return None
    return session, user
