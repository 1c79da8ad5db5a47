"""The conversations' periodic work, run by the scheduler tick: a conversation whose patient
text nobody answered is notified again every `conversation_renotify_minutes` of its clinic,
until a staff message answers it or someone closes it.

The step is handed to the tick by the process that wires it (worker.py `tick_steps`):
scheduling sits below this package and cannot name it. It runs before the webhook step, so
its deliveries leave in the same tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.clinics.models import Clinic
from lupus_sms.threads import listing, notifications
from lupus_sms.threads.models import Thread
from lupus_sms.threads.service import OPEN

BATCH = 100


def renotify_waiting(session_factory: sessionmaker[Session], now: datetime) -> int:
    """Queue `conversation.waiting` for each due unanswered conversation (at most BATCH a
    tick, oldest due first, on ix_threads_status_next_notify) and move its next reminder on.
    One of an unenrolled or erased patient is not in the inbox: its reminders stop.

    On PostgreSQL the rows are locked and others' locked rows skipped, so several workers
    share the work and never remind twice; on SQLite one worker runs (README, "Scaling out").
    """
    with session_factory() as db:
        stmt = (
            select(Thread, Clinic.conversation_renotify_minutes, listing.answerable())
            .join(Clinic, Clinic.id == Thread.clinic_id)
            .where(
                Thread.status == OPEN,
                Thread.next_notify_at <= now,
                Thread.waiting_since.is_not(None),
            )
            .order_by(Thread.next_notify_at)
            .limit(BATCH)
        )
        if db.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True, of=Thread)
        due = db.execute(stmt).all()
        for thread, minutes, answerable in due:
            thread.updated_at = now
            if not answerable:  # unenrolled or erased: off the inbox, nothing to remind of
                thread.next_notify_at = None
                continue
            thread.notify_count += 1
            thread.next_notify_at = now + timedelta(minutes=minutes)
            notifications.queue(db, thread=thread, event=notifications.WAITING, now=now)
        db.commit()
    return len(due)
