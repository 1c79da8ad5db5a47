"""Injection attempts in text fields: stored and returned as plain text, never executed."""

from __future__ import annotations

from sqlalchemy import func, select

from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message
from tests.factories import auth_headers, make_clinic
from tests.helpers import reply_text

SQL_ATTEMPTS = [
    "Robert'); DROP TABLE patients;--",
    "1 OR 1=1",
    "x' UNION SELECT key_hash FROM api_keys --",
]


def test_sql_in_patient_fields_is_stored_as_text(client, db):
    headers = auth_headers(db, make_clinic(db))
    for index, attempt in enumerate(SQL_ATTEMPTS):
        response = client.post(
            "/api/v1/patients",
            json={
                "phone": f"+1202555017{index}",
                "consent_source": "in_person",
                "program": "ahsct",
                "name": attempt,
                "external_id": attempt,
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
        patient = client.get(f"/api/v1/patients/{response.json()['id']}", headers=headers).json()
        assert patient["name"] == attempt and patient["external_id"] == attempt
    assert db.scalar(select(func.count()).select_from(Patient)) == len(SQL_ATTEMPTS)


def test_sql_in_filters_and_cursors_is_a_clear_4xx(client, db):
    headers = auth_headers(db, make_clinic(db))
    for params in (
        {"status": "active' OR '1'='1"},
        {"cursor": "1; DROP TABLE messages"},
        {"program": "ahsct'--"},
    ):
        response = client.get("/api/v1/patients", params=params, headers=headers)
        assert response.status_code == 422, params
        assert response.json()["error"]["message"]


def test_sql_and_markup_in_a_text_are_answered_and_stored_verbatim(twilio, db):
    for body in [*SQL_ATTEMPTS, "<script>alert(1)</script>", '=HYPERLINK("http://x")']:
        assert reply_text(twilio.sms(body)) != ""
    stored = db.scalars(select(Message.body).where(Message.direction == "inbound")).all()
    assert "Robert'); DROP TABLE patients;--" in stored
    assert "<script>alert(1)</script>" in stored
