"""Mounting a console on the app, the same way for both: its routes behind the
crafted-input check (control characters, ids out of range), its static files, its pages for
refused requests and errors, the sign-in redirects, the cheap answer to a sign-in beyond the
password slots, and the security headers on its paths only."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles

from lupus_sms.console.access import ConsoleAccess, ConsolePageError, add_access_redirects
from lupus_sms.console.middleware import add_console_middleware
from lupus_sms.console.signin import answer_busy
from lupus_sms.core.errors import ErrorPage, add_error_page, page_title
from lupus_sms.core.text_input import refusing_crafted_input
from lupus_sms.core.work_slots import Busy


def mount_console(
    app: FastAPI,
    *,
    access: ConsoleAccess,
    routers: Iterable[APIRouter],
    static: Path,
    static_name: str,
    page: ErrorPage,
) -> None:
    """`page` renders every message page of the console, titled for its status
    (core/errors.py `page_title`)."""
    # Control characters in any field are a 422 page (core/text_input.py).
    crafted_input = Depends(refusing_crafted_input(access.page_error))
    for router in routers:
        app.include_router(router, dependencies=[crafted_input])
    prefix = access.cookies.path
    app.mount(f"{prefix}/static", StaticFiles(directory=str(static)), name=static_name)
    add_access_redirects(app)

    @app.exception_handler(access.page_error)
    async def _page_error(request: Request, exc: ConsolePageError):
        return page(request, exc.status_code, page_title(exc.status_code), exc.message)

    add_error_page(app, prefix=prefix, page=page)
    app.add_exception_handler(Busy, answer_busy)
    add_console_middleware(app, access.cookies)
