"""Putting outbound SMS into the durable outbox (the `messages` table, status `queued`).

Every text the service starts (consent invitations, reminders, check-ins, alert SMS) goes
through `enqueue`; the worker's dispatch step sends queued rows. Rendering happens here, so
each row stores the encoding and segment count it will really cost.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from lupus_sms.content.segments import analyze
from lupus_sms.core.statuses import MessageStatus
from lupus_sms.messaging.models import Message


def enqueue(
    db: Session,
    *,
    phone: str,
    body: str,
    kind: str,
    now: datetime,
    clinic_id: int | None = None,
    patient_id: int | None = None,
    sender: str | None = None,
    planned_message_id: int | None = None,
    not_before: datetime | None = None,
    valid_until: datetime | None = None,
) -> Message:
    info = analyze(body)
    message = Message(
        direction="outbound",
        phone=phone,
        sender=sender,
        clinic_id=clinic_id,
        patient_id=patient_id,
        kind=kind,
        body=body,
        status=MessageStatus.QUEUED,
        encoding=info.encoding,
        segments=info.segments,
        planned_message_id=planned_message_id,
        next_attempt_at=not_before or now,
        valid_until=valid_until,
        created_at=now,
    )
    db.add(message)
    db.flush()
    return message


def enqueue_many(db: Session, rows: list[dict], *, now: datetime) -> None:
    """`enqueue` for many texts at once (bulk enrolment): one executemany INSERT, no ORM
    objects. Each row has `phone`, `body`, `kind` and optionally `clinic_id`, `patient_id`,
    `sender`. No ids come back: a RETURNING in input order makes SQLite insert row by row,
    so a caller that needs them selects them by its own key (e.g. patient and kind)."""
    if not rows:
        return
    analysed: dict[str, object] = {}
    values = []
    for row in rows:
        body = row["body"]
        info = analysed.get(body) or analysed.setdefault(body, analyze(body))
        values.append(
            {
                "direction": "outbound",
                "phone": row["phone"],
                "sender": row.get("sender"),
                "clinic_id": row.get("clinic_id"),
                "patient_id": row.get("patient_id"),
                "kind": row["kind"],
                "body": body,
                "status": "queued",
                "encoding": info.encoding,
                "segments": info.segments,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    db.execute(insert(Message.__table__), values)
