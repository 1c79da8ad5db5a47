"""Group commit: texts that arrive together are stored in one transaction, each answered as
if it had come alone, and one text that fails costs only itself."""

from __future__ import annotations

import asyncio
import re
import uuid
from contextlib import nullcontext
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from lupus_sms.inbound import service as conversation_service
from lupus_sms.inbound.group_commit import handle_inbound_batch
from lupus_sms.inbound.service import InboundResult, InboundSms
from lupus_sms.messaging.models import Message
from tests.conftest import PUBLIC_BASE_URL, TEST_AUTH_TOKEN

SENDERS = [f"+1617555{1000 + index:04d}" for index in range(24)]


def signed_form(body: str, *, from_: str, sid: str | None = None) -> tuple[bytes, dict]:
    params = {
        "MessageSid": sid or f"SM{uuid.uuid4().hex}",
        "AccountSid": "AC" + "0" * 32,
        "From": from_,
        "To": "+12025550100",
        "Body": body,
    }
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(
        PUBLIC_BASE_URL + "/twilio/sms", params
    )
    headers = {
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return urlencode(params).encode(), headers


async def post_all(app, forms: list[tuple[bytes, dict]]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await asyncio.gather(
            *(client.post("/twilio/sms", content=body, headers=headers) for body, headers in forms)
        )


def batch_sizes(client) -> tuple[float, float]:
    """(texts, batches) from the group-commit histogram of GET /metrics."""
    text = client.get("/metrics").text
    total = re.search(r"^lupus_sms_inbound_batch_texts_sum (\S+)$", text, re.M)
    count = re.search(r"^lupus_sms_inbound_batch_texts_count (\S+)$", text, re.M)
    return float(total.group(1)), float(count.group(1))


def stored_inbound(db, phones: list[str]) -> int:
    return db.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.direction == "inbound", Message.phone.in_(phones))
    )


def test_concurrent_texts_are_each_stored_and_answered_in_shared_batches(app, client, db):
    texts_before, batches_before = batch_sizes(client)
    forms = [signed_form("RISKS", from_=phone) for phone in SENDERS]

    responses = asyncio.run(post_all(app, forms))

    assert [response.status_code for response in responses] == [200] * len(SENDERS)
    assert all("Stem-cell treatments are strong" in r.text for r in responses)
    assert stored_inbound(db, SENDERS) == len(SENDERS)
    replies = db.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.direction == "outbound", Message.phone.in_(SENDERS))
    )
    assert replies == len(SENDERS)
    texts, batches = batch_sizes(client)
    assert texts - texts_before == len(SENDERS)
    assert batches - batches_before < len(SENDERS)  # some texts shared a transaction


async def post_staggered(app, forms: list[tuple[bytes, dict]]) -> list[httpx.Response]:
    """Each request sent one loop turn after the one before, as requests read from their
    sockets one after another reach the app."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

        async def after(turns: int, body: bytes, headers: dict) -> httpx.Response:
            for _ in range(turns):
                await asyncio.sleep(0)
            return await client.post("/twilio/sms", content=body, headers=headers)

        return await asyncio.gather(
            *(after(turn, body, headers) for turn, (body, headers) in enumerate(forms))
        )


def test_texts_arriving_a_loop_turn_apart_share_a_batch(app, client, db):
    """The first text does not leave alone: the writer waits the few loop turns the texts
    already arrived take to reach it (one batch each would pay six transactions)."""
    texts_before, batches_before = batch_sizes(client)
    forms = [signed_form("RISKS", from_=phone) for phone in SENDERS[:6]]

    responses = asyncio.run(post_staggered(app, forms))

    assert [response.status_code for response in responses] == [200] * 6
    texts, batches = batch_sizes(client)
    assert texts - texts_before == 6
    assert batches - batches_before <= 2


def test_the_same_message_sid_twice_in_one_batch_is_stored_once(app, db):
    sid = f"SM{uuid.uuid4().hex}"
    forms = [signed_form("MSC", from_=SENDERS[0], sid=sid) for _ in range(3)]

    responses = asyncio.run(post_all(app, forms))

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert len({response.text for response in responses}) == 1  # the same answer each time
    assert db.scalar(select(func.count()).where(Message.twilio_sid == sid)) == 1


def test_texts_from_one_number_in_one_batch_page_in_order(db, settings, clock):
    """MORE after a keyword in the same batch sends the second part, as it would alone."""
    texts = [
        InboundSms(f"SM{uuid.uuid4().hex}", SENDERS[1], "+12025550100", body)
        for body in ("RISKS", "MORE", "MORE")
    ]

    results = handle_inbound_batch(
        lambda: nullcontext(db), texts=texts, settings=settings, clock=clock
    )

    bodies = [result.reply_body for result in results]
    assert "(1/3)" in bodies[0] and "(2/3)" in bodies[1]
    assert "Talk to your care team" in bodies[2]


@pytest.fixture
def failing_text(monkeypatch):
    """A handler that breaks on one text, as a bug would."""

    def explode(context):
        if context.normalised == "EXPLODE":
            raise RuntimeError("a bug in a handler")
        return None

    order = [("explode", explode), *conversation_service.INBOUND_ORDER]
    monkeypatch.setattr(conversation_service, "INBOUND_ORDER", order)


def test_one_failing_text_costs_only_itself(db, settings, clock, failing_text):
    phones = SENDERS[2:6]
    texts = [
        InboundSms(f"SM{uuid.uuid4().hex}", phone, "+12025550100", body)
        for phone, body in zip(phones, ("LUPUS", "EXPLODE", "MSC", "MENU"), strict=True)
    ]

    results = handle_inbound_batch(
        lambda: nullcontext(db), texts=texts, settings=settings, clock=clock
    )

    assert isinstance(results[1], RuntimeError)
    answered = [results[index] for index in (0, 2, 3)]
    assert all(isinstance(r, InboundResult) and r.reply_body for r in answered)
    assert stored_inbound(db, phones) == 3  # the failed one is not stored: Twilio gets a 500
    assert stored_inbound(db, [phones[1]]) == 0


def test_a_failing_text_in_a_concurrent_burst_gets_a_clean_500(app, db, failing_text):
    forms = [signed_form("LUPUS", from_=phone) for phone in SENDERS[6:12]]
    forms.insert(3, signed_form("EXPLODE", from_=SENDERS[12]))

    responses = asyncio.run(post_all(app, forms))

    statuses = [response.status_code for response in responses]
    assert statuses == [200, 200, 200, 500, 200, 200, 200]
    assert "Traceback" not in responses[3].text
    assert stored_inbound(db, SENDERS[6:12]) == 6
