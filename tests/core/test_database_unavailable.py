"""The database refuses connections or holds its lock too long: the API answers 503 with
Retry-After and a clear message, not a 500, and neither a health check nor a metrics scrape
queues behind a writer. (The consoles' page: tests/portal/test_database_unavailable_page.py.)"""

from __future__ import annotations

import asyncio
import sqlite3
import time

import httpx
import pytest
from sqlalchemy.engine import make_url

from lupus_sms.core.config import get_settings
from lupus_sms.core.errors import UNAVAILABLE_MESSAGE
from tests.conftest import _clear_caches
from tests.core.test_writer_on_loop import signed_text
from tests.factories import auth_headers, make_clinic


def test_the_api_answers_503_with_a_message_and_retry_after(client, db, request):
    headers = auth_headers(db, make_clinic(db))
    assert client.get("/api/v1/patients", headers=headers).status_code == 200
    request.getfixturevalue("database_down")

    response = client.get("/api/v1/patients", headers=headers)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["error"] == {
        "code": "database_unavailable",
        "message": UNAVAILABLE_MESSAGE,
        "details": [],
    }


def test_the_health_check_reports_the_database_down(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
def test_health_and_metrics_do_not_wait_for_a_writer_holding_sqlites_lock(live, path):
    if not live.url.startswith("sqlite"):
        pytest.skip("SQLite's single write lock; PostgreSQL readers never wait for writers")
    holder = sqlite3.connect(make_url(live.url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the worker's transaction, say

    async def check() -> httpx.Response:
        transport = httpx.ASGITransport(app=live.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            # Well before SQLite's 15 s busy timeout, which a write transaction would wait.
            return await asyncio.wait_for(c.get(path), timeout=5)

    try:
        response = asyncio.run(check())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code in (200, 503)  # 503 only for a scheduler not running here
    if path == "/healthz":
        assert response.json()["checks"]["database"] == "ok"
    else:
        assert "lupus_sms" in response.text


def test_a_red_flag_is_answered_at_once_while_requests_queue_behind_another_process_lock(
    live, monkeypatch
):
    """Another process holds SQLite's write lock, and clinic requests pile up behind it: each
    waits DATABASE_STATEMENT_TIMEOUT_MS, not SQLite's 15 s, and then answers 503; the red flag
    that arrives meanwhile does not wait for their connections (the writer has its own), and
    is spooled and answered with the safety text at once."""
    if not live.url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL has its statement and lock timeouts")
    with live.session() as db:
        headers = auth_headers(db, make_clinic(db))
        db.commit()
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "300")
    _clear_caches()
    quick = live.settings.model_copy(update={"database_statement_timeout_ms": 300})
    live.app.dependency_overrides[get_settings] = lambda: quick
    holder = sqlite3.connect(make_url(live.url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the worker's long transaction, say

    async def scenario():
        transport = httpx.ASGITransport(app=live.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            pages = [asyncio.create_task(c.get("/api/v1/alerts", headers=headers))
                     for _ in range(40)]  # fmt: skip
            await asyncio.sleep(0.05)
            body, signed = signed_text("I cant breathe and my chest hurts")
            started = time.monotonic()
            text = await asyncio.wait_for(
                c.post("/twilio/sms", content=body, headers=signed), timeout=10
            )
            answered_in = time.monotonic() - started
            pages = await asyncio.gather(*pages)
            return text, answered_in, pages, time.monotonic() - started

    try:
        text, answered_in, pages, pages_in = asyncio.run(scenario())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        _clear_caches()

    assert text.status_code == 200 and "911" in text.text
    assert answered_in < 5, answered_in  # long before Twilio's 15 s
    assert list(quick.spool_dir.glob("*.json"))  # stored once the database is back
    assert {page.status_code for page in pages} == {503}
    assert pages_in < 5, pages_in  # each waited the statement timeout, not SQLite's 15 s
    assert all(page.headers["retry-after"] == "5" for page in pages)


def test_health_and_metrics_report_a_database_that_is_down_in_their_own_shape(
    live, monkeypatch, unreachable_url
):
    """Not the API's 503: the health check names the database as its failed check, and the
    scrape still gives the process's counters (an outage is when they matter), with
    lupus_sms_database_up 0."""
    monkeypatch.setenv("DATABASE_URL", unreachable_url)
    _clear_caches()
    try:
        client = live.browser()
        health = client.get("/healthz")
        metrics = client.get("/metrics")
    finally:
        monkeypatch.undo()
        _clear_caches()
    assert health.status_code == 503
    assert health.json()["checks"]["database"] == "unavailable"
    assert metrics.status_code == 200
    assert "lupus_sms_database_up 0.0" in metrics.text
    assert "lupus_sms_webhook_seconds" in metrics.text and "outbox_queued" not in metrics.text
