"""Error 21610 on any send means Twilio blocks the number: nothing planned is sent, the
patient view and the portal say why, and a delivery or an opt-in Twilio took ends it."""

from __future__ import annotations

from sqlalchemy import select

from lupus_sms.enrollment.models import ConsentEvent
from lupus_sms.messaging.models import Message, PhoneNumber
from lupus_sms.messaging.transport import PermanentTransportError
from tests.factories import auth_headers, make_clinic, make_patient
from tests.helpers import reply_text
from tests.scheduling.support import add_anchor, planned, queue_text, reload, utc

NOW = utc(2026, 3, 10, 15, 0)  # 11:00 in New York
PHONE = "+12025550171"


def status(twilio, message_id: int, state: str, **extra: str):
    data = {"MessageSid": f"SM{message_id:032x}", "MessageStatus": state, **extra}
    return twilio.post(f"/twilio/status?message_id={message_id}", data | {"AccountSid": "AC1"})


def enrolled(db):
    clinic = make_clinic(db)
    return clinic, make_patient(db, clinic, phone=PHONE, name="Ana Ruiz")


def test_21610_on_a_send_blocks_the_number_and_nothing_planned_goes_out(
    db, tick, fake_transport, client
):
    clinic, patient = enrolled(db)
    fake_transport.fail_with = [PermanentTransportError("unsubscribed", code="21610")]
    queue_text(db, phone=PHONE, now=NOW, patient_id=patient.id, clinic_id=clinic.id)
    tick(NOW)
    assert reload(db, patient).phone_number.carrier_blocked_at == NOW
    # The day after an infusion is due a reminder; it is skipped, not sent into a refusal.
    add_anchor(db, patient, kind="infusion", day=utc(2026, 3, 11).date(), now=NOW)
    tick(utc(2026, 3, 12, 15, 0))
    day1 = next(row for row in planned(db, patient) if row.step_key == "ahsct_day1")
    assert (day1.status, day1.status_reason) == ("skipped", "carrier_blocked")
    assert len(fake_transport.sent) == 0
    client.headers.update(auth_headers(db, clinic))
    shown = client.get(f"/api/v1/patients/{patient.id}").json()
    assert shown["status"] == "active" and shown["carrier_blocked_since"]
    event = db.scalar(select(ConsentEvent).where(ConsentEvent.kind == "carrier_blocked"))
    assert (event.source, event.patient_id) == ("twilio", patient.id)
    assert "21610" in event.note and "START" in event.note


def test_a_queued_planned_text_is_held_back_at_send_time_too(db, tick, fake_transport):
    _clinic, patient = enrolled(db)
    add_anchor(db, patient, kind="infusion", day=utc(2026, 3, 11).date(), now=NOW)
    day1 = next(row for row in planned(db, patient) if row.step_key == "ahsct_day1")
    message = queue_text(db, phone=PHONE, now=NOW, patient_id=patient.id)
    message.planned_message_id = day1.id
    patient.phone_number.carrier_blocked_at = NOW
    db.flush()
    tick(NOW)
    stored = reload(db, message)
    assert (stored.status, stored.status_reason) == ("skipped", "carrier_blocked")
    assert fake_transport.sent == []


def test_a_twiml_reply_refused_with_21610_blocks_and_a_delivery_unblocks(db, twilio):
    reply_text(twilio.sms("MENU", from_=PHONE))
    reply = db.scalar(select(Message).where(Message.direction == "outbound"))
    status(twilio, reply.id, "failed", ErrorCode="21610")
    number = reply_number(db)
    assert number.carrier_blocked_at is not None and not number.opted_out
    later = reply_text(twilio.sms("LUPUS", from_=PHONE))  # replies are still tried
    assert later
    newest = db.scalars(select(Message).where(Message.direction == "outbound")).all()[-1]
    status(twilio, newest.id, "delivered")
    assert reply_number(db).carrier_blocked_at is None


def reply_number(db):
    db.expire_all()
    return db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == PHONE))
