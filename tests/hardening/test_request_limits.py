"""Oversized and malformed requests: 413 before the body is read, 422 for missing fields."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func, select

from lupus_sms.core.body_limit import WEBHOOK_MAX_BYTES
from lupus_sms.messaging.models import Message
from tests.helpers import reply_text


def message_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Message))


def big_form() -> bytes:
    fields = {"MessageSid": "SMbig", "From": "+12025550123", "Body": "x" * WEBHOOK_MAX_BYTES}
    return urlencode(fields).encode()


def chunks(data: bytes, size: int = 4096):
    for start in range(0, len(data), size):
        yield data[start : start + size]


FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_oversized_webhook_with_content_length_gets_413(client, db):
    response = client.post("/twilio/sms", content=big_form(), headers=FORM)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert message_count(db) == 0


def test_oversized_chunked_webhook_gets_413(client, db):
    response = client.post("/twilio/sms", content=chunks(big_form()), headers=FORM)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert message_count(db) == 0


def test_oversized_api_body_gets_413_before_authentication(client, settings):
    body = b"{" + b" " * settings.max_request_body_bytes + b"}"
    headers = {"content-type": "application/json"}
    assert client.post("/api/v1/patients", content=body, headers=headers).status_code == 413
    chunked = client.post("/api/v1/patients", content=chunks(body, 1 << 20), headers=headers)
    assert chunked.status_code == 413


def test_small_chunked_webhook_is_accepted(twilio, client):
    data = {"MessageSid": "SMchunk", "From": "+12025550123", "Body": "MENU"}
    signature = twilio.validator.compute_signature("https://sms.example.test/twilio/sms", data)
    headers = FORM | {"X-Twilio-Signature": signature}
    response = client.post(
        "/twilio/sms", content=chunks(urlencode(data).encode(), 8), headers=headers
    )
    assert reply_text(response)


def test_missing_required_fields_get_422(twilio, db):
    assert twilio.post("/twilio/sms", {"From": "+12025550123", "Body": "hi"}).status_code == 422
    assert twilio.post("/twilio/sms", {"MessageSid": "SMx", "Body": "hi"}).status_code == 422
    assert (
        twilio.post("/twilio/sms", {"MessageSid": " ", "From": "+12025550123"}).status_code == 422
    )
    assert twilio.post("/twilio/sms", {"MessageSid": "S" * 65, "From": "x"}).status_code == 422
    assert message_count(db) == 0


def test_nul_bytes_and_odd_fields_are_stored_cleanly(twilio, db):
    response = twilio.sms("ME\x00NU", from_="+1202555\x000123", OptOutType="x" * 500)
    assert response.status_code == 200
    stored = db.scalar(select(Message).where(Message.direction == "inbound"))
    assert stored.body == "MENU" and stored.phone == "+12025550123"


def test_body_that_is_not_utf8_gets_400(twilio, client):
    response = client.post("/twilio/sms", content=b"Body=\xff\xfe", headers=FORM)
    assert response.status_code == 400
