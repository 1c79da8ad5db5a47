"""Two web processes on one database (two apps, each with its own inbound writer, as
`serve --workers 2` runs them): a number's texts that arrive at both at once are decided one
after the other, each on the state the other left (conversation/sender.numbers_held_read)."""

from __future__ import annotations

import asyncio
import re

import httpx
from sqlalchemy import select

from lupus_sms.core.clock import get_clock
from lupus_sms.core.config import get_settings
from lupus_sms.main import create_app
from lupus_sms.messaging.models import Message
from tests.core.test_writer_on_loop import client_of, signed_text

PHONES = [f"+1617555{n:04d}" for n in range(1600, 1612)]
ALONE = "+16175551699"  # the same texts one after the other, at one process
BODY = re.compile(r"<Message[^>]*>(.*)</Message>", re.S)


def test_a_numbers_texts_at_two_processes_at_once_get_successive_pages(live, clock):
    other = create_app(live.settings)  # the second process
    other.dependency_overrides[get_settings] = lambda: live.settings
    other.dependency_overrides[get_clock] = lambda: clock

    async def send(client: httpx.AsyncClient, phone: str, body: str) -> str:
        content, headers = signed_text(body, phone)
        answer = await client.post("/twilio/sms", content=content, headers=headers)
        assert answer.status_code == 200, answer.text
        return BODY.search(answer.text).group(1)

    async def scenario() -> tuple[list[str], dict[str, list[str]]]:
        async with client_of(live) as first, client_of(type(live)(other, None, "")) as second:
            alone = [await send(first, ALONE, body) for body in ("RISKS", "MORE", "MORE")]
            await asyncio.gather(*(send(first, phone, "RISKS") for phone in PHONES))
            # Each number's next two texts at the same instant, one at each process; a number
            # after another, so that each is a race of its own.
            pairs = {}
            for phone in PHONES:
                pair = asyncio.gather(send(first, phone, "MORE"), send(second, phone, "MORE"))
                pairs[phone] = await pair
            return alone, pairs

    alone, answers = asyncio.run(scenario())

    second_and_third = sorted(alone[1:])
    assert second_and_third[0] != second_and_third[1]
    for phone, pair in answers.items():
        # In either order, but never the same page twice and none skipped.
        assert sorted(pair) == second_and_third, phone
    with live.session() as db:
        replies = db.scalars(
            select(Message.body).where(Message.phone.in_(PHONES), Message.direction == "outbound")
        ).all()
    assert len(replies) == 3 * len(PHONES)  # every text answered once
