"""Who may open a console page, the same way in both consoles: a live session of that
console (console/sessions.py) with an active user, a handed-over password replaced before
anything else, and the CSRF token echoed by every request that changes something.

Each console describes itself once (`ConsoleAccess`: its cookies, its sign-in and account
pages, its page error) and builds its route dependencies from that. What a person may do
once in (roles, the clinic they look at) stays with the console.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from lupus_sms.console.sessions import current_session
from lupus_sms.core.clock import Clock
from lupus_sms.core.config import Settings
from lupus_sms.core.dependencies import SettingsDep
from lupus_sms.core.signed_cookies import CookieSession
from lupus_sms.users.models import ConsoleSession, User

EXPIRED_FORM = "This form has expired. Go back, reload the page and retry."
ROLE_REFUSED = "Your role does not allow this."
Signed = TypeVar("Signed")


class ConsolePageError(Exception):
    """Rendered as one of the console's HTML pages with this status (not the API's JSON
    shape). Each console has its own subclass, answered with its own page."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class ConsoleRedirect(Exception):
    """Answered with a redirect (303) to `url` (`add_access_redirects`)."""

    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


class SignInRequired(ConsoleRedirect):
    """To the console's sign-in page."""


class PasswordChangeRequired(ConsoleRedirect):
    """To the account page: the password was handed over and must be replaced."""


@dataclass(frozen=True)
class ConsoleAccess:
    cookies: CookieSession
    sign_in_page: str
    account_page: str
    page_error: type[ConsolePageError]

    def csrf_token(self, request: Request, settings: Settings) -> str:
        """This request's CSRF token (bound to its session once signed in); a new one is set
        as a cookie by the console's middleware (console/middleware.py)."""
        return self.cookies.csrf_token(request, settings)

    def csrf_dependencies(self):
        """The route dependency checking the token a state-changing request echoes (form field
        or header), and the parameter type handing a page its token."""

        async def verify(request: Request, settings: SettingsDep) -> None:
            if not await self.cookies.csrf_matches(request, settings):
                raise self.page_error(403, EXPIRED_FORM)

        def token(request: Request, settings: SettingsDep) -> str:
            return self.csrf_token(request, settings)

        return Depends(verify), Annotated[str, Depends(token)]

    def signed_in(
        self,
        request: Request,
        db: Session,
        settings: Settings,
        clock: Clock,
        accept: Callable[[ConsoleSession, User], Signed | None],
    ) -> Signed:
        """What `accept` makes of this console's live session and its user; SignInRequired
        when there is none or `accept` turns it down."""
        found = current_session(request, db, settings, clock, self.cookies)
        signed = accept(*found) if found else None
        if signed is None:
            raise SignInRequired(self.sign_in_page)
        self.csrf_token(request, settings)  # every signed-in page has a sign-out form
        return signed

    def check_password_replaced(self, user: User) -> None:
        """A handed-over password opens the account page only, until it is replaced."""
        if user.must_change_password:
            raise PasswordChangeRequired(self.account_page)

    def role_refused(self) -> ConsolePageError:
        return self.page_error(403, ROLE_REFUSED)


def add_access_redirects(app: FastAPI) -> None:
    """Sign-in and password-change redirects, for every console."""

    @app.exception_handler(ConsoleRedirect)
    async def _redirect(request: Request, exc: ConsoleRedirect) -> RedirectResponse:
        return RedirectResponse(exc.url, status_code=303)
