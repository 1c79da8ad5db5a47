"""The database refuses connections or holds its lock too long: the API answers 503 with
Retry-After and a clear message, not a 500, and neither a health check nor a metrics scrape
queues behind a writer. (The consoles' page: tests/portal/test_database_unavailable_page.py.)"""

from __future__ import annotations

import asyncio
import sqlite3

import httpx
import pytest
from sqlalchemy.engine import make_url

from lupus_sms.core.errors import UNAVAILABLE_MESSAGE
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
