"""Migrations from empty, models and migrations in step, and UTC datetimes on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from lupus_sms.core.db import make_engine
from lupus_sms.core.migrations import alembic_config, upgrade
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import PhoneNumber
from lupus_sms.models import Base
from tests.factories import make_clinic, make_patient

NUMBER = "+12025550150"


def test_migrations_upgrade_an_empty_database_to_every_table(fresh_database_url):
    upgrade(fresh_database_url)
    engine = make_engine(fresh_database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables
    finally:
        engine.dispose()


def test_models_and_migrations_do_not_drift(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], "add a migration: alembic revision --autogenerate -m ..."


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


PARTIAL_INDEXES = {
    "ix_messages_in_reply_to_id": "in_reply_to_id IS NOT NULL",
    "ix_messages_sent_checkin": "checkin_key IS NOT NULL",
    "ix_messages_patient_created": "patient_id IS NOT NULL",
}


def _index_conditions(url: str) -> dict[str, str]:
    """Each partial index of `messages` with its condition as the database stores it."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                rows = connection.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'messages'")
                )
            else:
                rows = connection.execute(
                    text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'messages'")
                )
            return {name: sql.split(" WHERE ")[1] for name, sql in rows if sql and " WHERE " in sql}
    finally:
        engine.dispose()


def test_message_indexes_skip_the_rows_their_queries_never_ask_for(fresh_database_url):
    """Compare_metadata does not compare an index's condition: checked here, and that the
    migration that made them partial goes down and up again."""
    upgrade(fresh_database_url)
    found = {name: cond.strip("()").replace("(", "").replace(")", "")
             for name, cond in _index_conditions(fresh_database_url).items()}  # fmt: skip
    assert {k: v.upper() for k, v in found.items()} == {
        k: v.upper() for k, v in PARTIAL_INDEXES.items()
    }
    downgrade(fresh_database_url, "0010_conversation_notifications")
    assert _index_conditions(fresh_database_url) == {}
    upgrade(fresh_database_url)
    assert set(_index_conditions(fresh_database_url)) == set(PARTIAL_INDEXES)


def test_a_non_utc_offset_round_trips_as_the_same_instant(db):
    eastern = timezone(timedelta(hours=-5))
    written = datetime(2026, 1, 15, 7, 0, tzinfo=eastern)
    row = PhoneNumber(
        e164="+12025550188", phone_hash="h-roundtrip", opted_out=True, opted_out_at=written
    )
    db.add(row)
    db.flush()
    db.expire_all()
    read = db.scalar(select(PhoneNumber.opted_out_at).where(PhoneNumber.id == row.id))
    assert read == written
    assert read.tzinfo is not None and read.utcoffset() == timedelta(0)
    assert read == datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def test_a_naive_datetime_is_refused(db):
    db.add(
        PhoneNumber(
            e164="+12025550189", phone_hash="h-naive", opted_out_at=datetime(2026, 1, 15, 7, 0)
        )
    )
    with pytest.raises(Exception, match="naive datetime"):
        db.flush()
    db.rollback()


def test_patients_erased_before_0012_are_detached_from_their_numbers(fresh_database_url):
    upgrade(fresh_database_url, "0011_partial_message_indexes")
    engine = make_engine(fresh_database_url)
    try:
        with Session(engine) as db:
            erased_at = datetime(2026, 5, 1, tzinfo=UTC)
            erased = make_patient(db, make_clinic(db), phone=NUMBER, erased_at=erased_at)
            kept = make_patient(db, make_clinic(db, name="Lakeside Clinic"), phone=NUMBER)
            db.commit()
            erased_id, kept_id = erased.id, kept.id
        upgrade(fresh_database_url)
        with Session(engine) as db:
            placeholder = db.get(Patient, erased_id).phone_number
            assert placeholder.e164 is None and placeholder.phone_hash.startswith("erased-")
            assert db.get(Patient, kept_id).phone_number.e164 == NUMBER  # the number stays
    finally:
        engine.dispose()
