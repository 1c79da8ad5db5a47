"""`handle_inbound`: the use case behind the Twilio webhook, `lupus-sms chat` and `text`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy.orm import Session

from lupus_sms.content.discreet import for_privacy
from lupus_sms.content.service import get_content
from lupus_sms.conversation.language import choose_language
from lupus_sms.conversation.limits import hold_back_reply
from lupus_sms.conversation.pipeline import InboundContext, Reply, run_pipeline
from lupus_sms.conversation.sender import Sender, clinic_for_senders, hold_numbers, load_sender
from lupus_sms.conversation.text import normalise
from lupus_sms.core.clock import Clock
from lupus_sms.core.config import Settings
from lupus_sms.core.errors import ConflictError
from lupus_sms.core.phones import mask_phone, try_normalise_phone
from lupus_sms.core.statuses import MessageStatus, PatientStatus
from lupus_sms.inbound.order import INBOUND_ORDER
from lupus_sms.messaging import outbox
from lupus_sms.messaging import service as messaging
from lupus_sms.messaging.models import Message

logger = logging.getLogger(__name__)
MAX_BODY_CHARS = 1600  # Twilio's own limit for one message
LATE_REPLY_VALIDITY = timedelta(hours=24)  # a spooled text's answer is not worth sending later


@dataclass(frozen=True)
class InboundSms:
    message_sid: str
    from_number: str
    to_number: str | None
    body: str
    opt_out_type: str | None = None
    messaging_service_sid: str | None = None
    # "twiml": the reply is the webhook's answer. A text replayed from the spool was answered
    # already (inbound/spool.py): "outbox" queues the real reply, "none" sends nothing more.
    reply_by: str = "twiml"


@dataclass(frozen=True)
class InboundResult:
    reply_body: str | None
    reply_message_id: int | None
    duplicate: bool = False
    reply_kind: str | None = None  # what the handlers decided (opt_out, help, topic, ...)


def handle_inbound(db: Session, *, sms: InboundSms, settings: Settings, clock: Clock):
    """Store the message, run the inbound order, store the reply; one commit."""
    result = process_inbound(db, sms=sms, settings=settings, clock=clock)
    db.commit()
    return result


def process_inbound(db: Session, *, sms: InboundSms, settings: Settings, clock: Clock):
    """`handle_inbound` without the commit, one text at a time (`lupus-sms chat`, `text`,
    and the webhook's fallback when a batch fails: inbound/batch.py does the same for many).
    Every write of one text happens in this call."""
    now = clock.now()
    # Before our first query: a due content refresh reads through its own session, and on
    # SQLite it would otherwise wait for the write lock this session is holding.
    content = get_content()
    phone = normalise_sender(sms.from_number, settings.default_country)
    if phone and phone.startswith("+"):
        hold_numbers(db, [phone])  # no other process decides this number's texts meanwhile
    sender = load_sender_of(db, phone, our_numbers(sms))
    message = messaging.insert_message(
        db, inbound_values(sms, phone=phone, sender=sender, now=now), unless_sid_stored=True
    )
    if message is None:  # this MessageSid was stored before (a retry, or a concurrent copy)
        return replay_stored(db, sms=sms, phone=phone)
    context, reply = decide_reply(
        db, sms=sms, sender=sender, message=message, content=content, settings=settings, now=now
    )
    reply_row = None
    if wants_reply(sms, context, reply):
        reply_row = store_reply(
            db, sms=sms, inbound=message, reply=reply, settings=settings, now=now
        )
    return InboundResult(
        reply_row.body if reply_row else None, reply_row and reply_row.id, reply_kind=reply.kind
    )


def our_numbers(sms: InboundSms) -> list[str]:
    """Our side of the text: the Messaging Service and the number it was sent to."""
    return [s for s in (sms.messaging_service_sid, sms.to_number) if s]


def inbound_values(sms: InboundSms, *, phone: str | None, sender: Sender, now: datetime) -> dict:
    """The row of an inbound text, with the patient it belongs to where that is clear."""
    patient_id, clinic_id = only_enrolment(sender)
    return {
        "direction": "inbound",
        "phone": phone,
        "sender": sms.messaging_service_sid or sms.to_number,
        "clinic_id": clinic_id,
        "patient_id": patient_id,
        "kind": "inbound",
        "body": sms.body[:MAX_BODY_CHARS],
        "twilio_sid": sms.message_sid,
        "opt_out_type": (sms.opt_out_type or "").upper()[:8] or None,
        "status": MessageStatus.RECEIVED,
        "created_at": now,
    }


def replay_stored(db: Session, *, sms: InboundSms, phone: str | None) -> InboundResult:
    """A MessageSid stored before: the answer stored the first time, nothing new stored."""
    stored = messaging.find_inbound_by_sid(db, message_sid=sms.message_sid)
    if stored is not None and stored.phone != phone:
        # Twilio's ids are unique: only a forged or mistaken request reuses one, and its
        # text must not be answered with, or hidden behind, another number's.
        raise ConflictError("this MessageSid was already used by another number")
    return _replay(db, stored)


def decide_reply(
    db: Session,
    *,
    sms: InboundSms,
    sender: Sender,
    message: Message,
    content,
    settings: Settings,
    now: datetime,
) -> tuple[InboundContext, Reply]:
    """Run the inbound order on a stored text: what it did, and the reply it decided."""
    normalised = normalise(message.body)
    # The number's language (the language its enrolments named, or its first keyword's, if
    # it has none yet): no query of its own.
    language = choose_language(
        sender.phone_number, normalised, content, enrolled_in=_enrolments_language(sender)
    )
    context = InboundContext(
        db=db,
        settings=settings,
        # The number's privacy level picks the discreet or detailed form of every reply that
        # has both (content/discreet.py); a new number is discreet.
        content=for_privacy(content.for_language(language), _privacy_level(sender)),
        now=now,
        message=message,
        phone_number=sender.phone_number,
        body=message.body or "",
        normalised=normalised,
        opt_out_type=sms.opt_out_type,
        sender=sender,
    )
    reply = run_pipeline(context, INBOUND_ORDER)
    logger.info("inbound from %s handled as %s", mask_phone(message.phone), reply.kind)
    return context, reply


def wants_reply(sms: InboundSms, context: InboundContext, reply: Reply) -> bool:
    """Whether the decided reply is to be sent (limits aside): an opted-out number gets only
    its opt-out confirmation, and a replayed text that was answered gets nothing more."""
    allowed = context.can_reply or reply.confirms_opt_out
    return bool(reply.body) and allowed and sms.reply_by != "none"


def store_reply(
    db: Session,
    *,
    sms: InboundSms,
    inbound: Message,
    reply: Reply,
    settings: Settings,
    now: datetime,
) -> Message | None:
    """Record the reply (None when reply limits hold it back, see conversation/limits.py)."""
    if hold_back_reply(db, inbound=inbound, reply=reply, settings=settings, now=now):
        return None
    if sms.reply_by == "outbox":
        late = outbox.enqueue(
            db,
            phone=inbound.phone,
            body=reply.body,
            kind=reply.kind,
            now=now,
            clinic_id=inbound.clinic_id,
            patient_id=inbound.patient_id,
            sender=inbound.sender,
            valid_until=now + LATE_REPLY_VALIDITY,
        )
        late.in_reply_to_id = inbound.id
        return late
    return messaging.record_reply(db, inbound=inbound, body=reply.body, kind=reply.kind, now=now)


def _replay(db: Session, inbound: Message | None) -> InboundResult:
    """A repeated MessageSid gets the answer stored the first time, and nothing new is stored."""
    reply = messaging.find_reply_to(db, inbound_id=inbound.id) if inbound else None
    return InboundResult(reply.body if reply else None, reply and reply.id, duplicate=True)


def load_sender_of(db: Session, phone: str | None, senders: list[str]) -> Sender:
    """The sender's number and what the handlers need about it (conversation/sender.py)."""
    if not phone or not phone.startswith("+"):  # a short code, an alphanumeric ID
        return Sender(None, clinic_id=clinic_for_senders(db, senders))
    found = load_sender(db, e164=phone, senders=senders)
    if found is None:
        # A new number, or an erased one reattached by its hash (which may have rows).
        messaging.get_or_create_phone_number(db, e164=phone)
        found = load_sender(db, e164=phone, senders=senders)
    return found


@lru_cache(maxsize=4096)
def normalise_sender(raw: str, default_country: str) -> str | None:
    """`phonenumbers` parsing is a noticeable part of a text's cost, and senders repeat."""
    return try_normalise_phone(raw, default_country)


def _privacy_level(sender: Sender) -> str | None:
    return sender.phone_number.privacy_level if sender.phone_number is not None else None


def only_enrolment(sender: Sender) -> tuple[int | None, int | None]:
    """The patient a text belongs to when the number has exactly one enrolment that could be
    meant (with that clinic, when the `To` named one), so the clinic sees it in the
    conversation view. Only a clinic the number consented to hears from it: an invitation
    not yet answered is not a conversation. With several, handlers that learn which one set
    it themselves. Returns (patient_id, clinic_id)."""
    clinic_id = sender.clinic_id
    enrolments = [
        e
        for e in sender.enrolments
        if e.consented and e.status != PatientStatus.UNENROLLED and clinic_id in (None, e.clinic_id)
    ]
    if len(enrolments) != 1:
        return None, clinic_id
    return enrolments[0].patient_id, enrolments[0].clinic_id


def _enrolments_language(sender: Sender) -> str | None:
    """For a number with no language of its own: the one its consented enrolments named, else
    the one its invitations went out in."""
    live = [e for e in sender.enrolments if e.status != PatientStatus.UNENROLLED]
    chosen = [e for e in live if e.consented] or [e for e in live if not e.consented]
    return chosen[0].language if chosen else None
