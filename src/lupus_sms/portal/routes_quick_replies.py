"""The clinic's quick replies (clinic_admin): the service-wide defaults, and the clinic's own
texts that add to them or replace one of them (same key). The use cases are
threads/templates.py; these routes only translate HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from lupus_sms.console.pages import redirect
from lupus_sms.content.limits import limit
from lupus_sms.content.service import get_content
from lupus_sms.content.translation import SPANISH
from lupus_sms.core.dependencies import ClockDep, DbSession
from lupus_sms.core.errors import NotFoundError
from lupus_sms.portal.auth import PortalContext, PortalCsrf, PortalPageError, require_portal
from lupus_sms.portal.dependencies import check_id
from lupus_sms.portal.pages import render
from lupus_sms.threads import content as care_team
from lupus_sms.threads import templates
from lupus_sms.threads.models import QuickReply

PAGE = "/portal/settings/quick-replies"
router = APIRouter(prefix=PAGE, include_in_schema=False)
QuickRepliesManager = Annotated[PortalContext, require_portal("quick_replies.manage")]
Key = Annotated[str, Form(max_length=40)]
Title = Annotated[str, Form(max_length=care_team.TITLE_MAX)]
Body = Annotated[str, Form(max_length=templates.BODY_MAX)]


def _posted(key: Key = "", title: Title = "", body_en: Body = "", body_es: Body = ""):
    """The add and edit forms' fields, as the use cases take them."""
    return templates.QuickReplyForm(key, title, body_en, body_es)


PostedForm = Annotated[templates.QuickReplyForm, Depends(_posted)]
DONE = {"added": "Quick reply added.", "saved": "Quick reply saved.",
        "deleted": "Quick reply deleted."}  # fmt: skip


@router.get("")
def quick_reply_list(
    request: Request, portal: QuickRepliesManager, db: DbSession, replace: str = "", done: str = ""
) -> object:
    """The list; `replace` opens the new-text form filled with that default's texts."""
    form = _from_default(replace) or templates.QuickReplyForm()
    return _list_page(request, db, portal, form=form, done=DONE.get(done))


@router.post("", dependencies=[PortalCsrf])
def quick_reply_create(
    request: Request,
    portal: QuickRepliesManager,
    db: DbSession,
    clock: ClockDep,
    form: PostedForm,
) -> object:
    try:
        templates.create(db, clinic_id=portal.clinic.id, form=form, now=clock.now(),
                         trail=portal.trail)  # fmt: skip
    except templates.QuickReplyInvalid as exc:
        return _list_page(request, db, portal, 422, form=form, errors=exc.errors)
    return redirect(f"{PAGE}?done=added")


@router.get("/{quick_reply_id}")
def quick_reply_form(
    request: Request, quick_reply_id: int, portal: QuickRepliesManager, db: DbSession
) -> object:
    reply = _owned(db, portal, quick_reply_id)
    form = templates.QuickReplyForm(reply.key, reply.title, reply.body_en, reply.body_es or "")
    return _edit_page(request, portal, reply, form=form)


@router.post("/{quick_reply_id}", dependencies=[PortalCsrf])
def quick_reply_update(
    request: Request,
    quick_reply_id: int,
    portal: QuickRepliesManager,
    db: DbSession,
    clock: ClockDep,
    form: PostedForm,
) -> object:
    reply = _owned(db, portal, quick_reply_id)
    try:
        templates.update(db, clinic_id=portal.clinic.id, quick_reply_id=reply.id, form=form,
                         now=clock.now(), trail=portal.trail)  # fmt: skip
    except templates.QuickReplyInvalid as exc:
        return _edit_page(request, portal, reply, 422, form=form, errors=exc.errors)
    return redirect(f"{PAGE}?done=saved")


@router.post("/{quick_reply_id}/delete", dependencies=[PortalCsrf])
def quick_reply_delete(
    quick_reply_id: int, portal: QuickRepliesManager, db: DbSession, clock: ClockDep
) -> object:
    reply = _owned(db, portal, quick_reply_id)
    templates.delete(db, clinic_id=portal.clinic.id, quick_reply_id=reply.id, now=clock.now(),
                     trail=portal.trail)  # fmt: skip
    return redirect(f"{PAGE}?done=deleted")


def _owned(db, portal: PortalContext, quick_reply_id: int) -> QuickReply:
    check_id(quick_reply_id, "quick reply")
    try:
        return templates.get(db, clinic_id=portal.clinic.id, quick_reply_id=quick_reply_id)
    except NotFoundError as exc:
        raise PortalPageError(404, exc.message) from None


def _defaults() -> list[dict[str, str]]:
    """Each service-wide default with its English and Spanish texts, as the admin keeps them."""
    content = get_content()
    english = care_team.quick_replies(content)
    spanish = care_team.quick_replies(content.for_language(SPANISH))
    return [
        {"key": key, "title": reply["title"], "body_en": reply["body"],
         "body_es": spanish.get(key, {}).get("body", "")}
        for key, reply in english.items()
    ]  # fmt: skip


def _from_default(key: str) -> templates.QuickReplyForm | None:
    for default in _defaults():
        if default["key"] == key:
            return templates.QuickReplyForm(key, default["title"], default["body_en"],
                                            default["body_es"])  # fmt: skip
    return None


def _shared_context() -> dict:
    return {
        "placeholders": sorted(care_team.PLACEHOLDERS),
        "segment_limit": limit(care_team.REPLY_LIMIT),
        "body_max": templates.BODY_MAX,
        "title_max": care_team.TITLE_MAX,
        "errors": {},
    }


def _list_page(request: Request, db, portal: PortalContext, status_code: int = 200, **context):
    own = templates.get_all(db, clinic_id=portal.clinic.id)
    context = _shared_context() | context
    return render(request, "quick_replies.html", status_code, portal=portal, own=own,
                  own_keys={reply.key: reply.id for reply in own}, defaults=_defaults(),
                  **context)  # fmt: skip


def _edit_page(request: Request, portal, reply: QuickReply, status_code: int = 200, **context):
    context = _shared_context() | context
    replaces = {default["key"] for default in _defaults()}
    return render(request, "quick_reply_edit.html", status_code, portal=portal, reply=reply,
                  replaces_default=context["form"].key in replaces, **context)  # fmt: skip
