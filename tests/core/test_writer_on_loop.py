"""Where the inbound writer writes a batch (inbound/group_commit.py): on SQLite on the event
loop itself while the write lock is free, and on the writer thread when another connection
holds it, so the loop goes on answering; on PostgreSQL always on the writer thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import uuid
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from lupus_sms.core.config import get_settings
from lupus_sms.inbound import group_commit
from lupus_sms.messaging.models import Message
from tests.conftest import PUBLIC_BASE_URL, TEST_AUTH_TOKEN

PHONE = "+16175550431"
OTHER_PHONE = "+16175550432"
WARM_UP_PHONE = "+16175550433"


def signed_text(body: str, phone: str = PHONE) -> tuple[bytes, dict]:
    params = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32,
              "From": phone, "To": "+12025550100", "Body": body}  # fmt: skip
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(
        PUBLIC_BASE_URL + "/twilio/sms", params
    )
    headers = {"X-Twilio-Signature": signature,
               "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip
    return urlencode(params).encode(), headers


@pytest.fixture
def writing_threads(monkeypatch) -> list[str]:
    """The name of the thread each batch was written on."""
    threads: list[str] = []
    real = group_commit.process_inbound_batch

    def recording(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(group_commit, "process_inbound_batch", recording)
    return threads


def client_of(live) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=live.app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="https://testserver")


def stored(live) -> int:
    with live.session() as db:
        return db.scalar(select(func.count()).where(Message.phone == PHONE))


def test_a_batch_is_written_on_the_loop_on_sqlite_and_on_the_thread_on_postgresql(
    live, writing_threads
):
    async def send() -> httpx.Response:
        async with client_of(live) as client:
            loop_thread = threading.current_thread().name
            body, headers = signed_text("AHSCT")
            return await client.post("/twilio/sms", content=body, headers=headers), loop_thread

    response, loop_thread = asyncio.run(send())

    assert response.status_code == 200 and "<Message" in response.text
    if live.url.startswith("sqlite"):
        assert writing_threads == [loop_thread]
    else:  # one of the writer pool's threads, whichever was idle
        assert len(writing_threads) == 1 and writing_threads[0].startswith("inbound-writer_")
    assert stored(live) == 2  # the text and its reply


def test_a_batch_waits_for_a_lock_another_connection_holds_without_holding_up_the_loop(
    live, writing_threads
):
    if not live.url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL batches always wait on the writer thread")
    holder = sqlite3.connect(make_url(live.url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's transaction, say the worker's

    async def scenario() -> httpx.Response:
        async with client_of(live) as client:
            body, headers = signed_text("AHSCT")
            text = asyncio.create_task(client.post("/twilio/sms", content=body, headers=headers))
            await asyncio.sleep(0.3)
            assert not text.done()  # waiting for the lock
            page = await asyncio.wait_for(client.get("/openapi.json"), timeout=5)
            assert page.status_code == 200  # the loop answers meanwhile
            holder.execute("COMMIT")
            return await asyncio.wait_for(text, timeout=15)

    try:
        response = asyncio.run(scenario())
    finally:
        holder.close()

    assert response.status_code == 200 and "<Message" in response.text
    assert len(writing_threads) == 1  # tried on the loop, refused, then waited on a writer
    assert writing_threads[0].startswith("inbound-writer_")
    assert stored(live) == 2


def test_a_lock_held_past_the_statement_timeout_spools_the_text_instead_of_outwaiting_twilio(
    live, writing_threads
):
    """SQLite's busy timeout is 15 s, Twilio's webhook timeout too: a batch waits for the lock
    only DATABASE_STATEMENT_TIMEOUT_MS, then its texts are spooled and answered at once."""
    if not live.url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL has its statement and lock timeouts")
    quick = live.settings.model_copy(update={"database_statement_timeout_ms": 200})
    live.app.dependency_overrides[get_settings] = lambda: quick
    holder = sqlite3.connect(make_url(live.url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    async def scenario() -> httpx.Response:
        async with client_of(live) as client:
            body, headers = signed_text("AHSCT")
            # Answered while the lock is still held: long before SQLite's own 15 s.
            return await asyncio.wait_for(
                client.post("/twilio/sms", content=body, headers=headers), timeout=10
            )

    try:
        response = asyncio.run(scenario())
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert response.status_code == 200
    assert "we got your message" in response.text.lower()  # the spool's answer
    assert list(quick.spool_dir.glob("*")) and stored(live) == 0


def test_a_text_queued_behind_a_waiting_batch_is_spooled_within_the_timeout_of_its_arrival(
    live, writing_threads
):
    """The statement timeout counts from when a text came, not from when its batch started:
    a text that queued behind a batch waiting for the lock has waited part of it already,
    and waits only what is left of it, not the whole timeout again."""
    if not live.url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL has its statement and lock timeouts")
    timeout_s = 4.0
    quick = live.settings.model_copy(update={"database_statement_timeout_ms": 4000})
    live.app.dependency_overrides[get_settings] = lambda: quick
    holder = sqlite3.connect(make_url(live.url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")

    async def timed(client: httpx.AsyncClient, phone: str) -> tuple[httpx.Response, float]:
        body, headers = signed_text("AHSCT", phone)
        sent = time.monotonic()
        response = await client.post("/twilio/sms", content=body, headers=headers)
        return response, time.monotonic() - sent

    async def scenario():
        async with client_of(live) as client:
            first = asyncio.create_task(timed(client, PHONE))
            await asyncio.sleep(timeout_s / 2)  # the first batch is waiting for the lock
            second = await timed(client, OTHER_PHONE)
            return await first, second

    try:
        (first, _), (second, second_took) = asyncio.run(scenario())
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    for response in (first, second):
        assert response.status_code == 200
        assert "we got your message" in response.text.lower()  # the spool's answer
    # It waited half the timeout behind the first batch, then what was left: the timeout in
    # all (it used to wait the whole timeout again: about one and a half times it).
    assert second_took < timeout_s * 1.2, second_took


def test_on_postgresql_a_second_batch_is_written_while_the_first_waits_but_not_its_numbers(
    live, monkeypatch
):
    """Two writers on PostgreSQL: a text of another number is written while the first batch
    is still in its transaction; the same number's next text waits for that batch to commit,
    so it is decided on the number's new state. On SQLite there is one writer: both wait."""
    batches: list[tuple[list[str], float, float]] = []
    real = group_commit.process_inbound_batch

    def slow_first(db, *, texts, settings, clock):
        started = time.monotonic()
        if texts[0].from_number == PHONE and not started_one.is_set():
            started_one.set()
            time.sleep(1)  # the first batch waits (for the server, say)
        results = real(db, texts=texts, settings=settings, clock=clock)
        batches.append(([sms.from_number for sms in texts], started, time.monotonic()))
        return results

    started_one = threading.Event()
    monkeypatch.setattr(group_commit, "process_inbound_batch", slow_first)

    async def scenario() -> list[httpx.Response]:
        async with client_of(live) as client:
            await post(client, WARM_UP_PHONE, "MENU")  # first-use work is not what is timed
            first = asyncio.create_task(post(client, PHONE, "AHSCT"))
            while not started_one.is_set():
                await asyncio.sleep(0.01)
            # While the first batch is in its transaction: another number, answered (on
            # PostgreSQL) before the first batch commits, then MORE from the first number.
            other = await post(client, OTHER_PHONE, "MSC")
            more = await post(client, PHONE, "MORE")
            return [await first, other, more]

    responses = asyncio.run(scenario())

    assert all(r.status_code == 200 and "<Message" in r.text for r in responses)
    first, more = sorted((start, end) for numbers, start, end in batches if PHONE in numbers)
    [(other_start, _)] = [(start, end) for numbers, start, end in batches if OTHER_PHONE in numbers]
    if live.url.startswith("sqlite"):
        assert other_start >= first[1]  # one writer: after the first batch
    else:
        assert other_start < first[1]  # written while the first batch waited
    assert more[0] >= first[1]  # the same number: after its text was committed
    assert "(2/" in responses[2].text  # so MORE paged on from the text before it


async def post(client: httpx.AsyncClient, phone: str, body: str) -> httpx.Response:
    content, headers = signed_text(body, phone)
    return await client.post("/twilio/sms", content=content, headers=headers)
