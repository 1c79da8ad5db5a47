"""A queued text whose reason is gone by the time the worker gets to it is cancelled, not sent:
an invitation the patient already answered or whose enrolment ended, a reminder whose
appointment moved."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lupus_sms.messaging.models import Message
from lupus_sms.scheduling.models import PlannedMessage
from tests.factories import auth_headers, make_clinic, make_patient
from tests.scheduling.support import add_anchor, move_anchor, queue_text, reload, utc

NOON_NY = utc(2026, 3, 10, 16, 0)  # 12:00 in New York, the clock of the app's requests


def _enrol(client, headers, phone: str) -> int:
    body = {"phone": phone, "consent_source": "in_person", "program": "ahsct"}
    response = client.post("/api/v1/patients", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _invitations(db) -> list[Message]:
    db.expire_all()
    return list(db.scalars(select(Message).where(Message.kind == "consent_invitation")))


def test_invitations_answered_before_the_worker_ran_are_cancelled_not_sent(
    client, db, twilio, tick, fake_transport
):
    headers = auth_headers(db, make_clinic(db))
    phones = [f"+1202555{index:04d}" for index in range(120, 150)]
    for phone in phones:
        _enrol(client, headers, phone)
        twilio.sms("YES", from_=phone)
    tick(NOON_NY)
    assert fake_transport.sent == []
    assert {(m.status, m.status_reason) for m in _invitations(db)} == {
        ("cancelled", "consent_answered")
    }


def test_an_invitation_whose_enrolment_ended_is_cancelled(client, db, tick, fake_transport):
    headers = auth_headers(db, make_clinic(db))
    ended = _enrol(client, headers, "+12025550131")
    erased = _enrol(client, headers, "+12025550132")
    waiting = _enrol(client, headers, "+12025550133")
    assert client.delete(f"/api/v1/patients/{ended}", headers=headers).status_code == 204
    url = f"/api/v1/patients/{erased}?erase=true"
    assert client.delete(url, headers=headers).status_code == 204
    tick(NOON_NY)
    assert [sms.to for sms in fake_transport.sent] == ["+12025550133"]
    outcome = {m.patient_id: (m.status, m.status_reason) for m in _invitations(db)}
    assert outcome == {
        ended: ("cancelled", "enrolment_ended"),
        erased: ("cancelled", "enrolment_ended"),
        waiting: ("sent", None),
    }


def test_a_reminder_whose_appointment_moved_after_it_was_queued_is_cancelled(
    db, tick, fake_transport
):
    patient = make_patient(db, make_clinic(db))
    anchor = add_anchor(db, patient, kind="infusion", at=NOON_NY + timedelta(days=3), now=NOON_NY)
    planned = db.scalars(select(PlannedMessage).where(PlannedMessage.patient_id == patient.id))
    row = next(iter(planned))
    row.status = "queued"
    queued = queue_text(db, now=NOON_NY, patient_id=patient.id, planned_message_id=row.id)
    move_anchor(db, anchor, at=NOON_NY + timedelta(days=5), now=NOON_NY)
    tick(NOON_NY)
    assert queued.body not in [sms.body for sms in fake_transport.sent]
    cancelled = reload(db, queued)
    assert (cancelled.status, cancelled.status_reason) == ("cancelled", "rescheduled")
    assert reload(db, row).status == "cancelled"
