"""`GET /`: a start page that points a newcomer to the consoles, the API docs and health.

`lupus-sms serve` prints the same list at start, so the terminal and the browser agree.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import escape

router = APIRouter(include_in_schema=False)

# (path, name, what it is for): the places a newcomer looks for first.
PLACES = (
    ("/portal", "Clinic portal", "coordinators and nurses: patients, schedules and alerts"),
    ("/admin", "Admin console", "content editors and owners: texts, dashboard, clinics"),
    ("/docs", "API documentation", "the clinic REST API, interactive (also /redoc)"),
    ("/healthz", "Health", "is the service up, its database reachable, its scheduler ticking"),
)


def place_lines(base_url: str) -> list[str]:
    """One line per place, e.g. "  Clinic portal      http://127.0.0.1:8000/portal"."""
    return [f"  {name:<18} {base_url}{path}" for path, name, _ in PLACES]


@router.get("/", response_class=HTMLResponse)
def start_page() -> HTMLResponse:
    items = "".join(
        f'<li><a href="{path}">{escape(name)}</a> <span class="hint">{escape(use)}</span></li>'
        for path, name, use in PLACES
    )
    return HTMLResponse(_PAGE.format(items=items))


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lupus-sms</title>
<link rel="stylesheet" href="/portal/static/portal.css">
</head>
<body>
<main id="main">
<section class="narrow">
<h1>lupus-sms</h1>
<p>SMS education, consent, reminders and safety escalation for people with severe lupus
considering or recovering from stem-cell treatment.</p>
<ul class="places">{items}</ul>
<p class="hint">Patients never come here: they text the clinic's number.</p>
</section>
</main>
</body>
</html>
"""
