"""Twilio unavailable for minutes: the real Twilio SDK and transport over an HTTP stub that
refuses connections, times out, answers 500/503 and 429 with Retry-After, while the scheduler
ticks on an advancing fake clock. Every text waits, goes out once the API is back, and is
created at Twilio exactly once (a read timeout may hide a created message: recovery finds it
instead of sending it again)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import select
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from urllib3.exceptions import MaxRetryError, NewConnectionError

from lupus_sms.core.config import Settings
from lupus_sms.messaging import statuses
from lupus_sms.messaging.models import Message
from lupus_sms.messaging.transport import HTTP_TIMEOUT_SECONDS, TwilioTransport
from tests.messaging.twilio_stub import StubHttpClient, error_json, message_json
from tests.scheduling.support import queue_text, session_factory, tick, utc  # noqa: F401
from tests.transports import use_transport

START = utc(2026, 3, 10, 16, 0)
TICK = timedelta(seconds=30)
RETRY_AFTER = 150
FAULTS = ("refused", "connect_timeout", "read_timeout", "500", "503", "429")


def refused() -> requests.ConnectionError:
    """What requests raises when nothing listens on Twilio's address."""
    reason = NewConnectionError(None, "Failed to establish a new connection: Connection refused")
    return requests.ConnectionError(MaxRetryError(None, "/Messages.json", reason))


class OutageStub(StubHttpClient):
    """Twilio's API down until `up_at` on the test's clock, failing each request with the
    next fault in turn. A read timeout happens after Twilio created the message."""

    def __init__(self, up_at: datetime, faults: tuple[str, ...] = FAULTS) -> None:
        super().__init__()
        self.now, self.up_at, self.faults = START, up_at, faults
        self.failures: Counter[str] = Counter()
        self.posts: list[tuple[datetime, str, str]] = []  # (when, body, outcome)

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, **kw):
        if self.now >= self.up_at:
            if method == "POST":
                self.posts.append((self.now, data["Body"], "created"))
            return super().request(method, uri, params, data, headers, auth, **kw)
        fault = self.faults[sum(self.failures.values()) % len(self.faults)]
        self.failures[fault] += 1
        if method == "POST":
            self.posts.append((self.now, data["Body"], fault))
        return self._fail(fault, data if method == "POST" else None)

    def _fail(self, fault: str, data: dict | None) -> Response:
        if fault == "refused":
            raise refused()
        if fault == "connect_timeout":
            raise requests.ConnectTimeout("connect timed out")
        if fault == "read_timeout":
            if data is not None:  # the request arrived; only the answer was lost
                self.created += 1
                sid = f"SM{self.created:032x}"
                body = message_json(sid, to=data["To"], body=data["Body"], created=self.now)
                self.listed.append(body)
            raise requests.ReadTimeout("read timed out")
        status = int(fault)
        code = {500: 20500, 503: 20503, 429: 20429}[status]
        headers = {"Retry-After": str(RETRY_AFTER)} if status == 429 else None
        return Response(status, error_json(status, code, "unavailable"), headers)


def twilio_over(stub: StubHttpClient) -> TwilioTransport:
    settings = Settings(
        _env_file=None,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="token",
        twilio_from_number="+12025550100",
        sms_transport="twilio",
    )
    return TwilioTransport.from_settings(settings, http_client=stub)


def queue_texts(db, count: int) -> list[Message]:
    return [
        queue_text(db, now=START, body=f"Notice {i:02d} from the care team") for i in range(count)
    ]


def run_through(tick, stub: OutageStub, until: datetime) -> None:  # noqa: F811
    while stub.now <= until:
        tick(stub.now)
        stub.now += TICK


def created_bodies(stub: StubHttpClient) -> Counter[str]:
    return Counter(item["body"] for item in stub.listed)


def outbox(db) -> list[Message]:
    db.expire_all()
    return list(db.scalars(select(Message).where(Message.direction == "outbound")))


@pytest.mark.parametrize("outage_minutes", [3, 10])
def test_an_outage_of_minutes_delays_every_text_and_loses_or_repeats_none(
    db,
    tick,  # noqa: F811
    outage_minutes,
):
    messages = queue_texts(db, 12)
    stub = OutageStub(up_at=START + timedelta(minutes=outage_minutes))
    with use_transport(twilio_over(stub)):
        run_through(tick, stub, until=stub.up_at + timedelta(minutes=20))
    assert set(stub.failures) == set(FAULTS)  # every kind of fault was met
    rows = outbox(db)
    assert len(rows) == len(messages)
    assert {row.status for row in rows} == {statuses.SENT}
    assert created_bodies(stub) == Counter({row.body: 1 for row in rows})
    sids = {item["body"]: item["sid"] for item in stub.listed}
    assert all(row.twilio_sid == sids[row.body] for row in rows)
    assert all(at < stub.up_at for at, _, outcome in stub.posts if outcome != "created")


def test_retry_after_is_honoured_and_retries_back_off(db, tick):  # noqa: F811
    queue_texts(db, 3)
    stub = OutageStub(up_at=START + timedelta(minutes=6), faults=("429", "503"))
    with use_transport(twilio_over(stub)):
        run_through(tick, stub, until=START + timedelta(minutes=30))
    by_body: dict[str, list[tuple[datetime, str]]] = {}
    for at, body, outcome in stub.posts:
        by_body.setdefault(body, []).append((at, outcome))
    for attempts in by_body.values():
        for (at, outcome), (retried_at, _) in itertools.pairwise(attempts):
            wait = RETRY_AFTER if outcome == "429" else 30  # 30 s: the first backoff's floor
            assert retried_at - at >= timedelta(seconds=wait)
        assert [outcome for _, outcome in attempts].count("created") == 1
    assert {row.status for row in outbox(db)} == {statuses.SENT}


def test_a_read_timeout_after_twilio_created_the_text_is_not_sent_again(db, tick):  # noqa: F811
    (message,) = queue_texts(db, 1)
    stub = OutageStub(up_at=START + timedelta(seconds=1), faults=("read_timeout",))
    with use_transport(twilio_over(stub)):
        run_through(tick, stub, until=START + timedelta(minutes=10))
    assert [outcome for _, _, outcome in stub.posts] == ["read_timeout"]
    (row,) = outbox(db)
    assert (row.status, row.twilio_sid) == (statuses.SENT, stub.listed[0]["sid"])
    assert created_bodies(stub) == Counter({message.body: 1})


def test_the_real_twilio_client_never_waits_forever():
    settings = Settings(
        _env_file=None,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="token",
        twilio_from_number="+12025550100",
        sms_transport="twilio",
    )
    transport = TwilioTransport.from_settings(settings)
    inner = transport.client.http_client.inner
    assert isinstance(inner, TwilioHttpClient)
    assert 0 < inner.timeout == HTTP_TIMEOUT_SECONDS < settings.send_lease_seconds
