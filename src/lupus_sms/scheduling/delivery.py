"""Recording what happened to an outbound message, only ever forwards.

Status callbacks can come late, twice, out of order, and even before our own send call has
returned; every change is one conditional UPDATE that succeeds only when the new status is
further along (see statuses.rank), so concurrent writers cannot move a message backwards.
A message made from a planned message carries its status over to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, literal_column, select, update
from sqlalchemy.orm import Session

from lupus_sms.core.phones import mask_phone
from lupus_sms.enrollment.carrier_block import BLOCKED_BY_21610, block, unblock_delivered
from lupus_sms.messaging import statuses
from lupus_sms.messaging.models import Message, PhoneNumber
from lupus_sms.messaging.transport import OPTED_OUT_CODES
from lupus_sms.metrics import count_outbound
from lupus_sms.scheduling.models import PlannedMessage

logger = logging.getLogger(__name__)


def statuses_before(status: str) -> list[str]:
    every = [*statuses.TERMINAL_STATUSES, statuses.QUEUED, statuses.SENDING, statuses.PLANNED]
    return [s for s in every if statuses.rank(s) < statuses.rank(status)]


def advance_status(
    db: Session, *, message_id: int, status: str, reason: str | None = None, **fields: object
) -> bool:
    """Move the message (and its planned message) to `status` if that is forwards."""
    if reason is not None:
        fields["status_reason"] = reason[:64]
    result = db.execute(
        update(Message)
        .where(Message.id == message_id, Message.status.in_(statuses_before(status)))
        .values(status=status, **fields),
        execution_options={"synchronize_session": False},
    )
    if not result.rowcount:
        return False
    count_outbound(status)
    planned_id = db.scalar(select(Message.planned_message_id).where(Message.id == message_id))
    if planned_id is not None:
        mark_planned(db, planned_message_id=planned_id, status=status, reason=reason)
    return True


def mark_planned(
    db: Session, *, planned_message_id: int, status: str, reason: str | None = None
) -> None:
    values: dict[str, object] = {"status": status}
    if reason is not None:
        values["status_reason"] = reason[:64]
    db.execute(
        update(PlannedMessage)
        .where(
            PlannedMessage.id == planned_message_id,
            PlannedMessage.status.in_(statuses_before(status)),
        )
        .values(**values),
        execution_options={"synchronize_session": False},
    )


def record_sent_many(
    db: Session, sent: list[tuple[int, str, int | None]], *, now: datetime
) -> None:
    """Record a batch of accepted sends, (message id, SID, planned message id) each, with one
    executemany per table. Like `advance_status`, the status only moves forwards: a status
    callback may already have moved a row further. Not guarded by the claim token: once the
    transport has accepted a text, that fact is recorded whoever holds the row."""
    if not sent:
        return
    messages = Message.__table__
    db.execute(
        messages.update()
        .where(messages.c.id == bindparam("mid"))
        .values(
            attempts=messages.c.attempts + 1,
            sent_at=now,
            claim_token=None,
            claimed_until=None,
            twilio_sid=func.coalesce(messages.c.twilio_sid, bindparam("sid")),
        ),
        [{"mid": message_id, "sid": sid} for message_id, sid, _ in sent],
    )
    before = _constant_statuses_before(statuses.SENT)
    db.execute(
        messages.update()
        .where(messages.c.id == bindparam("mid"), messages.c.status.in_(before))
        .values(status=statuses.SENT),
        [{"mid": message_id} for message_id, _, _ in sent],
    )
    planned = PlannedMessage.__table__
    planned_ids = [{"pid": planned_id} for _, _, planned_id in sent if planned_id is not None]
    if planned_ids:
        db.execute(
            planned.update()
            .where(planned.c.id == bindparam("pid"), planned.c.status.in_(before))
            .values(status=statuses.SENT),
            planned_ids,
        )
    for _ in sent:
        count_outbound(statuses.SENT)


def _constant_statuses_before(status: str) -> list:
    # executemany cannot expand an IN list of bound values; these are our own constants.
    return [literal_column(f"'{name}'") for name in statuses_before(status)]


@dataclass(frozen=True)
class StatusCallback:
    message_sid: str | None
    message_status: str
    error_code: str | None
    message_id: int | None  # our id, from the callback URL's query string


def record_status_callback(db: Session, *, callback: StatusCallback, now: datetime) -> bool:
    """Apply one Twilio status callback; True when it changed something. Commits."""
    message = _find(db, callback)
    if message is None:
        logger.info("status callback for an unknown message, or one its SID contradicts; ignored")
        return False
    status = statuses.from_twilio(callback.message_status, callback.error_code)
    if status is None:
        return False
    fields: dict[str, object] = {}
    if callback.error_code and status in (statuses.UNDELIVERED, statuses.FAILED, statuses.EXPIRED):
        fields["error_code"] = callback.error_code[:16]
    changed = advance_status(db, message_id=message.id, status=status, **fields)
    _carrier_block_news(db, message=message, status=status, callback=callback, now=now)
    if message.twilio_sid is None and callback.message_sid:
        # The callback beat our own send call: keep the SID so a later lookup finds the row
        # (unless another row took it meanwhile: the SID is unique).
        sid = callback.message_sid[:64]
        taken = select(Message.id).where(Message.twilio_sid == sid).exists()
        db.execute(
            update(Message)
            .where(Message.id == message.id, Message.twilio_sid.is_(None), ~taken)
            .values(twilio_sid=sid)
        )
    db.commit()
    if changed:
        logger.info("message %s is now %s (%s)", message.id, status, mask_phone(message.phone))
    return changed


def _carrier_block_news(db: Session, *, message: Message, status: str, callback, now) -> None:
    """A TwiML reply refused with 21610 reports it here only; a delivery ends a block."""
    if callback.error_code in {str(code) for code in OPTED_OUT_CODES}:
        phone_number = phone_number_for(db, message.phone)
        if phone_number is not None:
            block(
                db,
                phone_number,
                now=now,
                reason=BLOCKED_BY_21610,
                patient_id=message.patient_id,
            )
    elif status == statuses.DELIVERED:
        unblock_delivered(db, e164=message.phone)


def _find(db: Session, callback: StatusCallback) -> Message | None:
    by_sid = None
    if callback.message_sid:
        by_sid = db.scalar(select(Message).where(Message.twilio_sid == callback.message_sid))
    if callback.message_id is not None:
        found = db.get(Message, callback.message_id)
        # The id in the URL must not contradict the SID: neither one we hold for that row,
        # nor a row that already holds this SID.
        sid_conflict = bool(
            found
            and callback.message_sid
            and (
                found.twilio_sid not in (None, callback.message_sid)
                or (by_sid is not None and by_sid.id != found.id)
            )
        )
        if sid_conflict:
            return None
        if found is not None and found.direction == "outbound":
            return found
    return by_sid if by_sid is not None and by_sid.direction == "outbound" else None


def phone_number_for(db: Session, e164: str | None) -> PhoneNumber | None:
    if not e164:
        return None
    return db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == e164))
