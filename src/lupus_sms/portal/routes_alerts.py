"""/portal/alerts: the inbox, acknowledging with a note, and the open count for polling."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse

from lupus_sms.alerts import documents
from lupus_sms.alerts import service as alerts
from lupus_sms.console.pages import redirect
from lupus_sms.content.service import get_content
from lupus_sms.core.db import MAX_ID
from lupus_sms.core.dependencies import ClockDep, DbSession
from lupus_sms.core.errors import LupusSmsError, NotFoundError
from lupus_sms.core.statuses import AlertStatus
from lupus_sms.portal import alerts as inbox_views
from lupus_sms.portal.auth import PortalContext, PortalCsrf, PortalPageError, require_portal
from lupus_sms.portal.dependencies import check_id, refused
from lupus_sms.portal.pages import render
from lupus_sms.portal.timefmt import local_time

router = APIRouter(prefix="/portal/alerts", include_in_schema=False)
AlertViewer = Annotated[PortalContext, require_portal("alerts.view")]
AlertHandler = Annotated[PortalContext, require_portal("alerts.acknowledge")]
MAX_NOTE = 2000
MAX_BY = 120  # alerts.acknowledged_by


AlertPosition = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("")
def inbox(
    request: Request,
    db: DbSession,
    portal: AlertViewer,
    clock: ClockDep,
    open_after: AlertPosition = None,
    open_before: AlertPosition = None,
    closed_after: AlertPosition = None,
    closed_before: AlertPosition = None,
) -> object:
    """`open_after=ID` / `open_before=ID` page the open list, `closed_after` (older) and
    `closed_before` (newer) the closed one; each from one alert's id (keyset)."""
    labels = documents.category_labels(get_content())
    try:
        found = inbox_views.inbox(
            db, clinic_id=portal.clinic.id, labels=labels,
            open_at=_position(open_after, open_before),
            closed_at=_position(closed_after, closed_before),
        )  # fmt: skip
    except NotFoundError as exc:
        raise PortalPageError(404, exc.message) from None
    return render(
        request,
        "alerts.html",
        inbox=found,
        newest_open_id=inbox_views.newest_open_id(db, clinic_id=portal.clinic.id),
        done=request.query_params.get("done") == AlertStatus.ACKNOWLEDGED,
        now=clock.now(),
        zone=portal.clinic.timezone,
        waited=inbox_views.waited,
        local_time=local_time,
        can_acknowledge=portal.can("alerts.acknowledge"),
    )


def _position(after: int | None, before: int | None) -> inbox_views.Position | None:
    if after is not None and before is not None:
        raise PortalPageError(422, "Page from one alert only: after it or before it.")
    if after is None and before is None:
        return None
    return inbox_views.Position(after or before, after=after is not None)


@router.get("/open-count")
def open_count(db: DbSession, portal: AlertViewer) -> JSONResponse:
    """For the badge and the inbox, polled by portal.js; never cached."""
    body = {
        "open": alerts.count_open(db, clinic_id=portal.clinic.id),
        "newest_open_id": inbox_views.newest_open_id(db, clinic_id=portal.clinic.id),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/{alert_id}/acknowledge", dependencies=[PortalCsrf])
def acknowledge(
    request: Request,
    db: DbSession,
    portal: AlertHandler,
    clock: ClockDep,
    alert_id: int,
    note: Annotated[str, Form()] = "",
) -> object:
    check_id(alert_id, "alert")
    if len(note) > MAX_NOTE:
        raise PortalPageError(422, f"The note is too long (at most {MAX_NOTE} characters).")
    try:
        alerts.acknowledge(
            db,
            clinic_id=portal.clinic.id,
            alert_id=alert_id,
            by=portal.actor.label[:MAX_BY],
            note=note.strip() or None,
            now=clock.now(),
            trail=portal.trail,
        )
    except NotFoundError:
        raise PortalPageError(404, "No such alert in this clinic.") from None
    except LupusSmsError as exc:
        return refused(request, exc, back_to="/portal/alerts")
    return redirect("/portal/alerts?done=acknowledged")
