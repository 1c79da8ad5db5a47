"""PostgreSQL faults: every connection killed under load, and a database too slow to answer.

The server is never stopped: connections are killed with pg_terminate_backend on a database
of the test's own, and slowness is a lock held by another connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from lupus_sms.core.db import get_db, make_engine
from lupus_sms.core.migrations import upgrade
from lupus_sms.inbound.degraded import RECEIVED_TEXT
from lupus_sms.inbound.spool import pending, replay_spool
from lupus_sms.messaging.models import Message
from tests.helpers import reply_text

pytestmark = pytest.mark.multiprocess
KILL_ALL = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


@pytest.fixture
def live_url(database_url: str, request) -> str:
    if database_url.startswith("sqlite"):
        pytest.skip("connection kills and lock timeouts are PostgreSQL faults")
    url = request.getfixturevalue("fresh_database_url")
    upgrade(url)
    return url


@pytest.fixture
def live_engine(live_url: str) -> Iterator[Engine]:
    engine = make_engine(live_url, statement_timeout_ms=300)
    yield engine
    engine.dispose()


@pytest.fixture
def live_app(app, live_engine: Engine) -> sessionmaker[Session]:
    """The app with a real connection pool on a database of its own."""
    factory = sessionmaker(live_engine, expire_on_commit=False)

    def session() -> Iterator[Session]:
        with factory() as db:
            yield db

    app.dependency_overrides[get_db] = session
    return factory


def kill_every_connection(live_url: str) -> None:
    killer = make_engine(live_url, poolclass=NullPool)
    with killer.connect() as connection:
        connection.execute(text(KILL_ALL))
    killer.dispose()


def inbound_sids(factory) -> list[str]:
    with factory() as db:
        return list(db.scalars(select(Message.twilio_sid).where(Message.direction == "inbound")))


def test_service_recovers_after_every_connection_is_killed(twilio, live_app, live_url):
    assert reply_text(twilio.sms("MENU", sid="SMkill1"))
    kill_every_connection(live_url)
    answer = reply_text(twilio.sms("RISKS", sid="SMkill2"))
    assert answer and answer != RECEIVED_TEXT  # a real answer: pre-ping replaced the connection
    assert sorted(inbound_sids(live_app)) == ["SMkill1", "SMkill2"]


def test_nothing_is_lost_when_connections_die_under_load(twilio, live_app, live_url, settings):
    sids = [f"SMload{n:03d}" for n in range(60)]
    stop = threading.Event()

    def killer() -> None:
        while not stop.is_set():
            kill_every_connection(live_url)
            stop.wait(0.05)

    with ThreadPoolExecutor(max_workers=8) as pool:
        kills = pool.submit(killer)
        texts = [(sid, f"+1617555{n:04d}") for n, sid in enumerate(sids)]
        responses = list(pool.map(lambda t: twilio.sms("MENU", sid=t[0], from_=t[1]), texts))
        stop.set()
        kills.result()
    failed = [(r.status_code, r.text) for r in responses if r.status_code != 200]
    assert failed == []
    assert all(reply_text(r) for r in responses)
    # Whatever could not be stored at once is on disk; the replay stores it.
    while pending(settings.spool_dir):
        replay_spool(live_app, settings=settings)
    assert sorted(inbound_sids(live_app)) == sids


def test_a_locked_table_gets_a_quick_holding_reply_and_the_text_later(
    twilio, live_app, live_engine, settings
):
    blocker = live_engine.connect()
    transaction = blocker.begin()
    blocker.execute(text("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE"))
    try:
        assert reply_text(twilio.sms("MENU", sid="SMslow1")) == RECEIVED_TEXT
    finally:
        transaction.rollback()
        blocker.close()
    assert replay_spool(live_app, settings=settings).replayed == 1
    with live_app() as db:
        assert db.scalar(select(func.count()).where(Message.twilio_sid == "SMslow1")) == 1
