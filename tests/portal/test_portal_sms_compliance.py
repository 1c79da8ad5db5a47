"""The portal shows a number Twilio blocks and why; a clinic may keep accents in first names
and sees what that costs."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.factories import make_clinic, make_patient

BLOCKED_AT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_the_patient_page_and_list_show_a_carrier_block_and_why(db, portal_client):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic, phone="+12025550172", name="Ana Ruiz")
    patient.phone_number.carrier_blocked_at = BLOCKED_AT
    db.commit()
    browser = portal_client(clinic)
    page = browser.client.get(f"/portal/patients/{patient.id}").text
    assert 'id="carrier-blocked"' in page
    assert "error 21610" in page and "Nothing planned is sent" in page and "START" in page
    assert "blocked by the carrier" in browser.client.get("/portal/patients").text


def test_an_opted_out_patient_shows_only_its_opt_out(db, portal_client):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic, phone="+12025550173", status="opted_out")
    patient.phone_number.carrier_blocked_at = BLOCKED_AT
    db.commit()
    page = portal_client(clinic).client.get(f"/portal/patients/{patient.id}").text
    assert 'id="carrier-blocked"' not in page


def test_keeping_accents_is_a_setting_with_its_cost_shown(db, portal_client):
    clinic = make_clinic(db)
    browser = portal_client(clinic, "clinic_admin")
    page = browser.client.get("/portal/settings").text
    assert 'name="keep_name_accents"' in page and "UCS-2" in page
    assert "takes up to 5 segments instead of 2" in page
    form = {
        "office_phone": clinic.office_phone,
        "urgent_phone": clinic.urgent_phone,
        "timezone": clinic.timezone,
        "send_window_start": "08:00",
        "send_window_end": "20:00",
        "keep_name_accents": "true",
        "display_name": "Riverside Health",
    }
    saved = browser.post("/portal/settings", form, page="/portal/settings")
    assert saved.status_code == 200 and "keep name accents" in saved.text
    db.refresh(clinic)
    assert clinic.keep_name_accents
