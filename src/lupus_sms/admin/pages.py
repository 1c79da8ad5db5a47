"""Template rendering shared by the admin routers."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse

from lupus_sms.admin.auth import COOKIES
from lupus_sms.console.pages import Console, console_templates
from lupus_sms.users.service import can

templates = console_templates(Path(__file__).parent / "templates", Console("/admin", "Sign in"))
templates.env.globals["can"] = can


def render(request: Request, template: str, status_code: int = 200, /, **context) -> HTMLResponse:
    context.setdefault("user", getattr(request.state, "user", None))
    context.setdefault("csrf_token", getattr(request.state, COOKIES.state_key, ""))
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def not_done(request: Request, error, *, back_to: str) -> HTMLResponse:
    """The page for an action the services refused: their message, and a way back."""
    return render(
        request,
        "message.html",
        error.status_code,
        title="Not done",
        message=error.message,
        link=back_to,
    )
