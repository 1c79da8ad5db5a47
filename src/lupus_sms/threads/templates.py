"""A clinic's own quick replies: listed, created, changed and deleted by its clinic admins.

One with the key of a service-wide default (content/care_team.yaml) replaces that default for
the clinic. Each change is one use case: the row and its audit entry commit together. The
texts are checked as the defaults are (threads/content.py): known placeholders only, at
most the `quick_reply` limit once filled in with the longest values, and no word of the
discreet word list (the title is only read by staff: it may say anything).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lupus_sms.audit.service import Trail, one_transaction, record_on
from lupus_sms.content.discreet import listed_words, words_in
from lupus_sms.content.service import get_content
from lupus_sms.core.errors import NotFoundError, ValidationFailed
from lupus_sms.core.text_input import CONTROL_CHARACTERS
from lupus_sms.threads import content as care_team
from lupus_sms.threads.models import QuickReply

BODY_MAX = 1000  # far above 3 segments: the size check gives the clear message


class QuickReplyInvalid(ValidationFailed):
    """Every refused field with its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {text}" for field, text in errors.items()))
        self.errors = errors


@dataclass
class QuickReplyForm:
    """What the form sends; stripped, and an empty Spanish text means "use the English". The
    key is taken as typed: the form's pattern refuses capitals, and so does `validate`."""

    key: str = ""
    title: str = ""
    body_en: str = ""
    body_es: str = ""

    def cleaned(self) -> QuickReplyForm:
        values = {f.name: (getattr(self, f.name) or "").strip() for f in fields(self)}
        values = {name: text.replace("\r\n", "\n") for name, text in values.items()}
        return QuickReplyForm(**values)


def get_all(db: Session, *, clinic_id: int) -> list[QuickReply]:
    query = select(QuickReply).where(QuickReply.clinic_id == clinic_id)
    return list(db.scalars(query.order_by(QuickReply.title, QuickReply.id)))


def get(db: Session, *, clinic_id: int, quick_reply_id: int) -> QuickReply:
    """The clinic's quick reply; another clinic's is as unknown as a missing one."""
    reply = db.get(QuickReply, quick_reply_id)
    if reply is None or reply.clinic_id != clinic_id:
        raise NotFoundError("No such quick reply in this clinic.")
    return reply


def create(
    db: Session, *, clinic_id: int, form: QuickReplyForm, now: datetime, trail: Trail | None
) -> QuickReply:
    form = validate(form)
    with one_transaction(db):
        reply = QuickReply(clinic_id=clinic_id, **_columns(form))
        db.add(reply)
        _flush_unique(db, form.key)
        _record(db, trail, "create", reply, now)
    return reply


def update(
    db: Session,
    *,
    clinic_id: int,
    quick_reply_id: int,
    form: QuickReplyForm,
    now: datetime,
    trail: Trail | None,
) -> QuickReply:
    form = validate(form)
    with one_transaction(db):
        reply = get(db, clinic_id=clinic_id, quick_reply_id=quick_reply_id)
        for name, value in _columns(form).items():
            setattr(reply, name, value)
        _flush_unique(db, form.key)
        _record(db, trail, "update", reply, now)
    return reply


def delete(
    db: Session, *, clinic_id: int, quick_reply_id: int, now: datetime, trail: Trail | None
) -> None:
    """The clinic's own text goes; a default of the same key is offered again."""
    with one_transaction(db):
        reply = get(db, clinic_id=clinic_id, quick_reply_id=quick_reply_id)
        _record(db, trail, "delete", reply, now)
        db.delete(reply)
        db.flush()


def validate(form: QuickReplyForm) -> QuickReplyForm:
    """The cleaned form, or QuickReplyInvalid with every refused field."""
    form = form.cleaned()
    errors: dict[str, str] = {}
    if not care_team.KEY.match(form.key):
        errors["key"] = (
            "A key is 1 to 40 small letters, digits or _, no capitals or spaces (for example: "
            "parking). Use a default's key to replace that default."
        )
    if not form.title:
        errors["title"] = "Give it a title (what staff pick in the compose box)."
    elif len(form.title) > care_team.TITLE_MAX:
        errors["title"] = f"A title is at most {care_team.TITLE_MAX} characters."
    if not form.body_en:
        errors["body_en"] = (
            "Write the English text: it is sent to every patient without a Spanish one."
        )
    words = listed_words(get_content())
    for field in ("body_en", "body_es"):
        text = getattr(form, field)
        if text and field not in errors and (problem := _body_problem(text, words)):
            errors[field] = problem
    if errors:
        raise QuickReplyInvalid(errors)
    return form


def _body_problem(text: str, words: tuple[str, ...]) -> str | None:
    if len(text) > BODY_MAX:
        return f"The text is longer than {BODY_MAX} characters."
    if CONTROL_CHARACTERS.search(text):
        return "The text holds a control character: retype it."
    allowed = ", ".join(f"{{{name}}}" for name in sorted(care_team.PLACEHOLDERS))
    if care_team.placeholder_problem(text, care_team.PLACEHOLDERS):
        return f"Use only these placeholders: {allowed} (check the spelling and the braces)."
    if problem := care_team.size_problem(text, care_team.REPLY_LIMIT):
        return f"Too long: {problem}. Shorten it."
    if found := words_in(text, words):
        return f"Do not say {', '.join(found)}: {care_team.DISCREET_REASON}."
    return None


def _columns(form: QuickReplyForm) -> dict[str, str | None]:
    return {"key": form.key, "title": form.title, "body_en": form.body_en,
            "body_es": form.body_es or None}  # fmt: skip


def _flush_unique(db: Session, key: str) -> None:
    """Two admins saving the same key at once: the unique index decides, with a message."""
    try:
        db.flush()
    except IntegrityError:
        raise QuickReplyInvalid(
            {"key": f"This clinic already has a quick reply with the key {key}: edit that one."}
        ) from None


def _record(db: Session, trail: Trail | None, action: str, reply: QuickReply, now) -> None:
    record_on(db, trail, action=f"quick_reply.{action}", now=now,
              target=f"quick_reply:{reply.id}",
              detail=f"clinic:{reply.clinic_id} key:{reply.key}")  # fmt: skip
