"""Template rendering shared by the portal routers."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse

from lupus_sms.console.pages import Console, console_templates
from lupus_sms.portal.auth import COOKIES, PortalContext
from lupus_sms.portal.inbox import count_waiting

CONSOLE = Console(
    "/portal",
    "Sign in to the clinic portal",
    "No account yet, or forgot your password? Ask your clinic admin for a link.",
)
templates = console_templates(Path(__file__).parent / "templates", CONSOLE)


def render(
    request: Request,
    template_name: str,
    status_code: int = 200,
    *,
    portal: PortalContext | None = None,
    **context,
) -> HTMLResponse:
    """A portal page; for a signed-in person the layout shows what waits in their clinic's
    inbox (open alerts, conversations waiting for an answer)."""
    portal = portal or getattr(request.state, "portal", None)
    context["portal"] = portal
    context.setdefault("csrf_token", getattr(request.state, COOKIES.state_key, ""))
    if portal is not None and "open_alert_count" not in context:
        db = getattr(request.state, "portal_db", None)
        context["open_alert_count"] = count_waiting(db, clinic_id=portal.clinic.id) if db else 0
    return templates.TemplateResponse(request, template_name, context, status_code=status_code)


def message_page(
    request: Request, title: str, message: str, status_code: int = 200, **context
) -> HTMLResponse:
    return render(request, "message.html", status_code, title=title, message=message, **context)
