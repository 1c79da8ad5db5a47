"""/portal/alerts: the inbox (open alerts and conversations in one list, the closed ones
below), acknowledging an alert with a note, marking a conversation done, assigning it to a
colleague, and the waiting count for polling."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse

from lupus_sms.alerts import documents
from lupus_sms.alerts import service as alerts
from lupus_sms.console.pages import redirect
from lupus_sms.content.service import get_content
from lupus_sms.core.db import MAX_ID
from lupus_sms.core.dependencies import ClockDep, DbSession
from lupus_sms.core.errors import LupusSmsError, NotFoundError
from lupus_sms.portal import alerts as alert_views
from lupus_sms.portal import inbox as inbox_views
from lupus_sms.portal.auth import PortalContext, PortalCsrf, PortalPageError, require_portal
from lupus_sms.portal.dependencies import check_id, refused
from lupus_sms.portal.keyset import Position
from lupus_sms.portal.pages import render
from lupus_sms.portal.timefmt import local_time
from lupus_sms.threads import service as threads

router = APIRouter(prefix="/portal/alerts", include_in_schema=False)
AlertViewer = Annotated[PortalContext, require_portal("alerts.view")]
AlertHandler = Annotated[PortalContext, require_portal("alerts.acknowledge")]
ThreadManager = Annotated[PortalContext, require_portal("threads.manage")]
MAX_NOTE = 2000
MAX_BY = 120  # alerts.acknowledged_by
DONE_MESSAGES = {
    "acknowledged": "Acknowledged.",
    "closed": "Conversation marked done. A new text from the patient opens it again.",
    "assigned": "Conversation assigned.",
}

AlertPosition = Annotated[int | None, Query(ge=1, le=MAX_ID)]
# An open item: an alert's id ("alert-12", or just "12") or a conversation's ("thread-7").
ItemPosition = Annotated[str | None, Query(pattern=r"^(alert-|thread-)?[0-9]{1,19}$")]
Show = Literal["all", "mine", "unassigned"]


@router.get("")
def inbox(
    request: Request,
    db: DbSession,
    portal: AlertViewer,
    clock: ClockDep,
    show: Show = inbox_views.ALL,
    open_after: ItemPosition = None,
    open_before: ItemPosition = None,
    closed_after: AlertPosition = None,
    closed_before: AlertPosition = None,
) -> object:
    """`open_after=ITEM` / `open_before=ITEM` page the open list, `closed_after` (older) and
    `closed_before` (newer) the closed alerts; each from one item (keyset)."""
    labels = documents.category_labels(get_content())
    closed_at = _position(closed_after, closed_before)
    try:
        open_list = inbox_views.open_items(
            db, clinic_id=portal.clinic.id, user_id=portal.user.id, show=show, labels=labels,
            at=_open_position(open_after, open_before),
        )  # fmt: skip
        closed = alert_views.closed(db, clinic_id=portal.clinic.id, labels=labels, at=closed_at)
    except NotFoundError as exc:
        raise PortalPageError(404, exc.message) from None
    waiting = inbox_views.waiting(db, clinic_id=portal.clinic.id)
    return render(
        request,
        "alerts.html",
        open_list=open_list,
        closed=closed,
        closed_conversations=(
            inbox_views.recently_closed(db, clinic_id=portal.clinic.id) if closed_at is None else []
        ),
        show=show,
        waiting=waiting,
        open_alert_count=waiting.count,
        colleagues=inbox_views.colleagues(db, clinic_id=portal.clinic.id),
        done=DONE_MESSAGES.get(request.query_params.get("done", "")),
        now=clock.now(),
        zone=portal.clinic.timezone,
        waited=alert_views.waited,
        local_time=local_time,
        can_acknowledge=portal.can("alerts.acknowledge"),
        can_manage_threads=portal.can("threads.manage"),
    )


def _position(after: int | None, before: int | None) -> Position | None:
    if after is not None and before is not None:
        raise PortalPageError(422, "Page from one alert only: after it or before it.")
    if after is None and before is None:
        return None
    return Position(after or before, after=after is not None)


def _open_position(after: str | None, before: str | None) -> Position | None:
    if after is not None and before is not None:
        raise PortalPageError(422, "Page from one item only: after it or before it.")
    if after is None and before is None:
        return None
    kind, _, number = (after or before).rpartition("-")
    what = "conversation" if kind == inbox_views.THREAD else "alert"
    row_id = check_id(int(number), what)
    return Position(row_id, after=after is not None, kind=kind or inbox_views.ALERT)


@router.get("/open-count")
def open_count(db: DbSession, portal: AlertViewer) -> JSONResponse:
    """For the badge and the inbox, polled by portal.js; never cached. `open` counts open
    alerts and conversations waiting for an answer; the two others change with news."""
    waiting = inbox_views.waiting(db, clinic_id=portal.clinic.id)
    newest_text_at = waiting.newest_text_at.isoformat() if waiting.newest_text_at else None
    body = {
        "open": waiting.count,
        "newest_open_id": waiting.newest_alert_id,
        "newest_text_at": newest_text_at,
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


@router.post("/threads/{thread_id}/done", dependencies=[PortalCsrf])
def conversation_done(
    request: Request,
    db: DbSession,
    portal: ThreadManager,
    clock: ClockDep,
    thread_id: int,
    show: Annotated[Show, Form()] = inbox_views.ALL,
) -> object:
    """Done in one click: off the open list until the patient texts again."""
    check_id(thread_id, "conversation")
    try:
        threads.close(
            db, clinic_id=portal.clinic.id, thread_id=thread_id, by=portal.actor.label,
            now=clock.now(), trail=portal.trail,
        )  # fmt: skip
    except NotFoundError:
        raise PortalPageError(404, "No such conversation in this clinic.") from None
    except LupusSmsError as exc:
        return refused(request, exc, back_to=_inbox(show))
    return redirect(_inbox(show, "closed"))


@router.post("/threads/{thread_id}/assign", dependencies=[PortalCsrf])
def conversation_assign(
    request: Request,
    db: DbSession,
    portal: ThreadManager,
    clock: ClockDep,
    thread_id: int,
    user_id: Annotated[str, Form(max_length=19)] = "",
    show: Annotated[Show, Form()] = inbox_views.ALL,
) -> object:
    """To a colleague of the clinic, or to nobody (an empty `user_id`)."""
    check_id(thread_id, "conversation")
    if user_id and not (user_id.isdigit() and 1 <= int(user_id) <= MAX_ID):
        raise PortalPageError(422, "Choose a colleague from the list, or nobody.")
    try:
        threads.assign(
            db, clinic_id=portal.clinic.id, thread_id=thread_id,
            user_id=int(user_id) if user_id else None, now=clock.now(), trail=portal.trail,
        )  # fmt: skip
    except NotFoundError:
        raise PortalPageError(404, "No such conversation in this clinic.") from None
    except LupusSmsError as exc:
        return refused(request, exc, back_to=_inbox(show))
    return redirect(_inbox(show, "assigned"))


def _inbox(show: str, done: str | None = None) -> str:
    query = [f"show={show}"] if show != inbox_views.ALL else []
    query += [f"done={done}"] if done else []
    return "/portal/alerts" + (f"?{'&'.join(query)}" if query else "")
