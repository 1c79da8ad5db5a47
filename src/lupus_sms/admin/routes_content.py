"""The content editor: topics, messages and documents, with review, history and restore."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lupus_sms.admin import editor, lock_screen
from lupus_sms.admin.auth import Csrf, CsrfToken, actor_for, require
from lupus_sms.admin.pages import not_done, render
from lupus_sms.admin.service import LANGUAGES, content_overview, pending_drafts
from lupus_sms.console.pages import redirect
from lupus_sms.content import changes as content_changes
from lupus_sms.content import protocol, versions
from lupus_sms.content.limits import limit
from lupus_sms.content.service import get_content
from lupus_sms.content.snapshot import MESSAGE_PLACEHOLDERS
from lupus_sms.content.store import draft_versions, live_versions, split_key
from lupus_sms.content.translation import SPANISH, TRANSLATED_LANGUAGES
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep
from lupus_sms.core.errors import LupusSmsError, ValidationFailed
from lupus_sms.users import service as users
from lupus_sms.users.models import User

router = APIRouter(prefix="/admin", include_in_schema=False)
Editor = Annotated[User, require("content.edit")]
MAX_FORM_TEXT = 20_000
TOPIC_FIELDS = ("keyword", "aliases", "menu_number", "title")
TOPIC_KEY = re.compile(r"^[a-z0-9_]{1,64}$")


@router.get("/content")
def content_list(
    request: Request,
    user: Editor,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    csrf: CsrfToken,
) -> object:
    content_changes.ensure_seeded(db, content_dir=settings.content_dir, now=clock.now())
    return render(
        request,
        "content_list.html",
        items=content_overview(db),
        languages=LANGUAGES,
        drafts=pending_drafts(db),
        review=settings.content_review_required,
        missing=get_content().missing,
    )


@router.get("/content/edit/{key:path}")
def edit_form(
    request: Request,
    key: str,
    user: Editor,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
    csrf: CsrfToken,
) -> object:
    content_changes.ensure_seeded(db, content_dir=settings.content_dir, now=clock.now())
    current = draft_versions(db).get(key) or live_versions(db).get(key)
    language, base = split_key(key)
    creatable = base.startswith("topic:") or language in TRANSLATED_LANGUAGES
    if current is None and not creatable:
        return render(request, "message.html", 404, title="Not found", message="No such item.")
    return _editor(
        request,
        key,
        current.body if current else "",
        settings,
        is_draft=bool(current and current.status == "draft"),
        is_new=current is None,
        counterpart=_counterpart(db, key),
        protocol=versions.protocol_approvals(db, key=key),
    )


@router.get("/content/new")
def new_topic(
    request: Request,
    user: Editor,
    db: DbSession,
    settings: SettingsDep,
    csrf: CsrfToken,
    key: str = "",
) -> object:
    """The "New topic" form: a valid, unused key opens an empty topic editor."""
    name = "_".join(key.strip().lower().replace("-", " ").split())[:80]
    error = None
    if not TOPIC_KEY.match(name):
        error = "A topic key uses small letters, digits and _ only, for example: fatigue."
    elif f"topic:{name}" in live_versions(db) or f"topic:{name}" in draft_versions(db):
        error = f"The topic {name} already exists: edit it from the list below."
    if error is None:
        return redirect(f"/admin/content/edit/topic:{name}")
    return render(
        request,
        "content_list.html",
        422,
        items=content_overview(db),
        languages=LANGUAGES,
        drafts=pending_drafts(db),
        review=settings.content_review_required,
        error=error,
        new_key=key[:80],
    )


@router.post("/content/edit/{key:path}", dependencies=[Csrf])
async def save(
    request: Request,
    key: str,
    user: Editor,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
) -> object:
    form = await request.form()
    try:
        body = _body_from_form(key, form)
        version = await run_in_threadpool(
            content_changes.save_version,
            db,
            key=key,
            body=body,
            note=str(form.get("note", "")),
            actor=actor_for(user),
            now=clock.now(),
            review_required=settings.content_review_required,
        )
    except LupusSmsError as exc:
        note = str(form.get("note", ""))[:200]
        return _resubmitted(request, key, form, settings, error=exc.message, note=note)
    state = "saved as a draft for review" if version.status == "draft" else "live now"
    return redirect(f"/admin/content/history/{key}?saved={version.number}&state={state}")


@router.get("/content/history/{key:path}")
def history(
    request: Request,
    key: str,
    user: Editor,
    db: DbSession,
    csrf: CsrfToken,
    saved: int | None = None,
    state: str = "",
) -> object:
    try:
        rows = versions.history(db, key=key)
    except LupusSmsError as exc:
        return render(request, "message.html", 404, title="Not found", message=exc.message)
    entries = [
        {"version": v, "diff": versions.diff(versions.previous_version(db, v), v)} for v in rows
    ]
    return render(request, "history.html", key=key, entries=entries, saved=saved, state=state[:60])


@router.post("/content/versions/{version_id}/{action}", dependencies=[Csrf])
def review(
    request: Request,
    version_id: int,
    action: str,
    user: Editor,
    db: DbSession,
    settings: SettingsDep,
    clock: ClockDep,
) -> object:
    reviewer = versions.Reviewer(actor_for(user), users.can(user, "content.review"))
    try:
        key = content_changes.review_version(
            db, version_id=version_id, action=action, reviewer=reviewer, now=clock.now(),
            review_required=settings.content_review_required,
        )  # fmt: skip
    except LupusSmsError as exc:
        return not_done(request, exc, back_to="/admin/content")
    return redirect(f"/admin/content/history/{key}?state={action}d")


@router.post("/api/analyze", dependencies=[Csrf])
async def analyze_texts(request: Request, user: Editor, settings: SettingsDep) -> JSONResponse:
    """Live counters for the editor: one analysis per text sent."""
    try:
        payload = await request.json()
        texts = [str(t)[:MAX_FORM_TEXT] for t in payload.get("texts", [])][:50]
        languages = [str(code)[:8] for code in payload.get("languages", [])][: len(texts)]
    except (ValueError, AttributeError, TypeError):
        return JSONResponse({"error": 'send {"texts": [...], "languages": [...]}'}, 422)
    languages += ["en"] * (len(texts) - len(languages))  # English unless told otherwise
    limits = {
        "grade_limit": settings.reading_grade_limit,
        "ease_minimum": settings.spanish_reading_ease_minimum,
    }
    pairs = zip(texts, languages, strict=True)
    results = [editor.analysis(text, language=lang, **limits) for text, lang in pairs]
    return JSONResponse({"results": results})


def _counterpart(db, key: str) -> tuple[str, str] | None:
    """The same item in the other language, (key, body), shown beside the one edited."""
    language, base = split_key(key)
    other = base if language else f"{SPANISH}/{base}"
    version = draft_versions(db).get(other) or live_versions(db).get(other)
    return (other, version.body if version else "")


def _body_from_form(key: str, form) -> str:
    kind, _, name = split_key(key)[1].partition(":")
    if kind == "topic":
        if form.get("delete") == "yes":
            return ""
        values = {k: str(form.get(k, ""))[:MAX_FORM_TEXT] for k in TOPIC_FIELDS}
        parts = [str(p)[:MAX_FORM_TEXT] for p in form.getlist("part")]
        return editor.topic_yaml(values, key=name, parts=parts)
    if split_key(key)[1] == "messages":
        messages = {
            str(field)[4:]: str(value)[:MAX_FORM_TEXT]
            for field, value in form.multi_items()
            if str(field).startswith("msg_")
        }
        if split_key(key)[0]:  # a translation: an empty text means "use the English one"
            messages = {name: text for name, text in messages.items() if text.strip()}
        return editor.messages_yaml(messages, order=list(MESSAGE_PLACEHOLDERS))
    body = str(form.get("body", ""))[:200_000].replace("\r\n", "\n")
    if not body.strip():
        raise ValidationFailed("a document cannot be empty")
    return body if body.endswith("\n") else body + "\n"


def _context(key: str, settings, **extra) -> dict:
    language, base = split_key(key)
    return {
        "key": key,
        "name": base.partition(":")[2],
        "language": language or "en",
        "counterpart": None,
        "error": None,
        "note": "",
        "is_draft": False,
        "is_new": False,
        "review": settings.content_review_required or key in versions.ALWAYS_REVIEWED,
        "protocol_document": protocol.is_protocol_document(key),
        "protocol": [],
        "sizes": [],
        "grade_limit": settings.reading_grade_limit,
        "part_limit": limit("topic_part"),
        "ease_minimum": settings.spanish_reading_ease_minimum,
    } | extra


def _resubmitted(request, key, form, settings, *, error: str, note: str) -> object:
    """The editor again with exactly what was typed, and why saving was refused."""
    context = _context(key, settings, error=error, note=note)
    if split_key(key)[1].startswith("topic:"):
        values = {k: str(form.get(k, ""))[:MAX_FORM_TEXT] for k in TOPIC_FIELDS}
        parts = [str(p)[:MAX_FORM_TEXT] for p in form.getlist("part")]
        return render(
            request, "edit_topic.html", 422, form=values | {"parts": parts or [""]}, **context
        )
    if split_key(key)[1] == "messages":
        rows = [
            {
                "name": str(field)[4:],
                "text": str(value)[:MAX_FORM_TEXT],
                "placeholders": sorted(MESSAGE_PLACEHOLDERS.get(str(field)[4:], ())),
                "limit": editor.message_limit(str(field)[4:]),
            }
            for field, value in form.multi_items()
            if str(field).startswith("msg_")
        ]
        return render(request, "edit_messages.html", 422, rows=rows, **context)
    body = str(form.get("body", ""))[:200_000]
    return render(request, "edit_document.html", 422, body=body, **context)


def _editor(
    request, key, body, settings, *, is_draft=False, is_new=False, counterpart=None, protocol=()
):
    base = split_key(key)[1]
    kind = base.partition(":")[0]
    context = _context(key, settings, is_draft=is_draft, is_new=is_new, counterpart=counterpart)
    context |= {"protocol": list(protocol), "sizes": editor.document_sizes(key, body)}
    context["lock_screen"] = lock_screen.previews(key, body)
    other = counterpart[1] if counterpart else ""
    try:
        if kind == "topic":
            form = editor.topic_form(body) if body else {"parts": [""]}
            other_form = editor.topic_form(other) if other else {"parts": []}
            return render(request, "edit_topic.html", form=form, other_form=other_form, **context)
        if base == "messages":
            rows = editor.message_rows(body, other=other)
            return render(request, "edit_messages.html", rows=rows, **context)
    except (ValueError, AttributeError):
        pass  # a text that does not parse is edited as plain YAML below
    return render(request, "edit_document.html", body=body, **context)
