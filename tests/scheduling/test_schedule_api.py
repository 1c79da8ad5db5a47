"""`GET /api/v1/patients/{id}/schedule` and the milestones API."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import auth_headers, make_clinic, make_patient


@pytest.fixture
def clinic(db):
    return make_clinic(db)


@pytest.fixture
def api(client, db, clinic):
    client.headers.update(auth_headers(db, clinic))
    return client


def test_schedule_shows_steps_with_utc_and_local_times(api, db, clinic):
    patient = make_patient(db, clinic, program="msc")
    created = api.post(
        f"/api/v1/patients/{patient.id}/milestones",
        json={"kind": "treatment", "date": "2026-04-01"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["date"] == "2026-04-01"
    items = api.get(f"/api/v1/patients/{patient.id}/schedule").json()["items"]
    first = items[0]
    assert set(first) >= {"id", "step", "anchor", "due_at", "due_at_local", "status"}
    assert first["step"] == "msc_day1"
    assert first["due_at"] == "2026-04-02T14:00:00Z"
    assert first["due_at_local"] == "2026-04-02T10:00:00-04:00"
    assert first["anchor"]["kind"] == "treatment" and first["status"] == "planned"
    assert db.get(type(patient), patient.id).procedure_date == date(2026, 4, 1)


def test_moving_a_milestone_replans_only_its_steps(api, db, clinic):
    patient = make_patient(db, clinic, program="ahsct")
    base = f"/api/v1/patients/{patient.id}/milestones"
    infusion = api.post(base, json={"kind": "infusion", "date": "2026-04-01"}).json()
    api.post(base, json={"kind": "discharge", "date": "2026-04-20"})
    moved = api.patch(f"{base}/{infusion['id']}", json={"date": "2026-04-08"})
    assert moved.status_code == 200, moved.text
    items = api.get(f"/api/v1/patients/{patient.id}/schedule").json()["items"]
    discharge = [i for i in items if i["anchor"]["kind"] == "discharge"]
    assert [i["status"] for i in discharge] == ["planned"]
    day1 = [i for i in items if i["step"] == "ahsct_day1"]
    assert {(i["status"], i["due_at"][:10]) for i in day1} == {
        ("cancelled", "2026-04-02"),
        ("planned", "2026-04-09"),
    }
    assert db.get(type(patient), patient.id).procedure_date == date(2026, 4, 8)


def test_deleting_a_milestone_cancels_its_unsent_steps(api, db, clinic):
    patient = make_patient(db, clinic, program="ahsct")
    base = f"/api/v1/patients/{patient.id}/milestones"
    discharge = api.post(base, json={"kind": "discharge", "at": "2026-04-20T15:00:00"}).json()
    assert discharge["all_day"] is False
    assert api.delete(f"{base}/{discharge['id']}").status_code == 204
    items = api.get(f"/api/v1/patients/{patient.id}/schedule").json()["items"]
    assert {i["status"] for i in items} == {"cancelled"}
    assert api.delete(f"{base}/{discharge['id']}").status_code == 204  # harmless twice


def test_milestone_input_errors(api, db, clinic):
    patient = make_patient(db, clinic, program="msc")
    base = f"/api/v1/patients/{patient.id}/milestones"
    assert api.post(base, json={"kind": "infusion", "date": "2026-04-01"}).status_code == 422
    assert api.post(base, json={"kind": "treatment"}).status_code == 422
    both = {"kind": "treatment", "date": "2026-04-01", "at": "2026-04-01T10:00:00Z"}
    assert api.post(base, json=both).status_code == 422
    assert api.post(base, json={"kind": "treatment", "date": "2026-04-01"}).status_code == 201
    again = api.post(base, json={"kind": "treatment", "date": "2026-05-01"})
    assert again.status_code == 409
    assert api.patch(f"{base}/999999", json={"date": "2026-04-02"}).status_code == 404


def test_another_clinics_patient_is_not_found(api, db):
    other = make_patient(db, make_clinic(db, name="Lakeside Clinic"), phone="+16175550123")
    assert api.get(f"/api/v1/patients/{other.id}/schedule").status_code == 404
    response = api.post(
        f"/api/v1/patients/{other.id}/milestones", json={"kind": "infusion", "date": "2026-04-01"}
    )
    assert response.status_code == 404


def test_the_schedule_needs_an_api_key(client, db, clinic):
    patient = make_patient(db, clinic)
    assert client.get(f"/api/v1/patients/{patient.id}/schedule").status_code == 401


def test_moving_a_deleted_milestone_is_a_documented_conflict(api, db, clinic, client):
    patient = make_patient(db, clinic, program="msc")
    base = f"/api/v1/patients/{patient.id}/milestones"
    milestone = api.post(base, json={"kind": "treatment", "date": "2026-04-01"}).json()
    assert api.delete(f"{base}/{milestone['id']}").status_code == 204

    moved = api.patch(f"{base}/{milestone['id']}", json={"date": "2026-04-02"})

    assert moved.status_code == 409
    assert "deleted" in moved.json()["error"]["message"]
    operation = client.get("/openapi.json").json()["paths"][
        "/api/v1/patients/{patient_id}/milestones/{milestone_id}"
    ]["patch"]
    assert "409" in operation["responses"]


def _waiting(api, patient) -> list[dict]:
    items = api.get(f"/api/v1/patients/{patient.id}/schedule").json()["items"]
    return [item for item in items if item["status"] == "planned"]


def test_the_schedule_says_what_will_not_go_out_and_why_without_rewriting_it(api, db, clinic):
    patient = make_patient(db, clinic, program="ahsct")
    base = f"/api/v1/patients/{patient.id}"
    api.post(f"{base}/milestones", json={"kind": "infusion", "date": "2026-04-01"})
    planned = _waiting(api, patient)
    assert planned and all(i["will_send"] and i["hold_reason"] is None for i in planned)

    # Paused until 10 April: what falls due before then is held, the rest goes out.
    paused = api.patch(base, json={"status": "paused", "paused_until": "2026-04-10T00:00:00Z"})
    assert paused.status_code == 200, paused.text
    items = _waiting(api, patient)
    assert [i["id"] for i in items] == [i["id"] for i in planned]  # nothing rewritten
    for item in items:
        held = item["due_at"] < "2026-04-10"
        assert (item["will_send"], item["hold_reason"]) == (
            (False, "paused") if held else (True, None)
        ), item
    assert {i["will_send"] for i in items} == {True, False}

    api.patch(base, json={"status": "active"})
    assert api.post(f"{base}/opt-out", json={"source": "phone"}).status_code == 200
    items = _waiting(api, patient)
    assert [i["id"] for i in items] == [i["id"] for i in planned]
    assert {(i["status"], i["will_send"], i["hold_reason"]) for i in items} == {
        ("planned", False, "opted_out")
    }


def test_handled_messages_have_no_outlook(api, db, clinic):
    patient = make_patient(db, clinic, program="ahsct")
    base = f"/api/v1/patients/{patient.id}/milestones"
    infusion = api.post(base, json={"kind": "infusion", "date": "2026-04-01"}).json()
    api.patch(f"{base}/{infusion['id']}", json={"date": "2026-04-08"})
    items = api.get(f"/api/v1/patients/{patient.id}/schedule").json()["items"]
    cancelled = [i for i in items if i["status"] == "cancelled"]
    assert cancelled and all(i["will_send"] is None and i["hold_reason"] is None for i in cancelled)
