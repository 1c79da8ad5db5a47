"""Dates far outside any treatment (year 1, year 9999) are refused with a clear message,
never a 500 from date arithmetic overflowing. The portal's forms:
tests/portal/test_portal_crafted_input.py."""

from __future__ import annotations

import pytest

from tests.factories import auth_headers, make_clinic, make_patient

FAR_DAYS = ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01"]
FAR_TIMES = ["9999-12-31T23:59:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-12:00"]


@pytest.fixture
def clinic(db):
    return make_clinic(db)


@pytest.fixture
def api(client, db, clinic):
    client.headers.update(auth_headers(db, clinic))
    return client


@pytest.fixture
def patient(db, clinic):
    return make_patient(db, clinic)


def _refused(response, field: str) -> str:
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert field in message and "between" in message, message
    return message


@pytest.mark.parametrize("day", FAR_DAYS)
def test_a_far_procedure_date_is_a_422_at_enrolment_and_on_patch(api, patient, day):
    body = {"phone": "(202) 555-0188", "consent_source": "in_person", "program": "ahsct"}
    created = api.post("/api/v1/patients", json=body | {"procedure_date": day})
    message = _refused(created, "procedure_date")
    assert "1900-01-01" in message and "2100-12-31" in message
    patched = api.patch(f"/api/v1/patients/{patient.id}", json={"procedure_date": day})
    _refused(patched, "procedure_date")


def test_a_procedure_date_long_past_is_still_accepted(api, patient):
    patched = api.patch(f"/api/v1/patients/{patient.id}", json={"procedure_date": "2001-05-04"})
    assert patched.status_code == 200, patched.text


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2050-01-01"])
def test_a_far_milestone_day_is_a_422(api, patient, day):
    created = api.post(
        f"/api/v1/patients/{patient.id}/milestones", json={"kind": "infusion", "date": day}
    )
    _refused(created, "date")


@pytest.mark.parametrize("at", FAR_TIMES)
def test_a_far_milestone_time_is_a_422_on_create_and_move(api, patient, at):
    url = f"/api/v1/patients/{patient.id}/milestones"
    _refused(api.post(url, json={"kind": "infusion", "at": at}), "at")
    milestone = api.post(url, json={"kind": "infusion", "date": "2026-03-20"})
    assert milestone.status_code == 201, milestone.text
    _refused(api.patch(f"{url}/{milestone.json()['id']}", json={"at": at}), "at")


@pytest.mark.parametrize("starts_at", [*FAR_TIMES, "2040-01-01T10:00:00"])
def test_a_far_appointment_is_a_422_on_create_and_move(api, patient, starts_at):
    url = f"/api/v1/patients/{patient.id}/appointments"
    _refused(api.post(url, json={"starts_at": starts_at, "kind": "consultation"}), "starts_at")
    booked = api.post(url, json={"starts_at": "2026-03-20T10:00:00", "kind": "consultation"})
    assert booked.status_code == 201, booked.text
    _refused(api.patch(f"{url}/{booked.json()['id']}", json={"starts_at": starts_at}), "starts_at")


@pytest.mark.parametrize("until", ["9999-12-31T23:59:00+00:00", "0001-01-01T00:00:00+14:00"])
def test_a_far_pause_end_is_a_422(api, patient, until):
    patched = api.patch(
        f"/api/v1/patients/{patient.id}", json={"status": "paused", "paused_until": until}
    )
    _refused(patched, "paused_until")


def test_a_far_procedure_date_in_a_csv_import_is_that_rows_error(api):
    csv = (
        "phone,consent_source,program,procedure_date\n"
        "(202) 555-0141,in_person,ahsct,9999-12-31\n"
        "(202) 555-0142,in_person,ahsct,2026-04-01\n"
    )
    response = api.post("/api/v1/patients/import", files={"file": ("p.csv", csv, "text/csv")})
    assert response.status_code == 200, response.text
    failed, created = response.json()["rows"]
    assert failed["result"] == "error" and "2100-12-31" in failed["error"]
    assert created["result"] == "created"
