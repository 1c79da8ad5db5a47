"""Telling the clinic: signed webhooks with retries, re-notification, on-call SMS, silence."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import httpx
from sqlalchemy import select

from lupus_sms.alerts.clinic_webhook import verify_signature
from lupus_sms.alerts.models import Alert, AlertNotification
from lupus_sms.messaging.models import Message
from tests.alerts.conftest import PATIENT_PHONE, WEBHOOK_SECRET, WEBHOOK_URL, send_checkin
from tests.factories import make_patient
from tests.transports import set_webhook_transport


def _alerts(db, **filters) -> list[Alert]:
    db.expire_all()
    return list(db.scalars(select(Alert).filter_by(**filters).order_by(Alert.id)))


def _on_call_texts(db) -> list[Message]:
    return list(db.scalars(select(Message).where(Message.kind == "alert").order_by(Message.id)))


def test_webhook_is_signed_so_the_clinic_can_verify_it(twilio, db, patient, tick, receiver, clock):
    twilio.sms("fever 38.9", from_=PATIENT_PHONE)
    tick(clock.now())
    [request] = receiver.requests
    assert request.headers["host"] + request.url.path == WEBHOOK_URL.removeprefix("https://")
    # The receiver's side: recompute the HMAC over the raw body with the shared secret.
    header = request.headers["X-Lupus-Signature"]
    parts = dict(item.split("=", 1) for item in header.split(","))
    signed = f"{parts['t']}.".encode() + request.content
    expected = hmac.new(WEBHOOK_SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert verify_signature(WEBHOOK_SECRET, header, request.content, now=clock.now())
    assert not verify_signature("wrong-secret", header, request.content, now=clock.now())
    tampered = request.content.replace(b"38.9", b"37.9")
    assert not verify_signature(WEBHOOK_SECRET, header, tampered, now=clock.now())
    late = clock.now() + timedelta(hours=1)
    assert not verify_signature(WEBHOOK_SECRET, header, request.content, now=late)
    body = json.loads(request.content)
    assert body["event"] == "alert.opened"
    assert body["alert"]["kind"] == "red_flag" and body["alert"]["patient_id"] == patient.id
    assert body["alert"]["text"] == "fever 38.9"


def test_failing_webhook_is_retried_with_backoff_until_2xx(
    twilio, db, patient, tick, receiver, clock
):
    receiver.answers = [500, 503]
    twilio.sms("chills", from_=PATIENT_PHONE)
    start = clock.now()
    tick(start)
    assert len(receiver.requests) == 1
    tick(start + timedelta(seconds=10))  # not due yet: the first wait is 30 s
    assert len(receiver.requests) == 1
    tick(start + timedelta(seconds=31))
    assert len(receiver.requests) == 2
    tick(start + timedelta(seconds=31 + 61))  # the second wait is 60 s
    assert len(receiver.requests) == 3
    db.expire_all()
    [notification] = db.scalars(select(AlertNotification)).all()
    assert (notification.status, notification.attempts) == ("delivered", 3)
    assert notification.last_status_code == 200
    tick(start + timedelta(minutes=5))
    assert len(receiver.requests) == 3  # delivered once, never again
    headers = {r.headers["X-Lupus-Delivery"] for r in receiver.requests}
    assert len(headers) == 1  # the receiver can tell retries of one delivery apart


def test_network_errors_are_retried_too(twilio, db, patient, tick, receiver, clock):
    calls = []

    def broken_then_fine(request):
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(204)

    set_webhook_transport(httpx.MockTransport(broken_then_fine))
    twilio.sms("chest pain", from_=PATIENT_PHONE)
    tick(clock.now())
    tick(clock.now() + timedelta(seconds=30))
    db.expire_all()
    notification = db.scalars(select(AlertNotification)).one()
    assert (len(calls), notification.status) == (2, "delivered")


def test_unacknowledged_red_flag_is_renotified_until_acknowledged(
    twilio, client, db, patient, tick, receiver, clock, headers
):
    twilio.sms("fainted", from_=PATIENT_PHONE)
    start = clock.now()
    tick(start)
    tick(start + timedelta(minutes=29))
    assert receiver.events() == ["alert.opened"]
    tick(start + timedelta(minutes=30))
    assert receiver.events() == ["alert.opened", "alert.reminder"]
    assert len(_on_call_texts(db)) == 2  # the on-call phone is texted again too
    alert = _alerts(db)[0]
    assert alert.notify_count == 2
    clock.at = start + timedelta(minutes=40)
    acked = client.post(
        f"/api/v1/alerts/{alert.id}/acknowledge", json={"by": "Nurse Kim"}, headers=headers
    )
    assert acked.status_code == 200
    tick(start + timedelta(hours=3))
    assert receiver.events() == ["alert.opened", "alert.reminder"]


def test_on_call_sms_goes_out_at_night(twilio, db, patient, tick, clock, sms_transport):
    clock.at = clock.at.replace(hour=7)  # 2 AM in New York
    twilio.sms("can't keep fluids down", from_=PATIENT_PHONE)
    tick(clock.now())
    assert [sms.to for sms in sms_transport.sent] == ["+16175550199"]
    assert "ALERT" in sms_transport.sent[0].body and "vomiting" in sms_transport.sent[0].body


def test_on_call_sms_number_takes_the_red_flag_text_instead_of_the_urgent_line(
    twilio, db, clinic, tick, clock, sms_transport
):
    clinic.oncall_sms_number = "+16175550142"
    make_patient(db, clinic, phone=PATIENT_PHONE)
    twilio.sms("bleeding", from_=PATIENT_PHONE)
    tick(clock.now())
    assert [sms.to for sms in sms_transport.sent] == ["+16175550142"]


def test_clinic_without_webhook_or_on_call_sms_still_gets_the_alert(
    twilio, db, clinic, tick, clock, receiver
):
    clinic.alert_webhook_url = None
    clinic.alert_sms_to_urgent_phone = False
    make_patient(db, clinic, phone=PATIENT_PHONE)
    twilio.sms("bleeding", from_=PATIENT_PHONE)
    tick(clock.now())
    assert len(_alerts(db)) == 1
    assert receiver.requests == [] and _on_call_texts(db) == []


def test_silence_after_two_checkins_raises_no_response_once(twilio, db, patient, tick, clock):
    start = clock.now()
    send_checkin(db, patient, at=start - timedelta(days=2))
    send_checkin(db, patient, at=start - timedelta(days=1, hours=1))
    tick(start)
    tick(start + timedelta(hours=1))
    [alert] = _alerts(db)
    assert (alert.kind, alert.priority, alert.patient_id) == ("no_response", "low", patient.id)
    assert alert.text is None


def test_one_unanswered_checkin_is_not_yet_silence(db, patient, tick, clock):
    send_checkin(db, patient, at=clock.now() - timedelta(days=1, hours=1))
    tick(clock.now())
    assert _alerts(db) == []


def test_an_answered_checkin_breaks_the_silence(twilio, db, patient, tick, clock):
    start = clock.now()
    send_checkin(db, patient, at=start - timedelta(days=2))
    clock.at = start - timedelta(days=2) + timedelta(hours=1)
    twilio.sms("1", from_=PATIENT_PHONE)
    send_checkin(db, patient, at=start - timedelta(days=1, hours=1))
    tick(start)
    assert _alerts(db) == []


def test_paused_or_opted_out_patients_never_raise_no_response(twilio, db, patient, tick, clock):
    start = clock.now()
    send_checkin(db, patient, at=start - timedelta(days=2))
    send_checkin(db, patient, at=start - timedelta(days=1, hours=1))
    patient.status = "paused"
    tick(start)
    assert _alerts(db) == []
    patient.status = "opted_out"
    tick(start + timedelta(hours=1))
    assert _alerts(db) == []


def test_review_items_expire_but_red_flags_do_not(twilio, db, patient, tick, clock):
    twilio.sms("when is my next appointment?", from_=PATIENT_PHONE)
    twilio.sms("fever", from_=PATIENT_PHONE)
    tick(clock.now() + timedelta(days=15))
    assert {a.kind: a.status for a in _alerts(db)} == {
        "needs_review": "expired",
        "red_flag": "open",
    }


def test_questions_still_queued_do_not_count_as_unanswered(db, patient, tick, clock):
    start = clock.now()
    send_checkin(db, patient, at=start - timedelta(days=2))
    queued = send_checkin(db, patient, at=start - timedelta(days=1, hours=1))
    queued.status, queued.sent_at = "queued", None
    queued.next_attempt_at = start + timedelta(days=30)  # held back, not sent by this tick
    tick(start)
    assert _alerts(db) == []


def test_acknowledging_stops_pending_webhook_retries(
    twilio, client, db, patient, tick, receiver, clock, headers
):
    receiver.answers = [500] * 10
    twilio.sms("bleeding", from_=PATIENT_PHONE)
    tick(clock.now())
    alert = _alerts(db)[0]
    client.post(f"/api/v1/alerts/{alert.id}/acknowledge", json={"by": "RN"}, headers=headers)
    tick(clock.now() + timedelta(minutes=10))
    assert len(receiver.requests) == 1
    db.expire_all()
    assert db.scalars(select(AlertNotification)).one().status == "cancelled"
