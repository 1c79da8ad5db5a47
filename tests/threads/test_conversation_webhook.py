"""The clinic's alert webhook hears of its conversations: each new patient text in an open
conversation (`conversation.message`), and one left unanswered, again every
`conversation_renotify_minutes` the clinic set (`conversation.waiting`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from lupus_sms.alerts.clinic_webhook import DELIVERY_HEADER, SIGNATURE_HEADER, verify_signature
from lupus_sms.alerts.models import AlertNotification
from lupus_sms.messaging.transport import FakeTransport
from lupus_sms.scheduling.tick import run_tick
from tests.alerts.conftest import WEBHOOK_SECRET, WEBHOOK_URL, ClinicReceiver
from tests.factories import auth_headers, make_clinic
from tests.threads.conftest import CLINIC_NUMBER, PATIENT_PHONE
from tests.transports import set_webhook_transport, steps, use_transport


@pytest.fixture
def clinic(db):
    return make_clinic(
        db,
        sender=CLINIC_NUMBER,
        alert_webhook_url=WEBHOOK_URL,
        alert_webhook_secret=WEBHOOK_SECRET,
        alert_sms_to_urgent_phone=True,  # red flags are texted: conversations are not
    )


@pytest.fixture
def receiver() -> Iterator[ClinicReceiver]:
    clinic_side = ClinicReceiver()
    set_webhook_transport(httpx.MockTransport(clinic_side))
    yield clinic_side
    set_webhook_transport(None)


@pytest.fixture
def sms() -> Iterator[FakeTransport]:
    with use_transport(FakeTransport()) as transport:
        yield transport


@pytest.fixture
def tick(db, receiver, sms):
    """One scheduler tick, as the worker runs it, on the test's connection."""
    factory = sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )

    def run(now: datetime) -> dict[str, int]:
        db.flush()
        handled = run_tick(factory, now, steps())
        db.expire_all()
        return handled

    return run


@pytest.fixture
def api(client, db, clinic):
    client.headers.update(auth_headers(db, clinic))
    return client


def _start_conversation(api, patient) -> int:
    response = api.post(f"/api/v1/patients/{patient.id}/messages", json={"body": "Hello Ana"})
    assert response.status_code == 201, response.text
    return response.json()["conversation_id"]


def _patient_texts(twilio, body: str) -> None:
    twilio.sms(body, from_=PATIENT_PHONE, to=CLINIC_NUMBER)


def _documents(receiver: ClinicReceiver, event: str) -> list[dict]:
    found = [json.loads(request.content) for request in receiver.requests]
    return [document for document in found if document["event"] == event]


def test_a_patient_text_in_a_conversation_reaches_the_webhook_signed(
    api, twilio, tick, receiver, sms, patient, clock
):
    conversation = _start_conversation(api, patient)
    _patient_texts(twilio, "Is parking validated on Friday?")
    tick(clock.now())
    [request] = [r for r in receiver.requests
                 if json.loads(r.content)["event"] == "conversation.message"]  # fmt: skip
    assert verify_signature(
        WEBHOOK_SECRET, request.headers[SIGNATURE_HEADER], request.content, now=clock.now()
    )
    assert request.headers[DELIVERY_HEADER]
    document = json.loads(request.content)
    assert document["conversation"]["id"] == conversation
    assert document["conversation"]["patient_id"] == patient.id
    assert document["conversation"]["unread"] == 1 and document["conversation"]["status"] == "open"
    message = document["message"]
    assert message["text"] == "Is parking validated on Friday?"
    assert datetime.fromisoformat(message["received_at"]) == clock.now()
    patient_texts = api.get(f"/api/v1/patients/{patient.id}/messages").json()["items"]
    assert message["id"] == next(m["id"] for m in patient_texts if m["direction"] == "inbound")
    assert "2025550123" not in request.content.decode()  # never the phone number
    # A routine question texts nobody: only the staff message itself went out.
    assert [text.to for text in sms.sent] == [PATIENT_PHONE]


def test_a_delivery_that_fails_is_retried_like_an_alerts(
    api, twilio, tick, receiver, patient, clock
):
    _start_conversation(api, patient)
    receiver.answers = [503]
    _patient_texts(twilio, "Can I come in earlier?")
    tick(clock.now())
    tick(clock.now() + timedelta(seconds=10))  # not due yet
    tick(clock.now() + timedelta(minutes=5))
    assert len(_documents(receiver, "conversation.message")) == 2
    assert len({r.headers[DELIVERY_HEADER] for r in receiver.requests}) == 1  # one delivery


def test_a_clinic_without_a_webhook_gets_nothing_queued(db, client, twilio, patient, clinic):
    clinic.alert_webhook_url = clinic.alert_webhook_secret = None
    db.commit()
    client.headers.update(auth_headers(db, clinic))
    _start_conversation(client, patient)
    _patient_texts(twilio, "Thanks!")
    assert db.scalar(select(func.count()).select_from(AlertNotification)) == 0


def test_an_unanswered_conversation_is_notified_again_after_the_clinics_minutes(
    api, twilio, tick, receiver, patient, clock
):
    settings = {"conversation_renotify_minutes": 15}
    assert api.patch("/api/v1/clinic/conversation-settings", json=settings).status_code == 200
    conversation = _start_conversation(api, patient)
    start = clock.now()
    _patient_texts(twilio, "When is my next infusion?")
    tick(start + timedelta(minutes=14))
    assert _documents(receiver, "conversation.waiting") == []
    tick(start + timedelta(minutes=15))
    tick(start + timedelta(minutes=15))  # a second worker at the same moment: no repeat
    tick(start + timedelta(minutes=29))
    [reminder] = _documents(receiver, "conversation.waiting")
    assert reminder["conversation"]["id"] == conversation
    assert reminder["conversation"]["notify_count"] == 1 and "message" not in reminder
    assert datetime.fromisoformat(reminder["conversation"]["waiting_since"]) == start
    tick(start + timedelta(minutes=30))
    assert len(_documents(receiver, "conversation.waiting")) == 2


def test_an_answer_or_closing_ends_the_reminders(api, twilio, tick, receiver, patient, clock):
    conversation = _start_conversation(api, patient)
    start = clock.now()
    _patient_texts(twilio, "Question about my labs")
    clock.at = start + timedelta(minutes=10)
    _start_conversation(api, patient)  # answered
    tick(start + timedelta(hours=3))
    _patient_texts(twilio, "One more thing")  # waiting again, from now
    api.post(f"/api/v1/conversations/{conversation}/close")
    tick(start + timedelta(hours=6))
    assert _documents(receiver, "conversation.waiting") == []
    assert len(_documents(receiver, "conversation.message")) == 2


def test_an_unenrolled_patients_conversation_is_not_reminded_of(
    api, twilio, tick, receiver, patient, clock
):
    _start_conversation(api, patient)
    start = clock.now()
    _patient_texts(twilio, "Question about my labs")
    assert api.delete(f"/api/v1/patients/{patient.id}").status_code == 204
    tick(start + timedelta(hours=3))
    tick(start + timedelta(hours=6))
    assert _documents(receiver, "conversation.waiting") == []


def test_a_reminder_still_retried_is_dropped_once_someone_answers(
    api, twilio, tick, receiver, patient, clock
):
    api.patch("/api/v1/clinic/conversation-settings", json={"conversation_renotify_minutes": 5})
    _start_conversation(api, patient)
    start = clock.now()
    _patient_texts(twilio, "Do I fast before the blood test?")
    receiver.answers = [503, 503, 503]  # the clinic's receiver is down
    tick(start)  # conversation.message: refused
    tick(start + timedelta(minutes=5))  # conversation.waiting: refused; the message retried
    clock.at = start + timedelta(minutes=6)
    _start_conversation(api, patient)  # answered
    tick(start + timedelta(hours=1))
    delivered = [json.loads(r.content)["event"] for r in receiver.requests]
    assert delivered.count("conversation.waiting") == 1  # the refused one, never again
    assert delivered[-1] == "conversation.message"  # the new text is still told
