"""Page helpers both consoles use: template sets that fall back to the pages the consoles
share (console/templates: the layout each console's base.html fills in, the sign-in and
message pages), and the redirect that answers a form."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

SHARED_TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Console:
    """What the shared pages say of the console showing them."""

    root: str  # "/admin"
    sign_in_heading: str
    sign_in_hint: str = ""


def console_templates(directory: Path, console: Console) -> Jinja2Templates:
    """A console's templates: its own first, then the shared ones."""
    templates = Jinja2Templates(directory=[str(directory), str(SHARED_TEMPLATES)])
    templates.env.globals["console"] = console
    return templates


def redirect(url: str) -> RedirectResponse:
    """303, so the browser follows a form's answer with a GET."""
    return RedirectResponse(url, status_code=303)
