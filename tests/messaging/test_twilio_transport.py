"""The Twilio transport with the real SDK over a stubbed HTTP client."""

from __future__ import annotations

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from lupus_sms.core.config import Settings
from lupus_sms.messaging.transport import (
    OutgoingSms,
    PermanentTransportError,
    TemporaryTransportError,
    TwilioTransport,
    UncertainTransportError,
)
from tests.factories import make_clinic, make_patient
from tests.messaging.twilio_stub import StubHttpClient, message_json
from tests.scheduling.support import queue_text, reload, utc
from tests.transports import use_transport

NOON_NY = utc(2026, 3, 10, 16, 0)


def make_transport(**overrides) -> tuple[TwilioTransport, StubHttpClient]:
    values = {
        "twilio_account_sid": "AC" + "0" * 32,
        "twilio_auth_token": "token",
        "twilio_from_number": "+12025550100",
        "sms_transport": "twilio",
    }
    settings = Settings(_env_file=None, **(values | overrides))
    stub = StubHttpClient()
    return TwilioTransport.from_settings(settings, http_client=stub), stub


def sms(**overrides) -> OutgoingSms:
    values = {
        "to": "+12025550123",
        "body": "Hello from the care team",
        "sender": None,
        "status_callback": "https://sms.example.test/twilio/status?message_id=7",
        "validity_seconds": 3600,
    }
    return OutgoingSms(**(values | overrides))


def test_a_send_posts_the_real_twilio_parameters():
    transport, stub = make_transport()
    result = transport.send(sms())
    request = stub.requests[-1]
    assert request["method"] == "POST"
    assert request["uri"].endswith("/Accounts/AC" + "0" * 32 + "/Messages.json")
    assert request["data"]["To"] == "+12025550123"
    assert request["data"]["From"] == "+12025550100"
    assert request["data"]["StatusCallback"].endswith("/twilio/status?message_id=7")
    assert request["data"]["ValidityPeriod"] == 3600
    assert result.sid.startswith("SM") and result.status == "queued"


def test_a_messaging_service_sid_is_used_instead_of_from():
    transport, stub = make_transport(twilio_messaging_service_sid="MG" + "1" * 32)
    transport.send(sms())
    assert stub.last_data["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in stub.last_data


def test_429_is_temporary_and_keeps_retry_after():
    transport, stub = make_transport()
    stub.fail(429, 20429, "Too Many Requests", headers={"Retry-After": "30"})
    with pytest.raises(TemporaryTransportError) as raised:
        transport.send(sms())
    assert raised.value.retry_after == 30
    assert raised.value.code == "20429"


@pytest.mark.parametrize(
    ("status", "code"), [(500, 20500), (503, 20503), (400, 30001), (400, 63018)]
)
def test_server_errors_and_queue_or_rate_codes_are_temporary(status, code):
    transport, stub = make_transport()
    stub.fail(status, code)
    with pytest.raises(TemporaryTransportError):
        transport.send(sms())


@pytest.mark.parametrize("code", [21610, 21211, 21614])
def test_recipient_errors_are_permanent(code):
    transport, stub = make_transport()
    stub.fail(400, code)
    with pytest.raises(PermanentTransportError) as raised:
        transport.send(sms())
    assert raised.value.code == str(code)


def test_a_refused_connection_is_temporary():
    transport, stub = make_transport()
    reason = NewConnectionError(None, "Connection refused")
    stub.responses.append(requests.ConnectionError(MaxRetryError(None, "/", reason)))
    with pytest.raises(TemporaryTransportError):
        transport.send(sms())


@pytest.mark.parametrize(
    "error", [requests.ConnectionError("connection reset"), requests.ReadTimeout("read")]
)
def test_a_call_cut_off_after_connecting_has_an_unknown_outcome(error):
    transport, stub = make_transport()
    stub.responses.append(error)
    with pytest.raises(UncertainTransportError):
        transport.send(sms())


def test_validity_period_is_clamped_to_twilios_range():
    transport, stub = make_transport()
    transport.send(sms(validity_seconds=90_000))
    assert stub.last_data["ValidityPeriod"] == 36000


def test_find_sent_lists_messages_to_the_number_since_the_claim():
    transport, stub = make_transport()
    transport.send(sms())  # still queued at Twilio: no DateSent yet
    older = message_json("SM" + "e" * 32, to="+12025550123", body="An older text")
    older["date_created"] = "Tue, 10 Mar 2026 15:00:00 +0000"
    stub.listed.append(older)

    found = transport.find_sent(to="+12025550123", since=NOON_NY)

    query = stub.requests[-1]["params"]
    assert query["To"] == "+12025550123"
    assert not any(name.startswith("DateSent") for name in query)  # would hide queued sends
    assert [item.body for item in found] == ["Hello from the care team"]


def test_dispatch_over_twilio_marks_an_invalid_number_undeliverable(db, tick):

    transport, stub = make_transport()
    patient = make_patient(db, make_clinic(db))
    message = queue_text(db, now=NOON_NY, patient_id=patient.id)
    stub.fail(400, 21211, "The 'To' number is not a valid phone number.")
    with use_transport(transport):
        tick(NOON_NY)
    failed = reload(db, message)
    assert (failed.status, failed.error_code) == ("failed", "21211")
    assert reload(db, patient).status == "undeliverable"


def test_dispatch_over_twilio_records_the_sid(db, tick):

    transport, stub = make_transport()
    message = queue_text(db, now=NOON_NY)
    with use_transport(transport):
        tick(NOON_NY)
    assert reload(db, message).twilio_sid == stub.listed[0]["sid"]
