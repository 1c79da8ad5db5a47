"""`POST /twilio/sms` answers exactly as the FastAPI route it stands in front of: status,
headers, body, metrics and log lines, request for request. Each request goes to the app
without the fast path (inbound/router.py answering), then, from the same database state, to
the app with it."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from lupus_sms.content.service import reset_content_cache, use_database_content, use_yaml_content
from lupus_sms.core.clock import get_clock
from lupus_sms.core.config import get_settings
from lupus_sms.core.db import get_db, get_sign_in_db, make_engine
from lupus_sms.inbound import degraded
from lupus_sms.inbound.fast_path import InboundFastPath
from lupus_sms.inbound.service import InboundResult
from lupus_sms.inbound.twiml import twiml_reply
from lupus_sms.metrics import INBOUND, WEBHOOK_SECONDS
from tests.conftest import PUBLIC_BASE_URL, TEST_AUTH_TOKEN

PATIENT = "+12025550177"
FORM = {"content-type": "application/x-www-form-urlencoded"}
ODD = "Tom & Jerry <b>\"quoted\"</b> 'single' 😀"
SIGNER = RequestValidator(TEST_AUTH_TOKEN)


def text(body: str = "MENU", sid: str = "SMfast0001", **extra: str) -> dict[str, str]:
    return {"MessageSid": sid, "From": PATIENT, "To": "+12025550100", "Body": body, **extra}


def signed(data: dict[str, str], query: str = "") -> dict:
    url = PUBLIC_BASE_URL + "/twilio/sms" + (f"?{query}" if query else "")
    signature = SIGNER.compute_signature(url, data)
    return {"data": data, "headers": {"X-Twilio-Signature": signature}}


def chunks(data: bytes, size: int = 4096):
    for start in range(0, len(data), size):
        yield data[start : start + size]


BIG = urlencode(text(body="x" * 70_000)).encode()
CASES = {
    "valid": [signed(text())],
    "valid with a query string": [{**signed(text(), "a=1&b=%C3%A9"), "params": "a=1&b=%C3%A9"}],
    "unsigned": [{"data": text()}],
    "wrongly signed": [{"data": text(), "headers": {"X-Twilio-Signature": "A" * 28}}],
    "signed for another address": [{**signed(text()), "params": "x=1"}],
    "a host with a port": [
        {**signed(text()), "headers": {**signed(text())["headers"], "host": "h.test:8443"}}
    ],
    "an IPv6 host": [
        {**signed(text()), "headers": {**signed(text())["headers"], "host": "[::1]:80"}}
    ],
    "a host Starlette refuses": [
        {**signed(text()), "headers": {**signed(text())["headers"], "host": "a?b"}}
    ],
    "oversized": [{"content": BIG, "headers": FORM}],
    "oversized chunked": [{"headers": FORM}],
    "small chunked": [{"headers": {**FORM, **signed(text())["headers"]}}],
    "missing field": [signed({"MessageSid": "SMfast0002", "Body": "hi"})],
    "sid too long": [signed(text(sid="SM" + "9" * 70))],
    "not UTF-8": [{"content": b"Body=\xff\xfe", "headers": FORM}],
    "odd characters": [signed(text(body=ODD))],
    "odd characters and a NUL": [signed(text(body="a\x00b & <c>"))],
    "duplicate MessageSid": [signed(text()), signed(text())],
    "stop": [signed(text(body="STOP", OptOutType="STOP"))],
    "another method": [{"method": "GET"}],
}

STATUSES = {
    "valid": [200],
    "valid with a query string": [200],
    "unsigned": [403],
    "wrongly signed": [403],
    "signed for another address": [403],
    "a host with a port": [200],
    "an IPv6 host": [200],
    "a host Starlette refuses": [200],
    "oversized": [413],
    "oversized chunked": [413],
    "small chunked": [200],
    "missing field": [422],
    "sid too long": [422],
    "not UTF-8": [400],
    "odd characters": [200],
    "odd characters and a NUL": [200],
    "duplicate MessageSid": [200, 200],
    "stop": [200],
    "another method": [405],
}


def build(app_with_fast_path: bool, db: Session, clock, settings):
    from lupus_sms.main import create_app

    application = create_app(settings)
    if not app_with_fast_path:  # the documented route answers, as before the fast path
        application.user_middleware = [
            m for m in application.user_middleware if m.cls is not InboundFastPath
        ]
    application.dependency_overrides[get_db] = lambda: db
    application.dependency_overrides[get_sign_in_db] = lambda: db
    application.dependency_overrides[get_clock] = lambda: clock
    application.dependency_overrides[get_settings] = lambda: settings
    return application


@contextmanager
def undone(db: Session) -> Iterator[None]:
    """The requests' changes rolled back afterwards (commits inside are savepoints)."""
    db.commit()
    marker = db.get_bind().begin_nested()
    try:
        yield
    finally:
        db.rollback()
        db.expunge_all()
        marker.rollback()


def counters() -> dict:
    samples = [s for metric in INBOUND.collect() for s in metric.samples]
    samples += [s for metric in WEBHOOK_SECONDS.collect() for s in metric.samples]
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for s in samples
        if s.name.endswith(("_total", "_count"))
    }


def answers(application, requests: list[dict], db, settings, caplog) -> list:
    seen = []
    with undone(db), TestClient(application, raise_server_exceptions=False) as client:
        for request in requests:
            request = dict(request)
            method = request.pop("method", "POST")
            before = counters()
            caplog.clear()
            response = client.request(method, "/twilio/sms", **request)
            after = counters()
            moved = {key: after[key] - before.get(key, 0) for key in after}
            logs = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
            headers = [(k, v) for k, v in response.headers.items() if k not in ("date", "server")]
            # Message ids come from a sequence that a rollback does not rewind on PostgreSQL.
            body = re.sub(rb"message_id=\d+", b"message_id=N", response.content)
            seen.append((response.status_code, headers, body, moved, logs))
    shutil.rmtree(settings.spool_dir, ignore_errors=True)
    return seen


@pytest.fixture
def both(db, clock, settings):
    reset_content_cache()
    apps = build(False, db, clock, settings), build(True, db, clock, settings)
    # Live content is read through the test's own session (another connection would block).
    use_database_content(lambda: nullcontext(db))
    yield apps
    use_yaml_content()


@pytest.mark.parametrize("case", CASES)
def test_fast_path_answers_as_the_route(case, both, db, settings, caplog):
    caplog.set_level(logging.INFO)
    route, fast = both
    expected = answers(route, _fresh(case), db, settings, caplog)
    assert [status for status, *_ in expected] == STATUSES[case]
    got = answers(fast, _fresh(case), db, settings, caplog)
    for a, b in zip(got, expected, strict=True):
        for x, y in zip(a, b, strict=True):
            assert x == y


def _fresh(case: str) -> list[dict]:
    """The case's requests, with its chunked bodies as new generators."""
    requests = []
    for request in CASES[case]:
        request = dict(request)
        if case == "oversized chunked":
            request["content"] = chunks(BIG)
        elif case == "small chunked":
            request["content"] = chunks(urlencode(text()).encode(), 8)
        requests.append(request)
    return requests


@pytest.fixture
def database_down(both, database_url, tmp_path):
    if database_url.startswith("sqlite"):
        broken = make_engine(f"sqlite:///{tmp_path}/no-such-folder/lupus.db")
    else:
        broken = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nowhere")

    def broken_session() -> Iterator[Session]:
        with Session(broken) as session:
            yield session

    for application in both:
        application.dependency_overrides[get_db] = broken_session
    yield
    broken.dispose()


@pytest.mark.parametrize("body", ["MENU", "I want to kill myself", "STOP", ODD])
def test_fast_path_spools_as_the_route(
    body, both, database_down, db, settings, caplog, monkeypatch
):
    monkeypatch.setattr(degraded, "RECEIVED_TEXT", f"Got it: {ODD}")  # odd characters replied
    route, fast = both
    requests = [signed(text(body=body)), signed(text(body=body))]
    expected = answers(route, requests, db, settings, caplog)
    assert expected[0][0] == 200
    assert answers(fast, requests, db, settings, caplog) == expected


def sdk_twiml_reply(result: InboundResult, settings) -> str:
    """The same answer built with the SDK's MessagingResponse, as the route once did."""
    response = MessagingResponse()
    if result.reply_body and result.reply_message_id is None:
        response.message(result.reply_body)
    elif result.reply_body:
        action = settings.link(f"/twilio/status?message_id={result.reply_message_id}")
        response.message(result.reply_body, action=action, method="POST")
    return str(response)


@pytest.mark.parametrize(
    "result",
    [
        InboundResult(None, None),
        InboundResult("", 3),
        InboundResult("Hello", None),
        InboundResult(ODD + "\n\ttab\r", None),
        InboundResult(ODD + "\n\ttab\r]]>", 12345),
    ],
)
@pytest.mark.parametrize("base", [PUBLIC_BASE_URL, "https://h.test/a&b<c>\"d'\te"])
def test_twiml_is_the_sdks(result, base, settings):
    settings.public_base_url = base
    assert twiml_reply(result, settings) == sdk_twiml_reply(result, settings)
