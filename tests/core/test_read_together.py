"""`read_together` (core/rows.py): the batched writer's reads, in one round trip on
PostgreSQL (psycopg's pipeline mode), giving exactly the rows SQLAlchemy gives."""

from __future__ import annotations

import uuid
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError

from lupus_sms.conversation.limits import recent_replies_read
from lupus_sms.conversation.sender import clinics_read, senders_read
from lupus_sms.core.rows import read_together
from lupus_sms.inbound.group_commit import handle_inbound_batch
from lupus_sms.inbound.service import InboundSms
from lupus_sms.messaging.models import Message
from tests.factories import make_clinic, make_patient

PHONE = "+16175550401"
OTHER = "+16175550402"


def is_postgresql(db) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def test_rows_read_together_are_the_rows_each_statement_gives_alone(db, settings, clock):
    clinic = make_clinic(db, sender="+12025550100")
    make_patient(db, clinic, phone=PHONE)
    now = clock.now()
    asked = Message(
        direction="inbound", phone=PHONE, kind="inbound", body="AHSCT", status="received",
        created_at=now - timedelta(seconds=30),
    )  # fmt: skip
    db.add(asked)
    db.flush()
    db.add(Message(
        direction="outbound", phone=PHONE, kind="education", body="Part 1", status="sent",
        in_reply_to_id=asked.id, created_at=now - timedelta(seconds=20),
    ))  # fmt: skip
    db.commit()
    dialect = db.get_bind().dialect.name
    reads = [
        senders_read([PHONE, OTHER], dialect),
        clinics_read({"+12025550100"}, dialect),
        recent_replies_read([PHONE], settings=settings, earliest=now, latest=now, dialect=dialect),
    ]
    together = read_together(db, reads)
    alone = [[tuple(row) for row in db.connection().execute(s, p)] for s, p in reads]
    assert together == alone
    senders, clinics, recent = together
    assert len(senders) == 1 and senders[0][1] == PHONE  # the new number has no row
    assert clinics == [(clinic.id, "+12025550100")]
    (reply,) = recent
    assert reply[:2] == (PHONE, "Part 1") and reply[-1] == 1


@contextmanager
def counting_pipelines(monkeypatch):
    """How many statements each psycopg pipeline of the block sent."""
    pipelines: list[list[str]] = []
    real_pipeline = psycopg.Connection.pipeline
    real_execute = psycopg.Cursor.execute

    @contextmanager
    def pipeline(self):
        pipelines.append([])
        with real_pipeline(self) as opened:
            yield opened

    def execute(self, query, *args, **kwargs):
        if self.connection._pipeline is not None and pipelines:
            pipelines[-1].append(str(query)[:40])
        return real_execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "pipeline", pipeline)
    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    yield pipelines


def test_a_batch_holds_its_numbers_and_reads_their_state_in_one_round_trip(
    db, settings, clock, monkeypatch
):
    if not is_postgresql(db):
        pytest.skip("pipeline mode is PostgreSQL's (psycopg)")
    clinic = make_clinic(db, sender="+12025550100")
    make_patient(db, clinic, phone=PHONE)
    db.commit()
    texts = [
        InboundSms(f"SM{uuid.uuid4().hex}", phone, "+12025550100", "AHSCT")
        for phone in (PHONE, PHONE, OTHER)
    ]
    with counting_pipelines(monkeypatch) as pipelines:
        results = handle_inbound_batch(
            lambda: nullcontext(db), texts=texts, settings=settings, clock=clock
        )
    assert all(r.reply_body for r in results)
    # The numbers' locks first (conversation/sender.numbers_held_read), then the senders,
    # the clinics and the recent replies.
    [sent] = pipelines
    assert len(sent) == 4 and "pg_advisory_xact_lock" in sent[0]


def test_a_statement_failing_in_the_pipeline_raises_as_sqlalchemy_would_without_parameters(
    db,
):
    if not is_postgresql(db):
        pytest.skip("pipeline mode is PostgreSQL's (psycopg)")
    broken = select(text("no_such_column")).select_from(Message.__table__)
    fine = select(Message.id).where(Message.phone == "+16175550499")
    with pytest.raises(ProgrammingError) as raised:
        read_together(db, [(fine, {}), (broken, {})])
    assert "no_such_column" in str(raised.value)
    assert "+16175550499" not in str(raised.value)
    db.rollback()  # the session goes on after it
    assert read_together(db, [(fine, {})]) == [[]]


def test_datetimes_read_together_are_utc(db, clock):
    db.add(Message(
        direction="outbound", phone=PHONE, kind="education", body="x", status="sent",
        created_at=datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
    ))  # fmt: skip
    db.commit()
    statement = select(Message.created_at).where(Message.phone == PHONE)
    ((created_at,),) = read_together(db, [(statement, {})])[0]
    assert created_at == datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    assert created_at.utcoffset() == timedelta(0)
