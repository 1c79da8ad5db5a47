"""Crafted input in the portal (paged views' positions, far dates) is a 4xx page, never a 500."""

from __future__ import annotations

import pytest

from lupus_sms.enrollment.models import Anchor
from tests.factories import make_clinic, make_patient


@pytest.mark.parametrize(
    "before",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "2026-03-10T15:00:00",
        "not a time",
        "2026-03-10T15:00:00+99:00",
    ],
)
def test_a_crafted_timeline_position_in_the_portal_is_a_4xx(db, portal_client, before):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic)
    nurse = portal_client(clinic, "nurse")
    response = nurse.get(f"/portal/patients/{patient.id}", params={"before": before})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("after", ["0", "-1", str(2**40), "abc", "1.5"])
def test_a_crafted_patient_list_position_in_the_portal_is_a_4xx(db, portal_client, after):
    nurse = portal_client(make_clinic(db), "nurse")
    response = nurse.get("/portal/patients", params={"after": after})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_far_dates_in_the_portal_are_a_form_error(db, portal_client, day):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic)
    coordinator = portal_client(clinic, "coordinator")
    page = f"/portal/patients/{patient.id}"
    milestone = coordinator.post(f"{page}/milestones", {"kind": "infusion", "day": day}, page=page)
    assert milestone.status_code == 422 and "between" in milestone.text
    visit = {"starts_on": day, "starts_time": "10:00", "kind": "consultation"}
    appointment = coordinator.post(f"{page}/appointments", visit, page=page)
    assert appointment.status_code == 422 and "between" in appointment.text
    pause = coordinator.post(f"{page}/pause", {"until": day}, page=page)
    assert pause.status_code == 422 and "between" in pause.text
    enrol = coordinator.post(
        "/portal/patients/new",
        {"phone": "(202) 555-0177", "program": "ahsct", "consent_source": "in_person",
         "procedure_date": day},
        page="/portal/patients/new",
    )  # fmt: skip
    assert enrol.status_code == 422 and "between" in enrol.text
    assert db.query(Anchor).filter_by(patient_id=patient.id).count() == 0


def test_a_far_move_preview_in_the_portal_is_a_form_error(db, portal_client):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic)
    coordinator = portal_client(clinic, "coordinator")
    page = f"/portal/patients/{patient.id}"
    visit = {"starts_on": "2026-03-20", "starts_time": "10:00", "kind": "consultation"}
    assert coordinator.post(f"{page}/appointments", visit, page=page).status_code == 303
    anchor = db.query(Anchor).filter_by(patient_id=patient.id).one()
    preview = coordinator.get(f"{page}/appointments/{anchor.id}/move?starts_at=9999-12-31T23:59")
    assert preview.status_code == 422 and "between" in preview.text


@pytest.mark.parametrize("control", ["\x00", "\x08"])
def test_control_characters_in_portal_forms_are_a_422_page(db, portal_client, control):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic)
    admin = portal_client(clinic, "clinic_admin")
    enrol = {"phone": "(202) 555-0171", "program": "ahsct", "consent_source": "in_person"}
    refused = admin.post(
        "/portal/patients/new", enrol | {"name": f"Ana{control}"}, page="/portal/patients/new"
    )
    assert refused.status_code == 422 and "name: control characters" in refused.text
    page = f"/portal/patients/{patient.id}"
    visit = {"starts_on": "2026-03-20", "starts_time": "10:00", "kind": "consultation"}
    refused = admin.post(f"{page}/appointments", visit | {"location": f"Room{control}"}, page=page)
    assert refused.status_code == 422 and "location: control characters" in refused.text
    refused = admin.post("/portal/keys", {"label": f"EHR{control}"}, page="/portal/keys")
    assert refused.status_code == 422 and "label: control characters" in refused.text
    search = admin.get("/portal/patients", params={"q": f"Ana{control}"})
    assert search.status_code == 422 and "q: control characters" in search.text
    assert db.query(Anchor).filter_by(patient_id=patient.id).count() == 0


def test_a_nul_in_a_console_sign_in_is_a_422_page(new_browser):
    portal = new_browser()
    response = portal.login("nurse\x00@example.org")
    assert response.status_code == 422 and "email: control characters" in response.text


def test_control_characters_in_admin_forms_are_a_422_page(db, admin_browser):
    from lupus_sms.clinics.models import Clinic
    from lupus_sms.users.models import User

    owner = admin_browser()
    clinic = {"office_phone": "+16175550100", "urgent_phone": "+16175550199"}
    refused = owner.post("/admin/clinics", clinic | {"name": "Riverside\x00"})
    assert refused.status_code == 422 and "name: control characters" in refused.text
    refused = owner.post("/admin/users", {"email": "new\x00@example.org", "role": "editor"})
    assert refused.status_code == 422 and "email: control characters" in refused.text
    assert db.query(Clinic).count() == 0
    assert db.query(User).filter(User.email.contains("new")).count() == 0


def test_an_appointment_in_a_daylight_saving_gap_is_refused_in_the_portal(db, portal_client):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic)
    coordinator = portal_client(clinic, "coordinator")
    page = f"/portal/patients/{patient.id}"
    visit = {"starts_on": "2027-03-14", "starts_time": "2:30", "kind": "consultation"}
    refused = coordinator.post(f"{page}/appointments", visit, page=page)
    assert refused.status_code == 422 and "does not exist" in refused.text
    assert db.query(Anchor).filter_by(patient_id=patient.id).count() == 0
