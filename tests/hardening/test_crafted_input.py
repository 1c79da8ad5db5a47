"""Crafted input at the edges gets a 4xx or a harmless answer, never a 500: cursors of every
API list (the portal's are in tests/portal/test_portal_crafted_input.py), a sender longer
than its column, NUL in a status callback, and a status callback whose MessageSid already
belongs to another message."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from lupus_sms.messaging.models import Message
from tests.factories import auth_headers, make_clinic, make_patient

# Cursors as the API used to make them (base64 JSON), with values no page ever gives.
CRAFTED_VALUES = [2**40, 2**70, -1, 0, "abc", "1:2", "0:99999999999", "9:1", 1.5, [1], None, True]
GARBAGE = ["@@", "1; DROP TABLE messages", "=" * 8, "eyJrIjox", "a" * 200]


def crafted(value) -> str:
    raw = json.dumps({"k": value}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CURSORS = [crafted(value) for value in CRAFTED_VALUES] + GARBAGE


@pytest.fixture
def api(client, db):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic)
    client.headers.update(auth_headers(db, clinic))
    return client, clinic, patient


def list_paths(patient_id: int) -> list[str]:
    return [
        "/api/v1/patients",
        "/api/v1/patients?status=active",
        f"/api/v1/patients/{patient_id}/consent-events",
        f"/api/v1/patients/{patient_id}/messages",
        f"/api/v1/patients/{patient_id}/appointments",
        f"/api/v1/patients/{patient_id}/checkin-answers",
        f"/api/v1/patients/{patient_id}/schedule",
        "/api/v1/alerts",
        "/api/v1/alerts?status=open",
    ]


def test_a_crafted_cursor_is_a_422_on_every_api_list(api):
    client, _clinic, patient = api
    answers = {}
    for path in list_paths(patient.id):
        for cursor in CURSORS:
            response = client.get(path, params={"cursor": cursor})
            answers[(path, cursor[:20])] = response.status_code
    assert {key: code for key, code in answers.items() if code != 422} == {}


def test_cursors_are_signed_a_real_one_pages_and_an_edited_one_is_refused(api, db):
    client, clinic, _patient = api
    for index in range(3):
        make_patient(db, clinic, phone=f"+1617555{2000 + index}")
    first = client.get("/api/v1/patients", params={"limit": 2}).json()
    cursor = first["next_cursor"]
    assert client.get("/api/v1/patients", params={"limit": 2, "cursor": cursor}).status_code == 200
    edited = cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB")
    assert client.get("/api/v1/patients", params={"cursor": edited}).status_code == 422
    # A cursor is opaque: it is not the base64 JSON a client could write itself.
    assert cursor != crafted(first["items"][-1]["id"])


def test_a_sender_longer_than_its_column_is_a_422(twilio, db):
    response = twilio.sms("MENU", from_="+1" + "2" * 40)
    assert response.status_code == 422
    assert "From" in response.json()["error"]["message"]
    stored = db.scalars(select(Message).where(Message.direction == "inbound")).all()
    assert stored == []


def _outbound(db, *, sid: str | None, clock) -> Message:
    message = Message(
        direction="outbound",
        phone="+12025550123",
        kind="reply",
        body="Reply from the care team",
        status="sent",
        twilio_sid=sid,
        sent_at=clock.now() - timedelta(minutes=1),
    )
    db.add(message)
    db.commit()
    return message


def _status(twilio, message_id: int, **fields: str):
    data = {"AccountSid": "AC" + "0" * 32, **fields}
    return twilio.post(f"/twilio/status?message_id={message_id}", data)


def test_a_status_callback_with_nul_in_the_error_code_is_recorded_without_it(twilio, db, clock):
    message = _outbound(db, sid="SM" + "1" * 32, clock=clock)
    response = _status(
        twilio, message.id, MessageSid="SM" + "1" * 32, MessageStatus="undelivered",
        ErrorCode="300\x0003",
    )  # fmt: skip
    assert response.status_code == 204
    db.refresh(message)
    assert (message.status, message.error_code) == ("undelivered", "30003")


def test_a_status_callback_whose_sid_belongs_to_another_message_changes_nothing(twilio, db, clock):
    owner = _outbound(db, sid="SM" + "2" * 32, clock=clock)
    other = _outbound(db, sid=None, clock=clock)
    response = _status(twilio, other.id, MessageSid="SM" + "2" * 32, MessageStatus="delivered")
    assert response.status_code in (200, 204)
    db.refresh(owner)
    db.refresh(other)
    assert (other.twilio_sid, other.status) == (None, "sent")
    assert (owner.twilio_sid, owner.status) == ("SM" + "2" * 32, "sent")
