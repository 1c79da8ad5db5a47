"""`POST /twilio/status`: signed, idempotent, never backwards."""

from __future__ import annotations

from lupus_sms.scheduling.dispatch import record_sent
from tests.scheduling.support import queue_text, reload, utc

NOON_NY = utc(2026, 3, 10, 16, 0)


def status(twilio, message_id: int | None, sid: str, state: str, **extra: str):
    path = "/twilio/status" + (f"?message_id={message_id}" if message_id else "")
    data = {"MessageSid": sid, "MessageStatus": state, "AccountSid": "AC" + "0" * 32, **extra}
    return twilio.post(path, data)


def sent_message(db, tick, _transport):
    message = queue_text(db, now=NOON_NY)
    tick(NOON_NY)
    return reload(db, message)


def test_delivered_then_a_late_sent_stays_delivered(db, tick, fake_transport, twilio):
    message = sent_message(db, tick, fake_transport)
    sid = message.twilio_sid
    assert status(twilio, message.id, sid, "delivered").status_code == 204
    assert status(twilio, message.id, sid, "sent").status_code == 204
    assert status(twilio, None, sid, "queued").status_code == 204
    assert reload(db, message).status == "delivered"


def test_the_same_callback_twice_is_harmless(db, tick, fake_transport, twilio):
    message = sent_message(db, tick, fake_transport)
    for _ in range(2):
        status(twilio, None, message.twilio_sid, "undelivered", ErrorCode="30003")
    stored = reload(db, message)
    assert (stored.status, stored.error_code) == ("undelivered", "30003")


def test_a_callback_before_the_send_call_returned(db, twilio):
    message = queue_text(db, now=NOON_NY)
    message.status = "sending"  # claimed; the transport call has not returned yet
    db.flush()
    status(twilio, message.id, "SM" + "a" * 32, "delivered")
    record_sent(db, message_id=message.id, sid="SM" + "a" * 32, now=NOON_NY)
    stored = reload(db, message)
    assert (stored.status, stored.twilio_sid) == ("delivered", "SM" + "a" * 32)


def test_validity_expiry_30036_is_recorded_as_expired(db, tick, fake_transport, twilio):
    message = sent_message(db, tick, fake_transport)
    status(twilio, message.id, message.twilio_sid, "failed", ErrorCode="30036")
    stored = reload(db, message)
    assert (stored.status, stored.error_code) == ("expired", "30036")


def test_a_reply_sent_as_twiml_is_tracked_by_its_id(db, twilio):
    response = twilio.sms("MENU")
    assert response.status_code == 200
    reply_id = int(response.text.split("message_id=")[1].split('"')[0])
    status(twilio, reply_id, "SM" + "b" * 32, "delivered")
    from lupus_sms.messaging.models import Message

    db.expire_all()
    assert db.get(Message, reply_id).status == "delivered"


def test_an_unsigned_callback_is_refused(db, tick, fake_transport, twilio):
    message = sent_message(db, tick, fake_transport)
    path = f"/twilio/status?message_id={message.id}"
    data = {"MessageSid": message.twilio_sid, "MessageStatus": "failed"}
    assert twilio.post(path, data, signature="bogus").status_code == 403
    assert reload(db, message).status == "sent"


def test_an_unknown_message_is_ignored(twilio):
    assert status(twilio, None, "SM" + "c" * 32, "delivered").status_code == 204
    assert status(twilio, 999999, "SM" + "c" * 32, "delivered").status_code == 204
