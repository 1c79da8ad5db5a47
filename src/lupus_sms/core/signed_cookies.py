"""Session and CSRF cookies of the server-rendered consoles (admin, clinic portal).

Each console has its own `CookieSession`: its own cookie names, path and salts, so a cookie
of one is worthless in the other. The session cookie holds only a random token; the session
itself lives on the server (users/sessions.py), so that it can be ended at once.

CSRF: every form and fetch echoes a token. With a session cookie, the token is an HMAC of
that cookie: bound to the session, new at every sign-in, and useless with anyone else's
session (a victim's session cookie plus an attacker's own token pair fails). Before sign-in
(the sign-in, invitation and reset forms) it is a signed double-submit token: a random value
in an HttpOnly cookie, which the console's middleware sets when a request made a new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lupus_sms.core.config import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class CookieSession:
    name: str  # "admin" or "portal": the console, and the salts
    session_cookie: str
    csrf_cookie: str
    path: str
    state_key: str  # where this request's CSRF token is kept on request.state

    @property
    def new_cookie_key(self) -> str:
        """request.state key of a CSRF cookie the middleware must still set."""
        return "new_" + self.state_key.removesuffix("_token") + "_cookie"

    def cookie_options(self, settings: Settings, *, max_age: int | None = None) -> dict:
        return {
            "httponly": True,
            "samesite": "lax",
            "secure": settings.public_base_url.startswith("https://"),
            "path": self.path,
            "max_age": max_age,
        }

    def session_token(self, request: Request) -> str | None:
        return request.cookies.get(self.session_cookie) or None

    def start(self, response, settings: Settings, token: str) -> None:
        """Signed in: the session's cookie, and the sign-in page's CSRF cookie is gone."""
        lifetime = int(settings.session_max_hours * 3600)
        options = self.cookie_options(settings, max_age=lifetime)
        response.set_cookie(self.session_cookie, token, **options)
        self._delete(response, settings, self.csrf_cookie)

    def clear(self, response, settings: Settings) -> None:
        """Sign out: both cookies gone from the browser."""
        for name in (self.session_cookie, self.csrf_cookie):
            self._delete(response, settings, name)

    def csrf_token(self, request: Request, settings: Settings) -> str:
        """The token this request's forms carry; a new double-submit one when needed."""
        token = getattr(request.state, self.state_key, None)
        if token:
            return token
        session = self.session_token(request)
        token = self._session_bound(settings, session) if session else None
        token = token or self._double_submit(request, settings)
        setattr(request.state, self.state_key, token)
        return token

    async def csrf_matches(self, request: Request, settings: Settings) -> bool:
        """The request echoes its token (form field or header). A double-submit token made
        during this very request cannot match: the browser never had it."""
        expected = self.csrf_token(request, settings)
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form()
            sent = str(form.get(CSRF_FIELD, ""))
        fresh = getattr(request.state, self.new_cookie_key, None) is not None
        return not fresh and hmac.compare_digest(sent.encode(), expected.encode())

    def _session_bound(self, settings: Settings, session: str) -> str:
        key = f"lupus-{self.name}-csrf:{settings.session_secret}".encode()
        digest = hmac.new(key, session.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode()

    def _double_submit(self, request: Request, settings: Settings) -> str:
        serializer = URLSafeTimedSerializer(settings.session_secret, salt=f"lupus-{self.name}-csrf")
        try:
            return serializer.loads(request.cookies.get(self.csrf_cookie, ""))
        except BadSignature:
            token = secrets.token_urlsafe(24)
            options = self.cookie_options(settings)
            setattr(request.state, self.new_cookie_key, (serializer.dumps(token), options))
            return token

    def _delete(self, response, settings: Settings, name: str) -> None:
        options = self.cookie_options(settings)
        response.delete_cookie(
            name, path=self.path, secure=options["secure"], httponly=True, samesite="lax"
        )
