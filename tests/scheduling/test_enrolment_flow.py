"""From enrolment to the first reminder, through the public interfaces only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lupus_sms.core.config import Settings
from lupus_sms.core.migrations import upgrade
from tests.factories import auth_headers, make_clinic
from tests.scheduling.support import utc


def test_invitation_consent_and_the_first_reminder(client, db, clock, tick, fake_transport, twilio):
    clinic = make_clinic(db, name="Riverside Lupus Clinic")
    client.headers.update(auth_headers(db, clinic))
    enrolled = client.post(
        "/api/v1/patients",
        json={
            "phone": "(202) 555-0123",
            "consent_source": "in_person",
            "program": "ahsct",
            "name": "Maria Lopez",
            "procedure_date": "2026-03-20",
        },
    )
    assert enrolled.status_code == 201, enrolled.text
    patient_id = enrolled.json()["id"]
    schedule = client.get(f"/api/v1/patients/{patient_id}/schedule").json()["items"]
    assert schedule == []  # nothing is planned before the patient says YES
    tick(clock.now())
    assert len(fake_transport.sent) == 1  # the invitation
    twilio.sms("YES")
    schedule = client.get(f"/api/v1/patients/{patient_id}/schedule").json()["items"]
    day1 = next(item for item in schedule if item["step"] == "ahsct_day1")
    assert day1["due_at_local"] == "2026-03-21T10:00:00-04:00"
    tick(utc(2026, 3, 21, 14, 0))
    assert "Hi Maria" in fake_transport.sent[-1].body
    assert "38.0 C" in fake_transport.sent[-1].body
    schedule = client.get(f"/api/v1/patients/{patient_id}/schedule").json()["items"]
    assert next(i for i in schedule if i["step"] == "ahsct_day1")["status"] == "sent"


def test_serve_starts_the_in_process_scheduler_with_one_job(cli_env):
    from lupus_sms.main import create_app

    upgrade(cli_env["DATABASE_URL"])
    settings = Settings(
        _env_file=None,
        database_url=cli_env["DATABASE_URL"],
        in_process_scheduler=True,
        tick_seconds=3600,
    )
    app = create_app(settings)
    with TestClient(app):
        assert app.state.scheduler_running is True
    no_scheduler = create_app(Settings(_env_file=None, in_process_scheduler=False))
    with TestClient(no_scheduler):
        assert no_scheduler.state.scheduler_running is False
