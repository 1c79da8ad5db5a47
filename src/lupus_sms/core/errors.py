"""Domain errors, mapped to HTTP in one place (`install_error_handlers`).

LupusSmsError
 +-- ConfigurationError      refuse to start
 +-- NotFoundError           404 (also for another clinic's ids)
 +-- ValidationFailed        422 with a message
 +-- ConflictError           409
 +-- AuthenticationError     401
 +-- PermissionDenied        403

DATABASE_UNAVAILABLE (refused or dropped connections, lock and statement timeouts, a full
pool) is 503 with Retry-After: nothing was changed, and trying again later will work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

# What "the database is unavailable" looks like: refused or dropped connections, statement
# and lock timeouts (psycopg and sqlite3 raise them as OperationalError), an exhausted pool.
DATABASE_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    sa_exc.DisconnectionError,
)
UNAVAILABLE_MESSAGE = "The database is busy or unavailable; nothing was changed. Try again shortly."
UNAVAILABLE_RETRY_AFTER_SECONDS = 5


class LupusSmsError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ConfigurationError(LupusSmsError):
    code = "configuration"


class NotFoundError(LupusSmsError):
    status_code = 404
    code = "not_found"


class ValidationFailed(LupusSmsError):
    status_code = 422
    code = "validation_failed"


class ConflictError(LupusSmsError):
    status_code = 409
    code = "conflict"


class AuthenticationError(LupusSmsError):
    status_code = 401
    code = "unauthorized"


class PermissionDenied(LupusSmsError):
    status_code = 403
    code = "forbidden"


def error_body(code: str, message: str, details: list | None = None) -> dict:
    """The one JSON error shape: {"error": {"code", "message", "details"}}."""
    return {"error": {"code": code, "message": message, "details": details or []}}


# (request, status, title, message) -> the console's own error page.
ErrorPage = Callable[[Request, int, str, str], Response]


# A console's error page is titled for its status, so the heading agrees with what happened.
PAGE_TITLES = {403: "Not allowed", 404: "Not found", 422: "Please check the form"}


def page_title(status: int) -> str:
    """The title of a console's error page of `status` ("Not done" for the rest)."""
    return PAGE_TITLES.get(status, "Not done")


def add_error_page(app: FastAPI, *, prefix: str, page: ErrorPage) -> None:
    """Answer request and HTTP errors under `prefix` (a console) with `page`, not JSON: a person
    in a browser gets the console's page with the message, not FastAPI's JSON."""
    app.state.error_pages = {**getattr(app.state, "error_pages", {}), prefix: page}


def _console_prefix(request: Request) -> str | None:
    for prefix in getattr(request.app.state, "error_pages", {}):
        if request.url.path == prefix or request.url.path.startswith(prefix + "/"):
            return prefix
    return None


async def _console_page(request: Request, status: int, title: str, message: str):
    prefix = _console_prefix(request)
    if prefix is None:
        return None
    page = request.app.state.error_pages[prefix]
    # Pages read the database (the layout's open alert count): not on the event loop.
    return await run_in_threadpool(page, request, status, title, message)


_UNAVAILABLE_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Try again shortly'
    '</title><meta http-equiv="refresh" content="10"></head><body><h1>Try again shortly</h1>'
    f"<p>{UNAVAILABLE_MESSAGE}</p><p>This page reloads by itself.</p></body></html>"
)


def _field_message(error: dict) -> str:
    """'email: String should have at most 254 characters', naming the field as the form does."""
    where = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    return f"{'.'.join(where) or 'input'}: {error.get('msg')}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LupusSmsError)
    async def _domain_error(request: Request, exc: LupusSmsError) -> JSONResponse:
        details = [{"field": exc.field, "message": exc.message}] if exc.field else []
        # An error of several fields (SettingsInvalid, ...) names each, like a pydantic 422.
        if isinstance(fields := getattr(exc, "errors", None), dict):
            details = [{"field": name, "message": text} for name, text in fields.items()]
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(
            error_body(exc.code, exc.message, details), exc.status_code, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg")}
            for err in exc.errors()
        ]
        message = "; ".join(f"{d['field']}: {d['message']}" for d in details) or "invalid input"
        errors = exc.errors()
        # An address with a malformed id (/portal/patients/abc) names no page: 404, like a
        # missing id. Anything else (an over-long form field) is bad input: 422.
        in_path = any(err.get("loc", ("",))[0] == "path" for err in errors)
        status = 404 if in_path else 422
        readable = "; ".join(_field_message(err) for err in errors) or "invalid input"
        if in_path:
            readable = "This address names nothing here (an id is a whole number)."
        page = await _console_page(request, status, page_title(status), readable)
        if page is not None:
            return page
        return JSONResponse(error_body("validation_failed", message, details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
        }.get(exc.status_code, "http_error")
        title = page_title(exc.status_code)
        page = await _console_page(request, exc.status_code, title, str(exc.detail))
        if page is not None:
            page.headers.update(exc.headers or {})
            return page
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)

    async def _database_unavailable(request: Request, exc: Exception) -> Response:
        logger.warning(
            "database unavailable on %s %s (%s)",
            request.method,
            request.url.path,
            type(exc.__cause__ or exc).__name__,
        )
        headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)}
        if _console_prefix(request):  # the console's own page reads the database: not now
            return HTMLResponse(_UNAVAILABLE_PAGE, 503, headers=headers)
        body = error_body("database_unavailable", UNAVAILABLE_MESSAGE)
        return JSONResponse(body, 503, headers=headers)

    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, _database_unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal_error", "internal error, it has been logged"), 500)
