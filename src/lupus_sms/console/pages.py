"""Page helpers both consoles use: template sets that fall back to the pages the consoles
share (console/templates: the message page, laid out by each console's own base.html), and
the redirect that answers a form."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

SHARED_TEMPLATES = Path(__file__).parent / "templates"


def console_templates(directory: Path) -> Jinja2Templates:
    """A console's templates: its own first, then the shared ones."""
    return Jinja2Templates(directory=[str(directory), str(SHARED_TEMPLATES)])


def redirect(url: str) -> RedirectResponse:
    """303, so the browser follows a form's answer with a GET."""
    return RedirectResponse(url, status_code=303)
