"""Shared by the scheduling and messaging tests: ticking at a chosen instant against the
per-test database, with a recording fake transport."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.clinics.quiet_hours import SendWindow
from lupus_sms.enrollment.models import Anchor, Patient
from lupus_sms.messaging.models import Message
from lupus_sms.messaging.outbox import enqueue
from lupus_sms.messaging.transport import FakeTransport
from lupus_sms.scheduling.models import PlannedMessage
from lupus_sms.scheduling.planner import replan
from lupus_sms.scheduling.tick import run_tick
from tests.transports import steps, use_transport


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def session_factory(db: Session) -> sessionmaker[Session]:
    """Sessions on the test's connection: their commits are savepoints of the test."""
    return sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def fake_transport() -> Iterator[FakeTransport]:
    with use_transport(FakeTransport()) as transport:
        yield transport


@pytest.fixture
def tick(db: Session, session_factory) -> Callable[[datetime], dict[str, int]]:
    def run(now: datetime) -> dict[str, int]:
        db.flush()
        handled = run_tick(session_factory, now, steps())
        db.expire_all()
        return handled

    return run


def add_anchor(
    db: Session,
    patient: Patient,
    *,
    kind: str,
    at: datetime | None = None,
    day: date | None = None,
    category: str = "milestone",
    now: datetime,
) -> Anchor:
    if day is not None:
        at = SendWindow(patient.timezone).local(day, datetime.min.time())
    anchor = Anchor(
        patient_id=patient.id,
        category=category,
        kind=kind,
        at=at,
        all_day=day is not None,
        status="scheduled",
        created_at=now,
    )
    db.add(anchor)
    db.flush()
    replan(db, patient_id=patient.id, now=now)
    return anchor


def move_anchor(db: Session, anchor: Anchor, *, at: datetime, now: datetime) -> None:
    anchor.at, anchor.revision = at, anchor.revision + 1
    db.flush()
    replan(db, patient_id=anchor.patient_id, now=now)


def planned(db: Session, patient: Patient) -> list[PlannedMessage]:
    db.expire_all()
    stmt = select(PlannedMessage).where(PlannedMessage.patient_id == patient.id)
    return list(db.scalars(stmt.order_by(PlannedMessage.due_at, PlannedMessage.id)))


def by_step(rows: list[PlannedMessage]) -> dict[str, list[PlannedMessage]]:
    result: dict[str, list[PlannedMessage]] = {}
    for row in rows:
        result.setdefault(row.step_key, []).append(row)
    return result


def queue_text(db: Session, *, phone: str = "+12025550123", now: datetime, **kwargs) -> Message:
    kwargs.setdefault("body", "Hello from the care team")
    kwargs.setdefault("kind", "notice")
    return enqueue(db, phone=phone, now=now, **kwargs)


def reload(db: Session, row):
    db.expire_all()
    return db.get(type(row), row.id)


@pytest.fixture
def set_env(monkeypatch):
    """Change settings read from the environment for one test."""
    from lupus_sms.core.config import get_settings

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name.upper(), value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()
