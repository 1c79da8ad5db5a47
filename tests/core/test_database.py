"""Migrations from empty, models and migrations in step, and UTC datetimes on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from lupus_sms.core.db import make_engine
from lupus_sms.core.migrations import upgrade
from lupus_sms.messaging.models import PhoneNumber
from lupus_sms.models import Base


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
