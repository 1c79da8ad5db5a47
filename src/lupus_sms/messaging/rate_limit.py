"""A per-sender rate limit in segments per second, shared by every worker through the
database: one row per sender holds the time its next segment may go. Reserving is one
conditional UPDATE (atomic on PostgreSQL and SQLite alike), so two workers cannot both take
the same slot. A burst of one tick's worth is allowed; Twilio paces within it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lupus_sms.core.config import Settings
from lupus_sms.messaging.models import Message, SenderBudget

DEFAULT_SENDER = "default"


def reserve_send_slot(db: Session, *, message: Message, now: datetime, settings: Settings) -> bool:
    """Reserve the time `message`'s segments take on its sender; False when it is busy."""
    sender = (message.sender or DEFAULT_SENDER)[:64]
    cost = max(1, message.segments or 1) / settings.sms_segments_per_second
    burst = max(settings.tick_seconds, cost)
    if _take(db, sender=sender, now=now.timestamp(), cost=cost, burst=burst):
        return True
    if db.get(SenderBudget, sender) is None:
        try:
            with db.begin_nested():
                db.add(SenderBudget(sender=sender, next_free_epoch=now.timestamp() + cost))
            return True
        except IntegrityError:  # another worker created it a moment ago
            pass
    # The row may have been created by another worker since the first try: try once more.
    return _take(db, sender=sender, now=now.timestamp(), cost=cost, burst=burst)


def _take(db: Session, *, sender: str, now: float, cost: float, burst: float) -> bool:
    column = SenderBudget.next_free_epoch
    result = db.execute(
        update(SenderBudget)
        .where(SenderBudget.sender == sender, column + cost <= now + burst)
        .values(next_free_epoch=case((column < now, now), else_=column) + cost),
        execution_options={"synchronize_session": False},
    )
    return bool(result.rowcount)
