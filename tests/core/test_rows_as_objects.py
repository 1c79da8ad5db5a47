"""Rows read or inserted through Core become the session's ORM objects (core/rows.py) that
behave as loaded ones: tracked, flushed, lazily loading what was not given, one per row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import String, cast, insert, select
from sqlalchemy.exc import IntegrityError, InvalidRequestError

from lupus_sms.core.rows import as_persistent, attach_row, insert_rows
from lupus_sms.messaging.models import Message

PHONE = "+16175550411"


def core_insert(db, clock, **values) -> dict:
    row = {
        "direction": "inbound", "phone": PHONE, "kind": "inbound", "body": "AHSCT",
        "status": "received", "created_at": clock.now(), **values,
    }  # fmt: skip
    new_id = db.connection().execute(insert(Message).values(row).returning(Message.id)).scalar()
    return {**row, "id": new_id}


def stored_body(db, message_id: int) -> str:
    return db.connection().execute(select(Message.body).where(Message.id == message_id)).scalar()


def test_an_attached_row_is_the_sessions_object_and_its_changes_are_flushed(db, clock):
    values = core_insert(db, clock)
    message = attach_row(db, Message, values)
    assert db.get(Message, values["id"]) is message  # no second object, no query
    assert message not in db.dirty and message in db
    message.body = "MSC"
    assert message in db.dirty
    db.flush()
    assert stored_body(db, values["id"]) == "MSC"


def test_columns_not_given_load_from_the_row_on_first_access(db, clock):
    values = core_insert(db, clock, twilio_sid="SM" + "1" * 32)
    given = {key: values[key] for key in ("id", "phone", "body")}
    message = attach_row(db, Message, given)
    assert message.twilio_sid == "SM" + "1" * 32
    assert message.direction == "inbound"


def test_a_row_the_session_holds_is_refused_by_attach_and_shared_by_as_persistent(db, clock):
    values = core_insert(db, clock)
    held = db.get(Message, values["id"])
    with pytest.raises(InvalidRequestError):
        attach_row(db, Message, values)
    assert as_persistent(db, Message, {**values, "body": "other"}) is held
    assert held.body == "AHSCT"  # as a query without populate_existing: the held values stay


def test_an_attached_row_is_expired_and_reloaded_as_a_loaded_one(db, clock):
    values = core_insert(db, clock)
    message = attach_row(db, Message, values)
    db.connection().execute(
        Message.__table__.update().where(Message.id == values["id"]).values(body="STOP")
    )
    assert message.body == "AHSCT"  # as loaded: the session does not know of the change
    db.expire_all()
    assert message.body == "STOP"


def raw_rows(db, ids: list[int]) -> list[tuple]:
    """The rows as the database holds them (datetimes as SQLite's text, say), but the id."""
    columns = [c for c in Message.__table__.columns if c.key not in ("id", "updated_at")]
    query = select(*[cast(c, String) for c in columns]).where(Message.id.in_(ids))
    return sorted(db.connection().execute(query.order_by(Message.twilio_sid)).all())


def test_rows_inserted_on_the_driver_are_stored_as_sqlalchemy_stores_them(db, clock):
    at = clock.now().replace(microsecond=0)  # SQLite's text drops no zero microseconds either
    rows = [
        {"direction": "outbound", "phone": PHONE, "body": f"Part {n}", "twilio_sid": f"SM{n}",
         "status": "sent", "sent_at": at, "created_at": at + timedelta(microseconds=n)}
        for n in range(3)
    ]  # fmt: skip
    driver_ids = [i for (i,) in insert_rows(db, insert(Message).returning(Message.id), rows)]
    core_ids = [
        db.connection()
        .execute(
            insert(Message)
            .values({**row, "twilio_sid": row["twilio_sid"] + "c"})
            .returning(Message.id)
        )
        .scalar()
        for row in rows
    ]
    driver, core = raw_rows(db, driver_ids), raw_rows(db, core_ids)
    assert len(driver) == 3
    strip_sid = [tuple(v for i, v in enumerate(r) if i != 8) for r in driver]
    assert strip_sid == [tuple(v for i, v in enumerate(r) if i != 8) for r in core]
    stored = db.get(Message, driver_ids[0])
    assert (stored.kind, stored.attempts) == ("reply", 0)  # the columns' Python defaults
    assert stored.created_at == at and stored.updated_at is not None


def test_a_driver_statement_that_fails_raises_as_sqlalchemy_would_without_parameters(db):
    row = {
        "direction": "outbound",
        "phone": PHONE,
        "body": "x",
        "twilio_sid": "SM1",
        "status": "sent",
    }
    with pytest.raises(IntegrityError) as raised:  # a MessageSid is stored once
        insert_rows(db, insert(Message).returning(Message.id), [row, row])
    assert "twilio_sid" in str(raised.value)
    assert raised.value.params is None and PHONE not in str(raised.value)
