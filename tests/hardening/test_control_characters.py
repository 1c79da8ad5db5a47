"""NUL and other control characters in any text a clinic sends are a 422 naming the field,
never a 500 (PostgreSQL refuses NUL in text) and never stored. The consoles:
tests/portal/test_portal_crafted_input.py."""

from __future__ import annotations

import pytest

from lupus_sms.enrollment.models import Anchor, Patient
from tests.factories import auth_headers, make_clinic, make_patient

CONTROLS = [
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\u202e",
    "\u2028",
]  # and a bidi override, a line separator
ENROL = {"phone": "(202) 555-0161", "consent_source": "in_person", "program": "ahsct"}


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


def _refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["message"].startswith(f"{field}: control characters"), error
    assert error["details"] == [{"field": field, "message": error["message"]}]


@pytest.mark.parametrize("control", CONTROLS)
def test_control_characters_in_patient_fields_are_a_422(api, db, patient, control):
    _refused(api.post("/api/v1/patients", json=ENROL | {"name": f"Ana{control}"}), "name")
    changed = api.patch(f"/api/v1/patients/{patient.id}", json={"external_id": f"MRN{control}1"})
    _refused(changed, "external_id")
    assert db.query(Patient).filter(Patient.external_id.is_not(None)).count() == 0


def test_control_characters_in_appointments_and_opt_out_notes_are_a_422(api, db, patient):
    visit = {"starts_at": "2026-03-20T10:00:00", "kind": "consultation", "location": "Room\x001"}
    _refused(api.post(f"/api/v1/patients/{patient.id}/appointments", json=visit), "location")
    opt_out = {"source": "phone", "note": "said so on the phone\x00"}
    _refused(api.post(f"/api/v1/patients/{patient.id}/opt-out", json=opt_out), "note")
    milestone = {"kind": "infusion\x00", "date": "2026-03-20"}
    _refused(api.post(f"/api/v1/patients/{patient.id}/milestones", json=milestone), "kind")
    assert db.query(Anchor).filter_by(patient_id=patient.id).count() == 0
    assert patient.status == "active"


def test_a_control_character_in_a_field_name_or_the_query_is_a_422(api):
    _refused(api.post("/api/v1/patients", json=ENROL | {"na\x00me": "Ana"}), "body")
    _refused(api.get("/api/v1/patients", params={"status": "active\x00"}), "status")


def test_a_control_character_in_a_csv_import_is_a_422(api, db):
    csv = "phone,consent_source,program,name\n(202) 555-0162,in_person,ahsct,Ana\x00\n"
    response = api.post("/api/v1/patients/import", files={"file": ("p.csv", csv, "text/csv")})
    _refused(response, "file")
    assert db.query(Patient).count() == 0


def test_tabs_and_new_lines_in_a_note_are_kept(api, patient):
    opt_out = {"source": "phone", "note": "called:\tsaid stop\r\nno more texts"}
    response = api.post(f"/api/v1/patients/{patient.id}/opt-out", json=opt_out)
    assert response.status_code == 200, response.text
