"""A per-sender rate limit in segments per second, shared by every worker through the
database, that never lets more than one second's worth go out in any 1-second window.

One row per sender holds the time (epoch seconds) at which its next segment may go. A worker
reserves consecutive slots for a whole batch in one locked read-and-advance (`reserve_slots`):
the slots start at that time or now, whichever is later, and each message's slot is its
segments / rate after the previous one. Only slots that begin before the worker's horizon
(the end of its tick) are taken; the rest of the batch is deferred. The worker then waits
until each slot's time before handing the message over (`Pacer.wait_for_slot`), and within
one process never sends two texts of a sender closer than their cost apart, so a late send
cannot be followed by a catch-up burst. There is no up-front burst allowance.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lupus_sms.messaging.models import SenderBudget

DEFAULT_SENDER = "default"
logger = logging.getLogger(__name__)


def sender_key(sender: str | None) -> str:
    return (sender or DEFAULT_SENDER)[:64]


def reserve_slots(
    db: Session, *, sender: str, costs: list[float], earliest: float, horizon: float
) -> list[float]:
    """Reserve consecutive slots (epoch seconds) for messages costing `costs` seconds each,
    none before `earliest`, taking only those that start before `horizon`. Returns the slot
    start of each message reserved, in order (a prefix of `costs`). Flushes, the caller
    commits (with the claim's other changes, before any send)."""
    next_free = _locked_next_free(db, sender)
    if next_free > horizon + max(costs, default=0.0):
        # No reservation reaches past a horizon and one text: this one was made on a clock
        # that has since gone back (an NTP correction). Start afresh rather than hold every
        # text of the sender, alerts included, until the clock catches up.
        next_free = earliest
    start = max(next_free, earliest)
    slots: list[float] = []
    at = start
    for cost in costs:
        if at >= horizon:
            break
        slots.append(at)
        at += cost
    if slots:
        db.execute(
            update(SenderBudget).where(SenderBudget.sender == sender).values(next_free_epoch=at),
            execution_options={"synchronize_session": False},
        )
    return slots


def next_free_epoch(db: Session, sender: str) -> float:
    value = db.scalar(select(SenderBudget.next_free_epoch).where(SenderBudget.sender == sender))
    return value or 0.0


def _locked_next_free(db: Session, sender: str) -> float:
    """The sender's row, locked until commit (PostgreSQL: FOR UPDATE; SQLite's transactions
    already hold the write lock), created first if it does not exist."""
    query = select(SenderBudget.next_free_epoch).where(SenderBudget.sender == sender)
    postgres = db.get_bind().dialect.name == "postgresql"
    if postgres:
        query = query.with_for_update()
    value = db.scalar(query)
    if value is not None:
        return value
    insert = pg_insert if postgres else sqlite_insert
    db.execute(
        insert(SenderBudget)
        .values(sender=sender, next_free_epoch=0.0)
        .on_conflict_do_nothing(index_elements=["sender"])
    )
    return db.scalar(query) or 0.0


@dataclass
class Pacer:
    """Real time for spacing sends: wall-clock seconds, shared by every worker process.

    Pacing follows real time, not the injectable clock: `run-due --now` and a fixed test
    clock do not move while texts go out. Tests swap in a `VirtualPacer`."""

    last_send: dict[str, float] = field(default_factory=dict)

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def wait_for_slot(self, sender: str, *, at: float, cost: float) -> None:
        """Wait until time `at`, and at least `cost` after this process's previous send for
        `sender` (a late send is not followed by a catch-up burst)."""
        previous = self.last_send.get(sender)
        target = at if previous is None else max(at, previous + cost)
        delay = target - self.time()
        if delay > 0:
            self.sleep(delay)
        self.last_send[sender] = max(target, self.time())


pacer = Pacer()


@dataclass
class VirtualPacer(Pacer):
    """A pacer on its own time line: sleeping moves it forwards at once (tests)."""

    at: float = 0.0

    def time(self) -> float:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.at += seconds
