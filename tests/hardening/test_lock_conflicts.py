"""A batch of texts that loses a deadlock to another process's batch (PostgreSQL reports it
like a database that is down) is answered text by text, not from the spool: the database
is up, and the patient gets the real answer."""

from __future__ import annotations

import psycopg
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from lupus_sms.inbound import group_commit
from lupus_sms.inbound.degraded import RECEIVED_TEXT
from lupus_sms.inbound.spool import pending
from lupus_sms.messaging.models import Message
from tests.helpers import reply_text

PHONE = "+16175550601"


def deadlock() -> OperationalError:
    return OperationalError(
        "INSERT INTO phone_numbers ...", None, psycopg.errors.DeadlockDetected("deadlock")
    )


def stored(db, sid: str) -> int:
    return db.scalar(select(func.count()).where(Message.twilio_sid == sid))


def test_a_batch_that_lost_a_deadlock_answers_each_text_alone(twilio, db, settings, monkeypatch):
    def deadlocked(db, *, texts, settings, clock):
        raise deadlock()

    monkeypatch.setattr(group_commit, "process_inbound_batch", deadlocked)
    response = twilio.sms("AHSCT", from_=PHONE, sid="SMdeadlock1")
    assert response.status_code == 200
    answer = reply_text(response)
    assert answer and answer != RECEIVED_TEXT
    assert stored(db, "SMdeadlock1") == 1
    assert pending(settings.spool_dir) == []


def test_a_text_that_loses_a_deadlock_alone_is_tried_once_more(twilio, db, settings, monkeypatch):
    def deadlocked(db, *, texts, settings, clock):
        raise deadlock()

    real = group_commit.handle_inbound
    lost = []

    def loses_once(db, **kwargs):
        if not lost:
            lost.append(True)
            raise deadlock()
        return real(db, **kwargs)

    monkeypatch.setattr(group_commit, "process_inbound_batch", deadlocked)
    monkeypatch.setattr(group_commit, "handle_inbound", loses_once)
    answer = reply_text(twilio.sms("MSC", from_=PHONE, sid="SMdeadlock2"))
    assert lost and answer and answer != RECEIVED_TEXT
    assert stored(db, "SMdeadlock2") == 1
    assert pending(settings.spool_dir) == []


def test_a_text_that_keeps_losing_is_spooled_not_lost(twilio, db, settings, monkeypatch):
    def deadlocked(db, **kwargs):
        raise deadlock()

    monkeypatch.setattr(group_commit, "process_inbound_batch", deadlocked)
    monkeypatch.setattr(group_commit, "handle_inbound", deadlocked)
    assert reply_text(twilio.sms("MENU", from_=PHONE, sid="SMdeadlock3")) == RECEIVED_TEXT
    assert len(pending(settings.spool_dir)) == 1


def test_a_database_that_is_down_is_still_spooled_at_once(twilio, settings, monkeypatch):
    calls = []

    def down(db, **kwargs):
        calls.append(True)
        raise OperationalError("SELECT 1", None, psycopg.OperationalError("connection refused"))

    monkeypatch.setattr(group_commit, "process_inbound_batch", down)
    monkeypatch.setattr(group_commit, "handle_inbound", down)
    assert reply_text(twilio.sms("MENU", from_=PHONE, sid="SMdown1")) == RECEIVED_TEXT
    assert len(calls) == 1  # not retried text by text
    assert len(pending(settings.spool_dir)) == 1
