"""Storing messages and phone numbers. Helpers flush; the use case that calls them commits."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lupus_sms.content.segments import analyze
from lupus_sms.core.phones import phone_hash
from lupus_sms.core.rows import attach_row, insert_rows
from lupus_sms.messaging.models import Message, PhoneNumber


def get_or_create_phone_number(db: Session, *, e164: str) -> PhoneNumber:
    """The number's row, reattached to an erased one by its hash, or created (safe
    against a concurrent request creating it too)."""
    found = db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
    if found is not None:
        return found
    hashed = phone_hash(e164)
    # An erased patient's number keeps only its hash (the suppression entry): reattach it.
    found = db.scalar(select(PhoneNumber).where(PhoneNumber.phone_hash == hashed))
    if found is not None:
        found.e164 = e164
        return found
    phone_number = PhoneNumber(e164=e164, phone_hash=hashed)
    try:
        with db.begin_nested():
            db.add(phone_number)
    except IntegrityError:  # created by a concurrent request a moment ago
        return db.scalars(select(PhoneNumber).where(PhoneNumber.phone_hash == hashed)).one()
    return phone_number


def find_inbound_by_sid(db: Session, *, message_sid: str) -> Message | None:
    """The inbound text Twilio sent with this MessageSid, if it was stored already."""
    return db.scalar(
        select(Message).where(Message.twilio_sid == message_sid, Message.direction == "inbound")
    )


def find_reply_to(db: Session, *, inbound_id: int) -> Message | None:
    """The TwiML reply stored for an inbound text, if any."""
    return db.scalar(select(Message).where(Message.in_reply_to_id == inbound_id))


def record_reply(db: Session, *, inbound: Message, body: str, kind: str, now: datetime) -> Message:
    """Store the TwiML reply: Twilio sends it, so it is `sent` until a status callback says more.

    Inserted at once (`insert_message`), not at the unit of work's next flush."""
    return insert_message(db, reply_values(inbound=inbound, body=body, kind=kind, now=now))


def reply_values(*, inbound: Message, body: str, kind: str, now: datetime) -> dict:
    """The row of the TwiML reply to `inbound` (`record_reply`, and the batched writer's
    `insert_replies`)."""
    info = _analyze(body)
    return {
        "direction": "outbound",
        "phone": inbound.phone,
        "sender": inbound.sender,
        "clinic_id": inbound.clinic_id,
        "patient_id": inbound.patient_id,
        "kind": kind,
        "body": body,
        "status": "sent",
        "encoding": info.encoding,
        "segments": info.segments,
        "in_reply_to_id": inbound.id,
        "sent_at": now,
        "created_at": now,
    }


def insert_message(db: Session, values: dict, *, unless_sid_stored: bool = False) -> Message | None:
    """INSERT ... RETURNING id through Core, then the same values as a persistent ORM object
    without a load: on the inbound hot path the ORM's own insert cost four times the query.
    With `unless_sid_stored`, ON CONFLICT (twilio_sid) DO NOTHING: None when it was stored.
    Columns left out of `values` (database defaults) load on first access."""
    dialect = db.get_bind().dialect.name
    statement = (_INSERT_UNLESS_SID_STORED if unless_sid_stored else _INSERT)[dialect]
    new_id = db.connection().execute(statement, values).scalar()
    if new_id is None:
        return None
    return as_stored(db, values, new_id)


def insert_inbound_rows(db: Session, rows: list[dict]) -> dict[str, int]:
    """Many inbound texts in one INSERT ... ON CONFLICT (twilio_sid) DO NOTHING RETURNING
    (core/rows.py). The ids by MessageSid; a MessageSid stored before, or earlier in `rows`,
    is missing."""
    statement = _INSERT_MANY_UNLESS_SID_STORED[db.get_bind().dialect.name]
    return {sid: new_id for new_id, sid in insert_rows(db, statement, rows)}


def insert_replies(db: Session, rows: list[dict]) -> dict[int, int]:
    """Many replies (`reply_values`) in one statement: their ids by the inbound id each answers."""
    statement = _INSERT_MANY_REPLIES[db.get_bind().dialect.name]
    return {in_reply_to: new_id for new_id, in_reply_to in insert_rows(db, statement, rows)}


def as_stored(db: Session, values: dict, new_id: int) -> Message:
    """The row just inserted through Core, as a persistent ORM object, without a load."""
    return attach_row(db, Message, {**values, "id": new_id})


_COLUMNS = Message.__table__.c
_INSERT_MANY_UNLESS_SID_STORED = {
    name: dialect_insert(Message.__table__)
    .on_conflict_do_nothing(index_elements=["twilio_sid"])
    .returning(_COLUMNS.id, _COLUMNS.twilio_sid)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
_INSERT_MANY_REPLIES = {
    name: dialect_insert(Message.__table__).returning(_COLUMNS.id, _COLUMNS.in_reply_to_id)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
_INSERT = {
    name: dialect_insert(Message.__table__).returning(Message.__table__.c.id)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
_INSERT_UNLESS_SID_STORED = {
    name: dialect_insert(Message.__table__)
    .on_conflict_do_nothing(index_elements=["twilio_sid"])
    .returning(Message.__table__.c.id)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}


@lru_cache(maxsize=1024)
def _analyze(body: str):
    """Replies repeat (topic parts, hints): their segment count is worked out once."""
    return analyze(body)
