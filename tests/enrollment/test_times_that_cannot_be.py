"""Times that cannot be true are refused, not recorded or silently moved: an opt-out given in
the future, an appointment at a local time the patient's clock skips (daylight saving)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lupus_sms.enrollment.models import Anchor
from tests.conftest import DEFAULT_NOW
from tests.factories import make_patient

SKIPPED = "2027-03-14T02:30:00"  # America/New_York jumps from 02:00 to 03:00 that night
REPEATED = "2027-11-07T01:30:00"  # ...and lives 01:00-02:00 twice in November: allowed


@pytest.fixture
def patient(db, clinic):
    return make_patient(db, clinic)  # the clinic's zone: America/New_York


def _opt_out(api, patient, occurred_at):
    body = {"source": "phone", "occurred_at": occurred_at.isoformat()}
    return api.post(f"/api/v1/patients/{patient.id}/opt-out", json=body)


def test_an_opt_out_in_the_future_is_a_422_and_changes_nothing(api, db, patient):
    refused = _opt_out(api, patient, DEFAULT_NOW + timedelta(hours=1))
    assert refused.status_code == 422, refused.text
    assert "future" in refused.json()["error"]["message"]
    db.refresh(patient)
    assert patient.status == "active" and not patient.phone_number.opted_out


def test_an_opt_out_a_few_minutes_ahead_is_clock_skew_and_accepted(api, patient):
    accepted = _opt_out(api, patient, DEFAULT_NOW + timedelta(minutes=4))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "opted_out"


def _refused_as_skipped(response) -> None:
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert "2027-03-14 02:30" in message and "does not exist" in message, message
    assert "America/New_York" in message


def test_an_appointment_in_a_daylight_saving_gap_is_a_422_not_moved(api, db, patient):
    url = f"/api/v1/patients/{patient.id}/appointments"
    _refused_as_skipped(api.post(url, json={"starts_at": SKIPPED, "kind": "consultation"}))
    assert db.query(Anchor).filter_by(patient_id=patient.id).count() == 0
    booked = api.post(url, json={"starts_at": "2027-03-14T10:00:00", "kind": "consultation"})
    assert booked.status_code == 201, booked.text
    _refused_as_skipped(api.patch(f"{url}/{booked.json()['id']}", json={"starts_at": SKIPPED}))


def test_a_repeated_hour_and_a_time_with_an_offset_are_accepted(api, patient):
    url = f"/api/v1/patients/{patient.id}/appointments"
    repeated = api.post(url, json={"starts_at": REPEATED, "kind": "consultation"})
    assert repeated.status_code == 201, repeated.text
    assert repeated.json()["starts_at"] == "2027-11-07T05:30:00Z"  # the first 01:30 (EDT)
    with_offset = api.post(url, json={"starts_at": SKIPPED + "-05:00", "kind": "consultation"})
    assert with_offset.status_code == 201, with_offset.text


def test_a_milestone_time_in_a_daylight_saving_gap_is_a_422(api, patient):
    url = f"/api/v1/patients/{patient.id}/milestones"
    _refused_as_skipped(api.post(url, json={"kind": "infusion", "at": SKIPPED}))
