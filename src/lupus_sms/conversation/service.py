"""`handle_inbound`: the use case behind the Twilio webhook, `lupus-sms chat` and `text`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lupus_sms.clinics.models import Clinic
from lupus_sms.content.service import get_content
from lupus_sms.conversation.inbound_order import INBOUND_ORDER
from lupus_sms.conversation.limits import hold_back_reply
from lupus_sms.conversation.pipeline import InboundContext, Reply, run_pipeline
from lupus_sms.conversation.text import normalise
from lupus_sms.core.clock import Clock
from lupus_sms.core.config import Settings
from lupus_sms.core.phones import mask_phone, try_normalise_phone
from lupus_sms.enrollment.models import Patient
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
    # already (messaging/spool.py): "outbox" queues the real reply, "none" sends nothing more.
    reply_by: str = "twiml"


@dataclass(frozen=True)
class InboundResult:
    reply_body: str | None
    reply_message_id: int | None
    duplicate: bool = False


def handle_inbound(db: Session, *, sms: InboundSms, settings: Settings, clock: Clock):
    """Store the message, run the inbound order, store the reply; one commit."""
    now = clock.now()
    # Before our first query: a due content refresh reads through its own session, and on
    # SQLite it would otherwise wait for the write lock this session is holding.
    content = get_content()
    existing = messaging.find_inbound_by_sid(db, message_sid=sms.message_sid)
    if existing is not None:
        return _replay(db, existing)
    phone = try_normalise_phone(sms.from_number, settings.default_country)
    phone_number = (
        messaging.get_or_create_phone_number(db, e164=phone) if phone.startswith("+") else None
    )
    patient_id, clinic_id = _only_enrolment(db, phone_number, _clinic_for_sender(db, sms))
    message = Message(
        direction="inbound",
        phone=phone,
        sender=sms.messaging_service_sid or sms.to_number,
        clinic_id=clinic_id,
        patient_id=patient_id,
        kind="inbound",
        body=sms.body[:MAX_BODY_CHARS],
        twilio_sid=sms.message_sid,
        status="received",
        created_at=now,
    )
    try:
        with db.begin_nested():
            db.add(message)
    except IntegrityError:  # the same MessageSid arrived concurrently
        db.rollback()
        return _replay(db, messaging.find_inbound_by_sid(db, message_sid=sms.message_sid))
    context = InboundContext(
        db=db,
        settings=settings,
        content=content,
        now=now,
        message=message,
        phone_number=phone_number,
        body=message.body or "",
        normalised=normalise(message.body),
        opt_out_type=sms.opt_out_type,
    )
    reply = run_pipeline(context, INBOUND_ORDER)
    reply_row = None
    if reply.body and (context.can_reply or reply.confirms_opt_out) and sms.reply_by != "none":
        reply_row = _store_reply(
            db, sms=sms, inbound=message, reply=reply, settings=settings, now=now
        )
    db.commit()
    logger.info("inbound from %s handled as %s", mask_phone(phone), reply.kind)
    return InboundResult(reply_row.body if reply_row else None, reply_row and reply_row.id)


def _store_reply(
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


def _only_enrolment(db: Session, phone_number, clinic_id: int | None):
    """The patient a text belongs to when the number has exactly one enrolment that could be
    meant (with that clinic, when the `To` named one), so the clinic sees it in the
    conversation view. With several, handlers that learn which one set it themselves.
    Returns (patient_id, clinic_id)."""
    if phone_number is None or phone_number.id is None:
        return None, clinic_id
    stmt = select(Patient.id, Patient.clinic_id).where(
        Patient.phone_number_id == phone_number.id, Patient.status != "unenrolled"
    )
    if clinic_id is not None:
        stmt = stmt.where(Patient.clinic_id == clinic_id)
    enrolments = db.execute(stmt.limit(2)).all()
    if len(enrolments) != 1:
        return None, clinic_id
    patient_id, patient_clinic_id = enrolments[0]
    return patient_id, patient_clinic_id


def _clinic_for_sender(db: Session, sms: InboundSms) -> int | None:
    """A clinic with its own number (or Messaging Service) is named by the inbound `To`."""
    senders = [s for s in (sms.messaging_service_sid, sms.to_number) if s]
    if not senders:
        return None
    return db.scalar(select(Clinic.id).where(Clinic.sender.in_(senders)))
