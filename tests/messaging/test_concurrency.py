"""Several workers on one database never send the same message twice."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from lupus_sms.core.config import Settings
from lupus_sms.core.db import make_engine
from lupus_sms.core.migrations import upgrade
from lupus_sms.messaging.models import Message
from lupus_sms.messaging.transport import FakeTransport
from lupus_sms.scheduling.dispatch import claim_due_messages, dispatch_outbox
from tests.scheduling.support import queue_text, utc

NOW = utc(2026, 3, 10, 16, 0)
SETTINGS = Settings(_env_file=None, tick_batch_size=4, sms_segments_per_second=1000)


@pytest.fixture
def own_database(fresh_database_url):
    upgrade(fresh_database_url)
    engines = [make_engine(fresh_database_url) for _ in range(2)]
    yield [sessionmaker(bind=engine, expire_on_commit=False) for engine in engines]
    for engine in engines:
        engine.dispose()


def fill_outbox(factory, count: int) -> None:
    with factory() as db:
        for index in range(count):
            queue_text(db, now=NOW, body=f"Notice {index} from the care team")
        db.commit()


@pytest.mark.multiprocess
def test_two_concurrent_workers_send_each_message_exactly_once(own_database):
    fill_outbox(own_database[0], 40)
    transport = FakeTransport()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(factory) -> None:
        try:
            start.wait()
            while dispatch_outbox(factory, NOW, settings=SETTINGS, transport=transport):
                pass
        except BaseException as exc:  # surfaced below, with the thread's own traceback
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(factory,)) for factory in own_database]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    bodies = [sms.body for sms in transport.sent]
    assert len(bodies) == 40 and len(set(bodies)) == 40
    with own_database[0]() as db:
        sent = db.scalar(select(func.count()).where(Message.status == "sent"))
    assert sent == 40


@pytest.mark.multiprocess
def test_an_open_claim_is_skipped_by_the_other_worker(own_database):
    """PostgreSQL: the second claimer skips rows locked by the first (SKIP LOCKED) while the
    first has not committed. SQLite serialises writers, so there the second claimer runs
    after the first committed and finds the rows no longer queued."""
    fill_outbox(own_database[0], 8)
    first, second = own_database[0](), own_database[1]()
    try:
        mine = claim_due_messages(first, now=NOW, token="a" * 36, settings=SETTINGS)
        if first.get_bind().dialect.name == "sqlite":
            first.commit()
        theirs = claim_due_messages(second, now=NOW, token="b" * 36, settings=SETTINGS)
        first.commit()
        second.commit()
    finally:
        first.close()
        second.close()
    assert len(mine) == 4 and len(theirs) == 4
    assert not set(mine) & set(theirs)
