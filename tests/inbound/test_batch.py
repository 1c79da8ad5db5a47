"""The batched inbound writer (inbound/batch.py) answers and stores exactly what handling
each text alone would: random mixes of new numbers, keywords, paging, STOP and START, red
flags, consent answers, check-in answers and repeated MessageSids, both ways, compared row
by row in every table."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta

import psycopg
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.core.clock import FixedClock
from lupus_sms.core.db import Base
from lupus_sms.inbound.group_commit import handle_inbound_batch
from lupus_sms.inbound.service import InboundResult, InboundSms, handle_inbound
from lupus_sms.messaging.models import Message, PhoneNumber
from lupus_sms.messaging.service import get_or_create_phone_number
from tests.factories import make_clinic, make_patient

OUR_NUMBER = "+12025550100"
NEW = "+16175550301"  # never texted before
KNOWN = "+16175550302"  # texted before, no enrolment
ENROLLED = "+16175550303"  # consented, with a check-in sent an hour ago
INVITED = "+16175550304"  # invited, has not answered yet
OPTED_OUT = "+16175550305"  # consented, then texted STOP
PHONES = [NEW, KNOWN, ENROLLED, INVITED, OPTED_OUT]
BODIES = [
    "AHSCT", "MSC", "RISKS", "MORE", "more", "MENU", "2", "1", "4", "STOP", "stop texting me",
    "START", "HELP", "YES", "si", "ESPANOL", "PRIVATE", "FULL", "what is msc", "hello there",
    "ahsct pls", "I have a fever of 39.5 and chills", "cant breathe", "my mom has chest pain",
    "tengo fiebre", "🙂", "", "stop texting me i want to die", "Is MSC covered by insurance?",
]  # fmt: skip


@st.composite
def texts(draw) -> list[InboundSms]:
    """Up to 14 texts; some repeat an earlier MessageSid (a retry, or a forged copy)."""
    sent: list[InboundSms] = []
    for _ in range(draw(st.integers(1, 14))):
        phone = draw(st.sampled_from(PHONES))
        if sent and draw(st.integers(0, 9)) == 0:
            earlier = draw(st.sampled_from(sent))
            same_phone = draw(st.integers(0, 3)) > 0
            sent.append(earlier if same_phone else InboundSms(
                earlier.message_sid, phone, OUR_NUMBER, earlier.body
            ))  # fmt: skip
            continue
        body = draw(st.sampled_from(BODIES))
        opt_out_type = "STOP" if body == "STOP" and draw(st.booleans()) else None
        sid = f"SM{uuid.uuid4().hex}"
        sent.append(InboundSms(sid, phone, OUR_NUMBER, body, opt_out_type=opt_out_type))
    return sent


def seq(*texts: tuple[str, str]) -> list[InboundSms]:
    return [InboundSms(f"SM{uuid.uuid4().hex}", phone, OUR_NUMBER, body) for phone, body in texts]


REPEATED = seq((NEW, "MSC"))[0]
# Sequences random mixes reach only by luck: the state one text changes, read by the next.
SEQUENCES = [
    seq(*[(KNOWN, "AHSCT")] * 5),  # the repeat limit holds back the fourth
    seq((INVITED, "YES"), (INVITED, "AHSCT"), (INVITED, "MORE"), (INVITED, "MORE")),
    seq((ENROLLED, "STOP"), (ENROLLED, "AHSCT"), (ENROLLED, "START"), (ENROLLED, "MENU")),
    seq((NEW, "AHSCT"), (NEW, "MORE"), (NEW, "stop"), (NEW, "MORE"), (NEW, "START")),
    seq((ENROLLED, "2"), (ENROLLED, "MORE"), (ENROLLED, "RISKS"), (ENROLLED, "1")),
    seq((OPTED_OUT, "AHSCT"), (OPTED_OUT, "START"), (OPTED_OUT, "AHSCT")),
    seq((KNOWN, "ESPANOL"), (KNOWN, "AHSCT"), (KNOWN, "PRIVATE"), (KNOWN, "MSC")),
    [REPEATED, REPEATED, InboundSms(REPEATED.message_sid, KNOWN, OUR_NUMBER, "MSC"), REPEATED],
]


def build_world(db: Session, now) -> None:
    clinic = make_clinic(db)
    get_or_create_phone_number(db, e164=KNOWN)
    enrolled = make_patient(db, clinic, phone=ENROLLED, name="Maria Lopez")
    invited = make_patient(db, clinic, phone=INVITED, status="pending_consent")
    make_patient(db, clinic, phone=OPTED_OUT, status="opted_out")
    db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == OPTED_OUT)).opted_out = True
    sent = now - timedelta(hours=1)
    for patient, phone, kind, key in (
        (enrolled, ENROLLED, "checkin", "symptoms"),
        (invited, INVITED, "consent_invitation", None),
    ):
        db.add(Message(
            direction="outbound", phone=phone, clinic_id=clinic.id, patient_id=patient.id,
            kind=kind, checkin_key=key, body="Reply YES or 1-5", status="sent",
            sent_at=sent, created_at=sent,
        ))  # fmt: skip
    db.commit()


def one_at_a_time(db, texts, settings, clock) -> list:
    results = []
    for sms in texts:
        try:
            results.append(handle_inbound(db, sms=sms, settings=settings, clock=clock))
        except Exception as exc:  # as the group-commit fallback records it
            db.rollback()
            db.expunge_all()
            results.append(exc)
    return results


def batched(db, texts, settings, clock) -> list:
    return handle_inbound_batch(
        lambda: nullcontext(db), texts=texts, settings=settings, clock=clock
    )


def answers(results: list) -> list:
    """What each webhook request would answer; ids differ between runs on PostgreSQL."""
    return [
        (r.reply_body, r.reply_message_id is not None, r.duplicate, r.reply_kind)
        if isinstance(r, InboundResult)
        else type(r).__name__
        for r in results
    ]


def every_row(db: Session) -> dict[str, list]:
    """Every table's rows without their ids: a reference to another row is that row's own
    contents (a new row's id differs between two runs where sequences are not rolled back)."""
    db.flush()
    connection = db.connection()
    rendered: dict[tuple[str, int], tuple] = {}
    found: dict[str, list] = {}
    for table in Base.metadata.sorted_tables:
        keys = [c for c in table.primary_key.columns]
        rows = connection.execute(select(table).order_by(*keys)).mappings().all()
        found[table.name] = []
        for row in rows:
            values = []
            for column in table.columns:
                value = row[column.name]
                foreign = next(iter(column.foreign_keys), None)
                if foreign is not None and value is not None:
                    value = rendered.get((foreign.column.table.name, value), value)
                elif column.primary_key and len(keys) == 1 and column.name == "id":
                    continue
                elif isinstance(value, datetime) and stamped_by_wall_clock(column):
                    continue  # not the handlers' clock: it differs between the two runs
                values.append((column.name, value))
            if len(keys) == 1 and keys[0].name == "id":
                rendered[(table.name, row["id"])] = tuple(values)
            found[table.name].append(tuple(values))
        found[table.name].sort(key=repr)
    return found


def stamped_by_wall_clock(column) -> bool:
    default = column.default
    return column.server_default is not None or (default is not None and default.is_callable)


def examples(sequences):
    def add(test):
        for sequence in reversed(sequences):
            test = example(sent=sequence)(test)
        return test

    return add


@contextmanager
def rolled_back(connection):
    """A session whose commits are savepoints inside a savepoint rolled back at the end."""
    savepoint = connection.begin_nested()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        savepoint.rollback()


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sent=texts())
@examples(SEQUENCES)
def test_a_batch_answers_and_stores_what_each_text_alone_would(engine, settings, clock, sent):
    connection = engine.connect()
    outer = connection.begin()
    try:
        world = connection.begin_nested()  # kept for both runs
        with Session(bind=connection, join_transaction_mode="create_savepoint") as db:
            build_world(db, clock.now())
        runs = []
        for handle in (one_at_a_time, batched):
            with rolled_back(connection) as db:
                results = handle(db, sent, settings, clock)
                runs.append((answers(results), every_row(db)))
        world.rollback()
    finally:
        outer.rollback()
        connection.close()

    (alone, alone_rows), (together, together_rows) = runs
    assert together == alone
    for table, rows in alone_rows.items():
        assert together_rows[table] == rows, table


@contextmanager
def statements_sent(connection, monkeypatch) -> Iterator[list[str]]:
    """Every statement the driver is given on `connection` in the block, whether through
    SQLAlchemy or straight on the driver's cursor (core/rows.py)."""
    sent: list[str] = []
    driver = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        driver.set_trace_callback(sent.append)
        try:
            yield sent
        finally:
            driver.set_trace_callback(None)
        return
    real_execute = psycopg.Cursor.execute

    def execute(self, query, *args, **kwargs):
        if self.connection is driver:
            sent.append(str(query))
        return real_execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    yield sent


def test_a_batch_of_keywords_costs_a_few_statements_not_several_per_text(
    engine, settings, clock, monkeypatch
):
    """The point of the batch: 30 plain texts from known numbers in a handful of statements."""
    connection = engine.connect()
    outer = connection.begin()
    try:
        with rolled_back(connection) as db:
            phones = [f"+1617555{4000 + index:04d}" for index in range(30)]
            for phone in phones:
                get_or_create_phone_number(db, e164=phone)
            db.commit()
            sent = [InboundSms(f"SM{uuid.uuid4().hex}", p, OUR_NUMBER, "AHSCT") for p in phones]
            with statements_sent(connection, monkeypatch) as statements:
                results = batched(db, sent, settings, clock)
            assert all(r.reply_body and r.reply_message_id for r in results)
    finally:
        outer.rollback()
        connection.close()

    # Senders, clinics, recent replies, the texts, the topics, the replies (savepoints aside).
    work = [s for s in statements if "SAVEPOINT" not in s.upper()]
    assert 6 <= len(work) <= 8, work


class TickingClock(FixedClock):
    """One second later at every reading: each text of a batch has its own `now`."""

    def now(self) -> datetime:
        self.advance(seconds=1)
        return self.at


def test_reply_limits_in_a_batch_count_earlier_replies_and_each_texts_own_window(
    engine, settings, clock
):
    """Three replies a minute: two were sent before the batch, one of them 58.5 seconds before
    its first text, so it counts for the first two texts and not for the third."""
    settings = settings.model_copy(
        update={"reply_limit_per_window": 3, "reply_limit_window_seconds": 60}
    )
    start = clock.now()
    first = start + timedelta(seconds=1)  # the first text's time
    sent = seq((KNOWN, "AHSCT"), (KNOWN, "MSC"), (KNOWN, "RISKS"))
    connection = engine.connect()
    outer = connection.begin()
    try:
        with Session(bind=connection, join_transaction_mode="create_savepoint") as db:
            build_world(db, start)
            for ago in (58.5, 10):
                at = first - timedelta(seconds=ago)
                asked = Message(
                    direction="inbound", phone=KNOWN, kind="inbound", body=f"earlier {ago}",
                    status="received", created_at=at,
                )  # fmt: skip
                db.add(asked)
                db.flush()
                db.add(Message(
                    direction="outbound", phone=KNOWN, kind="education", body="an answer",
                    status="sent", in_reply_to_id=asked.id, sent_at=at, created_at=at,
                ))  # fmt: skip
            db.commit()
        runs = []
        for handle in (one_at_a_time, batched):
            with rolled_back(connection) as db:
                results = handle(db, sent, settings, TickingClock(start))
                statuses = db.scalars(
                    select(Message.status)
                    .where(Message.twilio_sid.in_([s.message_sid for s in sent]))
                    .order_by(Message.created_at)
                ).all()
                runs.append((answers(results), statuses, every_row(db)))
    finally:
        outer.rollback()
        connection.close()

    (alone, alone_statuses, alone_rows), (together, together_statuses, together_rows) = runs
    assert together_statuses == ["received", "reply_limited", "received"]
    assert alone_statuses == together_statuses
    assert [body is not None for body, *_ in together] == [True, False, True]
    assert together == alone
    assert together_rows == alone_rows
