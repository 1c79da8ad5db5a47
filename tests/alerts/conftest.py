"""Alert tests: a clinic with a patient, an open check-in, a recording clinic webhook, a tick."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.messaging.models import Message
from lupus_sms.messaging.transport import FakeTransport
from lupus_sms.scheduling.tick import run_tick
from tests.factories import auth_headers, make_clinic, make_patient
from tests.transports import set_webhook_transport, steps, use_transport

PATIENT_PHONE = "+12025550123"
WEBHOOK_URL = "https://clinic.example.test/lupus-alerts"
WEBHOOK_SECRET = "whsec-riverside-0123456789"


class ClinicReceiver:
    """The clinic's webhook endpoint: records every request, answers from a script."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: list[int] = []  # status codes to give, in order; then 200

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.answers.pop(0) if self.answers else 200
        return httpx.Response(status, json={"ok": 200 <= status < 300})

    def events(self) -> list[str]:
        return [json.loads(r.content)["event"] for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[ClinicReceiver]:
    clinic_side = ClinicReceiver()
    set_webhook_transport(httpx.MockTransport(clinic_side))
    yield clinic_side
    set_webhook_transport(None)


@pytest.fixture
def sms_transport() -> Iterator[FakeTransport]:
    with use_transport(FakeTransport()) as transport:
        yield transport


@pytest.fixture
def session_factory(db: Session) -> sessionmaker[Session]:
    """Sessions on the test's connection: their commits are savepoints of the test."""
    return sessionmaker(
        bind=db.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def tick(db: Session, session_factory, receiver, sms_transport) -> Callable[[datetime], dict]:
    def run(now: datetime) -> dict[str, int]:
        db.flush()
        handled = run_tick(session_factory, now, steps())
        db.expire_all()
        return handled

    return run


@pytest.fixture
def clinic(db):
    return make_clinic(
        db,
        alert_webhook_url=WEBHOOK_URL,
        alert_webhook_secret=WEBHOOK_SECRET,
        alert_sms_to_urgent_phone=True,
    )


@pytest.fixture
def patient(db, clinic):
    return make_patient(db, clinic, phone=PATIENT_PHONE, name="Maria Lopez")


@pytest.fixture
def headers(db, clinic) -> dict[str, str]:
    return auth_headers(db, clinic)


def send_checkin(db, patient, *, key: str = "symptoms", at: datetime) -> Message:
    """A check-in question as the dispatcher leaves it: sent, with its checkin_key."""
    message = Message(
        direction="outbound",
        phone=PATIENT_PHONE,
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        kind="checkin",
        checkin_key=key,
        body="How are you today?",
        status="sent",
        sent_at=at,
        created_at=at,
    )
    db.add(message)
    db.flush()
    return message
