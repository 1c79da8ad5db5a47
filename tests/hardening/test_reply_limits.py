"""Reply limits: auto-responder loops and floods are cut off; safety and compliance never are."""

from __future__ import annotations

from sqlalchemy import func, select

from lupus_sms.content.discreet import DISCREET, for_privacy
from lupus_sms.content.loader import load_content_dir
from lupus_sms.core.config import get_settings
from lupus_sms.messaging.models import Message, PhoneNumber
from tests.helpers import reply_text

# As a number at the default (discreet) privacy level reads it (content/discreet.py).
SHIPPED = for_privacy(load_content_dir(get_settings().content_dir), DISCREET)
LOOPER = "+12025550161"
OTHER = "+12025550162"
AUTO_REPLY = "I'm driving right now, I'll get back to you later. (Sent automatically)"


def inbound_statuses(db, phone: str) -> list[str]:
    rows = db.scalars(
        select(Message.status)
        .where(Message.phone == phone, Message.direction == "inbound")
        .order_by(Message.id)
    )
    return list(rows)


def replies_sent(db, phone: str) -> int:
    return db.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.phone == phone, Message.direction == "outbound")
    )


def test_auto_responder_loop_stops_after_the_repeat_limit(twilio, db, settings):
    answers = [reply_text(twilio.sms(AUTO_REPLY, from_=LOOPER)) for _ in range(10)]
    limit = settings.repeat_reply_limit
    assert all(answers[:limit]) and len(set(answers[:limit])) == 1
    assert answers[limit:] == [""] * (10 - limit)
    assert inbound_statuses(db, LOOPER) == ["received"] * limit + ["repeat_ignored"] * (10 - limit)
    assert replies_sent(db, LOOPER) == limit


def test_a_repeated_sid_of_a_held_back_text_stays_unanswered(twilio, db, settings):
    settings.repeat_reply_limit = 1
    twilio.sms(AUTO_REPLY, from_=LOOPER)
    assert reply_text(twilio.sms(AUTO_REPLY, from_=LOOPER, sid="SMheld1")) == ""
    assert reply_text(twilio.sms(AUTO_REPLY, from_=LOOPER, sid="SMheld1")) == ""
    assert inbound_statuses(db, LOOPER) == ["received", "repeat_ignored"]


def test_paging_with_more_is_not_a_repeat(twilio, settings):
    settings.repeat_reply_limit = 1
    topic = SHIPPED.by_key["ahsct"]
    answers = [reply_text(twilio.sms(body, from_=LOOPER)) for body in ("AHSCT", "MORE", "MORE")]
    assert answers == [SHIPPED.topic_part(topic, index) for index in range(3)]


def test_per_number_limit_holds_back_a_flood_but_not_other_numbers(twilio, db, settings):
    settings.reply_limit_per_window = 5
    flood = [f"message number {n}" for n in range(8)]
    answers = [reply_text(twilio.sms(body, from_=LOOPER)) for body in flood]
    assert [bool(a) for a in answers] == [True] * 5 + [False] * 3
    assert inbound_statuses(db, LOOPER)[5:] == ["reply_limited"] * 3
    assert reply_text(twilio.sms("MENU", from_=OTHER)) == SHIPPED.menu()


def test_the_limit_lifts_when_the_window_has_passed(twilio, clock, settings):
    settings.reply_limit_per_window = 2
    for n in range(3):
        twilio.sms(f"hello {n}", from_=LOOPER)
    assert reply_text(twilio.sms("MENU", from_=LOOPER)) == ""
    clock.advance(seconds=settings.reply_limit_window_seconds + 1)
    assert reply_text(twilio.sms("MENU", from_=LOOPER)) == SHIPPED.menu()


def test_help_and_opt_out_are_answered_whatever_the_limits(twilio, db, settings):
    settings.reply_limit_per_window = 1
    settings.repeat_reply_limit = 1
    twilio.sms("hello", from_=LOOPER)
    assert reply_text(twilio.sms("MENU", from_=LOOPER)) == ""
    for _ in range(3):
        assert reply_text(twilio.sms("HELP", from_=LOOPER)) == SHIPPED.text("help")
    confirmation = reply_text(twilio.sms("please stop texting me", from_=LOOPER))
    assert confirmation == SHIPPED.text("opt_out_confirmation")
    phone_number = db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == LOOPER))
    assert phone_number.opted_out


def test_held_back_texts_still_run_the_pipeline(twilio, db, settings):
    """A STOP after the limit is still recorded, even when it gets no reply of its own."""
    settings.reply_limit_per_window = 1
    twilio.sms("hello", from_=LOOPER)
    twilio.sms("hello again", from_=LOOPER)
    twilio.sms("STOP", from_=LOOPER)
    phone_number = db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == LOOPER))
    assert phone_number.opted_out


def test_red_flags_are_answered_whatever_the_limits(twilio, db, settings):
    settings.reply_limit_per_window = 1
    settings.repeat_reply_limit = 1
    twilio.sms("hello", from_=LOOPER)
    assert reply_text(twilio.sms("MENU", from_=LOOPER)) == ""
    first = reply_text(twilio.sms("I have a fever of 39.4 and chills", from_=LOOPER))
    again = reply_text(twilio.sms("I have a fever of 39.4 and chills", from_=LOOPER))
    assert first and first == again
    kinds = db.scalars(
        select(Message.kind).where(Message.phone == LOOPER, Message.direction == "outbound")
    ).all()
    assert kinds.count("safety") == 2
