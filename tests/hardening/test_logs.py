"""A full conversation leaves no phone number and no message text in the logs at INFO or above.

The records are checked as the code emits them, before any masking filter, so a leak cannot
hide behind the filter; a second test shows the filter the app installs masks what slips by.
"""

from __future__ import annotations

import io
import logging
import re

import pytest
from sqlalchemy import insert

from lupus_sms.core.logging import PhoneMaskingFilter
from lupus_sms.inbound import group_commit
from lupus_sms.messaging.models import Message
from tests.factories import auth_headers, make_clinic
from tests.helpers import reply_text

PATIENT_DIGITS = "2025550187"
PATIENT = "+1" + PATIENT_DIGITS
CONVERSATION = [
    "YES",
    "HELP",
    "AHSCT",
    "MORE",
    "MORE",
    "what about the zebrafinch clinic parking",
    "I have a fever of 39.4 and chills since lunch",
    "RISKS",
    "please stop texting me",
    "START",
    "STOP",
    "START",
    "MENU",
]


def leaks(records, texts: list[str]) -> list[str]:
    found = []
    for record in records:
        if record.levelno < logging.INFO:
            continue
        rendered = record.getMessage()
        if record.exc_info:
            rendered += logging.Formatter().formatException(record.exc_info)
        digits = re.sub(r"\D", "", rendered)
        if PATIENT_DIGITS in digits or "555-0187" in rendered:
            found.append(f"phone in {record.name}: {rendered[:120]}")
        found.extend(
            f"text in {record.name}: {rendered[:120]}" for text in texts if text in rendered
        )
    return found


def test_a_full_conversation_logs_no_phone_and_no_text(client, twilio, db, caplog):
    caplog.set_level(logging.DEBUG)
    clinic = make_clinic(db)
    enrol = {"phone": "(202) 555-0187", "consent_source": "in_person", "program": "ahsct"}
    response = client.post("/api/v1/patients", json=enrol, headers=auth_headers(db, clinic))
    assert response.status_code < 300, response.text
    replies = [reply_text(twilio.sms(body, from_=PATIENT)) for body in CONVERSATION]
    assert any(replies)
    long_texts = [t for t in CONVERSATION + replies if len(t) >= 12]
    records = [r for r in caplog.records if r.name.startswith(("lupus_sms", "uvicorn", "httpx"))]
    assert records, "the conversation should have logged something"
    assert leaks(caplog.records, long_texts) == []


def test_the_app_masks_phone_numbers_in_its_log_handlers(settings):
    from lupus_sms.main import create_app

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        create_app(settings)
        assert any(isinstance(f, PhoneMaskingFilter) for f in handler.filters)
        logging.getLogger("lupus_sms.somewhere").warning("could not reach +12025550187")
    finally:
        root.removeHandler(handler)
    assert PATIENT_DIGITS not in stream.getvalue()
    assert "***87" in stream.getvalue()


@pytest.fixture
def captured_logs():
    """What a log handler of the process writes. Requested before the app exists, so the app
    finds the handler when it installs its masking, as it finds uvicorn's."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


SECRET_WORDS = "my neighbour Zebulon says the rash is back"


def test_a_failing_webhook_logs_neither_the_text_nor_the_number(captured_logs, twilio, monkeypatch):
    """The text's storage fails in the database (a broken statement carrying the body and
    the sender as parameters): the traceback is logged, without either."""

    def broken_storage(db, *, sms, settings, clock):
        row = {"direction": None, "phone": sms.from_number, "body": sms.body, "status": "x"}
        db.execute(insert(Message).values(**row))

    def broken_batch(db, *, texts, settings, clock):
        return [broken_storage(db, sms=sms, settings=settings, clock=clock) for sms in texts]

    monkeypatch.setattr(group_commit, "process_inbound_batch", broken_batch)
    monkeypatch.setattr(group_commit, "handle_inbound", broken_storage)
    response = twilio.sms(SECRET_WORDS, from_=PATIENT)
    assert response.status_code == 500
    logged = captured_logs.getvalue()
    assert "IntegrityError" in logged and "Traceback" in logged  # still useful to an operator
    assert PATIENT_DIGITS not in logged and "555-0187" not in logged
    assert "Zebulon" not in logged and "rash" not in logged


def test_exception_text_is_masked_but_dates_survive(captured_logs, settings):
    from lupus_sms.main import create_app

    create_app(settings)
    log = logging.getLogger("lupus_sms.somewhere")
    try:
        raise ValueError("could not reach (202) 555-0187 at 2026-11-28 04")
    except ValueError:
        log.exception("tick of 2026-11-28 04 failed for +12025550187")
    logged = captured_logs.getvalue()
    assert PATIENT_DIGITS not in logged and "555-0187" not in logged
    assert logged.count("***87") >= 2
    assert logged.count("2026-11-28 04") >= 2
