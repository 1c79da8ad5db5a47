"""Appointments: booking in UTC or the patient's local time, rescheduling, cancelling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lupus_sms.enrollment.models import Anchor
from tests.enrollment.conftest import enrol


@pytest.fixture
def patient(api):
    return enrol(api, timezone="America/Los_Angeles")


def _url(patient, suffix=""):
    return f"/api/v1/patients/{patient['id']}/appointments{suffix}"


def test_book_with_offset(api, patient):
    response = api.post(
        _url(patient),
        json={"starts_at": "2026-04-02T09:30:00-04:00", "kind": "consultation",
              "location": "Building B, 3rd floor"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "starts_at", "kind", "location", "status"}
    assert body["starts_at"] == "2026-04-02T13:30:00Z"
    assert body["status"] == "scheduled"


def test_local_time_is_the_patients_zone(api, patient):
    body = api.post(_url(patient), json={"starts_at": "2026-04-02T09:30", "kind": "follow-up"})
    assert body.json()["starts_at"] == "2026-04-02T16:30:00Z"  # PDT is UTC-7


@pytest.mark.parametrize("starts_at", ["2026-03-10T14:59:00Z", "2025-01-01T10:00:00", "2026-03-10"])
def test_past_appointments_are_422(api, patient, starts_at):
    response = api.post(_url(patient), json={"starts_at": starts_at, "kind": "evaluation"})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    "body",
    [
        {"starts_at": "soon", "kind": "evaluation"},
        {"starts_at": "2026-05-01T10:00:00Z", "kind": "surgery"},
        {"kind": "evaluation"},
        {"starts_at": "9999-12-31T23:59:59-23:59", "kind": "evaluation"},
    ],
)
def test_bad_appointments_are_422(api, patient, body):
    assert api.post(_url(patient), json=body).status_code == 422


def test_reschedule_bumps_revision_and_cancel(api, db, patient):
    created = api.post(
        _url(patient), json={"starts_at": "2026-05-01T10:00:00Z", "kind": "procedure"}
    ).json()
    moved = api.patch(
        _url(patient, f"/{created['id']}"), json={"starts_at": "2026-05-03T10:00:00Z"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["starts_at"] == "2026-05-03T10:00:00Z"
    anchor = db.get(Anchor, created["id"])
    assert anchor.revision == 2 and anchor.at == datetime(2026, 5, 3, 10, tzinfo=UTC)
    assert (
        api.patch(
            _url(patient, f"/{created['id']}"), json={"starts_at": "2026-03-01T10:00:00Z"}
        ).status_code
        == 422
    )
    assert api.delete(_url(patient, f"/{created['id']}")).status_code == 204
    assert api.get(_url(patient, f"/{created['id']}")).json()["status"] == "cancelled"
    assert api.delete(_url(patient, f"/{created['id']}")).status_code == 204
    assert (
        api.patch(_url(patient, f"/{created['id']}"), json={"kind": "evaluation"}).status_code
        == 409
    )
    listed = api.get(_url(patient)).json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]


def test_milestones_are_not_appointments(api, db):
    patient = enrol(api, procedure_date="2026-05-01")
    milestone = db.scalar(select(Anchor).where(Anchor.patient_id == patient["id"]))
    assert api.get(_url(patient, f"/{milestone.id}")).status_code == 404
    assert api.get(_url(patient)).json()["items"] == []


def test_the_same_appointment_twice_is_refused_naming_the_first(api, patient, db):
    booking = {"starts_at": "2026-04-02T09:30", "kind": "consultation"}
    first = api.post(_url(patient), json=booking)
    assert first.status_code == 201, first.text
    again = api.post(_url(patient), json=booking | {"location": "Building B"})
    assert again.status_code == 409, again.text
    error = again.json()["error"]
    assert error["code"] == "conflict" and f"appointment {first.json()['id']}" in error["message"]
    other_kind = api.post(_url(patient), json=booking | {"kind": "follow-up"})
    assert other_kind.status_code == 201, other_kind.text
    api.delete(_url(patient, f"/{first.json()['id']}"))
    assert api.post(_url(patient), json=booking).status_code == 201  # the first was cancelled


def test_a_booking_seconds_apart_or_a_move_onto_another_is_the_same_appointment(api, patient):
    booking = {"starts_at": "2026-04-02T09:30", "kind": "consultation"}
    first = api.post(_url(patient), json=booking)
    assert first.status_code == 201, first.text
    for seconds_later in ("2026-04-02T09:30:30", "2026-04-02T09:30:00.5"):
        again = api.post(_url(patient), json=booking | {"starts_at": seconds_later})
        assert again.status_code == 409, (seconds_later, again.text)
    later = api.post(_url(patient), json=booking | {"starts_at": "2026-04-02T11:00"})
    assert later.status_code == 201, later.text
    onto_first = api.patch(_url(patient, f"/{later.json()['id']}"), json=booking)
    assert onto_first.status_code == 409, onto_first.text
    assert f"appointment {first.json()['id']}" in onto_first.json()["error"]["message"]
    kept = api.patch(_url(patient, f"/{first.json()['id']}"), json={"location": "Building B"})
    assert kept.status_code == 200, kept.text  # changing a booking is no duplicate of itself
