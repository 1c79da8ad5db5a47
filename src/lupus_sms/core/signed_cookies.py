"""Signed session and CSRF cookies for the server-rendered consoles (admin, clinic portal).

Each console has its own `CookieSession`: its own cookie names, path and signing salts, so
a cookie of one is worthless in the other. CSRF is a signed double-submit token: a random
value in an HttpOnly cookie that every form and fetch must echo. A new token is put on
`request.state` for the console's middleware to set as a cookie on the response.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lupus_sms.core.config import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_MAX_AGE = 12 * 3600


@dataclass(frozen=True)
class CookieSession:
    name: str  # "admin" or "portal": the signing salts
    session_cookie: str
    csrf_cookie: str
    path: str
    state_key: str  # where this request's CSRF token is kept on request.state

    @property
    def new_cookie_key(self) -> str:
        """request.state key of a CSRF cookie the middleware must still set."""
        return "new_" + self.state_key.removesuffix("_token") + "_cookie"

    def serializer(self, settings: Settings, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(settings.session_secret, salt=f"lupus-{self.name}-{purpose}")

    def cookie_options(self, settings: Settings, *, max_age: int | None = SESSION_MAX_AGE):
        return {
            "httponly": True,
            "samesite": "lax",
            "secure": settings.public_base_url.startswith("https://"),
            "path": self.path,
            "max_age": max_age,
        }

    def clear(self, response, settings: Settings) -> None:
        """Sign out: both cookies gone from the browser."""
        options = self.cookie_options(settings)
        for name in (self.session_cookie, self.csrf_cookie):
            response.delete_cookie(
                name, path=self.path, secure=options["secure"], httponly=True, samesite="lax"
            )

    def session_value(self, settings: Settings, payload: dict) -> str:
        return self.serializer(settings, "session").dumps(payload)

    def read_session(self, settings: Settings, raw: str | None) -> dict | None:
        if not raw:
            return None
        try:
            return self.serializer(settings, "session").loads(raw, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None

    def csrf_token(self, request: Request, settings: Settings) -> str:
        """This browser's CSRF token; a new one when it has none (or a forged one)."""
        token = getattr(request.state, self.state_key, None)
        if token:
            return token
        raw = request.cookies.get(self.csrf_cookie, "")
        try:
            token = self.serializer(settings, "csrf").loads(raw)
        except BadSignature:
            token = secrets.token_urlsafe(24)
            value = self.serializer(settings, "csrf").dumps(token)
            options = self.cookie_options(settings, max_age=None)
            setattr(request.state, self.new_cookie_key, (value, options))
        setattr(request.state, self.state_key, token)
        return token

    async def csrf_matches(self, request: Request, settings: Settings) -> bool:
        """The request echoes this browser's token (form field or header). A token made
        during this very request cannot match: the browser never had it."""
        expected = self.csrf_token(request, settings)
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form()
            sent = str(form.get(CSRF_FIELD, ""))
        fresh = getattr(request.state, self.new_cookie_key, None) is not None
        return not fresh and hmac.compare_digest(sent, expected)
