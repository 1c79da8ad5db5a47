"""The simulator: what the bot would answer a text, sent by nobody and changing nothing.

The real inbound pipeline runs on the request's own connection inside a savepoint that is
always rolled back, with the draft content (live plus pending drafts) served to it alone.
Nothing is queued or sent: every row it writes, outbox included, disappears.

A chosen language is given to the number inside the sandbox only, so an admin can read the
replies a Spanish (or English) speaker gets; the stored number keeps its own language.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from lupus_sms.content.service import content_override
from lupus_sms.content.snapshot import ENGLISH, ContentError
from lupus_sms.content.store import draft_texts, get_revision, parse_texts
from lupus_sms.content.translation import SPANISH
from lupus_sms.core.clock import Clock
from lupus_sms.core.config import Settings
from lupus_sms.core.errors import ValidationFailed
from lupus_sms.core.phones import normalise_phone
from lupus_sms.inbound.service import InboundSms, handle_inbound
from lupus_sms.messaging.service import get_or_create_phone_number

# The picker's choices; "" answers in the number's own language, as the real bot would.
LANGUAGES = {"": "The number's own", ENGLISH: "English", SPANISH: "Español"}


@dataclass(frozen=True)
class SimulatedReply:
    body: str | None
    used_drafts: bool


def simulate(
    db: Session,
    *,
    phone: str,
    body: str,
    settings: Settings,
    clock: Clock,
    drafts: bool = True,
    language: str = "",
) -> SimulatedReply:
    phone = normalise_phone(phone, settings.default_country)
    if not body.strip():
        raise ValidationFailed("type a text to simulate", field="body")
    if language not in LANGUAGES:
        raise ValidationFailed("choose English or Español", field="language")
    snapshot = _draft_snapshot(db) if drafts else None
    connection = db.connection()
    sandbox_point = connection.begin_nested()
    sandbox = Session(bind=connection, join_transaction_mode="create_savepoint")
    sms = InboundSms(
        message_sid=f"SMsimulated{uuid.uuid4().hex}",
        from_number=phone,
        to_number=settings.twilio_from_number,
        body=body[:1600],
    )
    try:
        if language:
            get_or_create_phone_number(sandbox, e164=phone).language = language
            sandbox.flush()
        if snapshot is not None:
            with content_override(snapshot):
                result = handle_inbound(sandbox, sms=sms, settings=settings, clock=clock)
        else:
            result = handle_inbound(sandbox, sms=sms, settings=settings, clock=clock)
    finally:
        sandbox.close()
        sandbox_point.rollback()
    return SimulatedReply(result.reply_body, snapshot is not None)


def _draft_snapshot(db: Session):
    if get_revision(db) is None:
        return None
    try:
        return parse_texts(draft_texts(db), version=-1)
    except ContentError as exc:
        raise ValidationFailed("the drafts do not validate together: " + str(exc)) from exc
