"""What a coordinator or nurse needs in the portal: what will not go out and why, the number
to call, the clinic named on an invitation, 24-hour send-window fields."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lupus_sms.audit.models import AuditEntry
from lupus_sms.enrollment.models import Anchor
from lupus_sms.scheduling.models import PlannedMessage
from tests.conftest import DEFAULT_NOW
from tests.factories import make_clinic, make_patient

PHONE = "+16175550142"


@pytest.fixture
def clinic(db):
    return make_clinic(db)


def _with_plan(db, patient, *days: int) -> None:
    anchor = Anchor(patient_id=patient.id, category="milestone", kind="infusion",
                    at=DEFAULT_NOW + timedelta(days=20), created_at=DEFAULT_NOW)  # fmt: skip
    db.add(anchor)
    db.flush()
    for day in days:
        due_at = DEFAULT_NOW + timedelta(days=day)
        db.add(PlannedMessage(patient_id=patient.id, step_key=f"day_{day}", anchor_id=anchor.id,
                              due_at=due_at, status="planned"))  # fmt: skip
    db.commit()


def test_the_patient_page_shows_what_will_not_go_out_and_why(portal_client, clinic, db):
    nurse = portal_client(clinic, "nurse")
    patient = make_patient(db, clinic, phone=PHONE, name="Ada Moreno")
    _with_plan(db, patient, 2, 9)
    page = f"/portal/patients/{patient.id}"
    assert "not going out" not in nurse.get(page).text

    patient.status, patient.paused_until = "paused", DEFAULT_NOW + timedelta(days=5)
    db.commit()
    paused = nurse.get(page).text
    assert "1 of these will not go out: reminders are paused until" in paused
    assert paused.count("not going out: paused") == 1  # day 2 is held, day 9 is not

    patient.status, patient.paused_until = "opted_out", None
    patient.phone_number.opted_out = True
    db.commit()
    opted_out = nurse.get(page).text
    assert "None of these will go out: the patient opted out (texted STOP)" in opted_out
    assert "if the patient texts START" in opted_out
    assert opted_out.count("not going out: opted out") == 2
    assert db.scalars(select(PlannedMessage.status)).all() == ["planned", "planned"]
    listing = nurse.get("/portal/patients").text
    assert "not going out: opted out" in listing


def test_the_full_number_is_one_audited_click_away_and_lists_stay_masked(portal_client, clinic, db):
    coordinator = portal_client(clinic, "coordinator")
    patient = make_patient(db, clinic, phone=PHONE, name="Ada Moreno")
    db.commit()
    page = f"/portal/patients/{patient.id}"
    plain = coordinator.get(page).text
    assert "•••0142" in plain and "555-0142" not in plain and PHONE not in plain
    assert db.scalar(select(AuditEntry).where(AuditEntry.action.like("%phone%"))) is None

    shown = coordinator.get(f"{page}?show=phone").text
    assert re.search(r'<a href="tel:\+16175550142" id="call-patient">\(617\) 555-0142</a>', shown)
    [entry] = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "portal.patient.phone_shown")
    ).all()
    assert (entry.actor, entry.target) == (coordinator.user.email, f"patient:{patient.id}")
    assert PHONE not in coordinator.get("/portal/patients").text


def test_a_number_from_another_country_is_shown_in_international_form(portal_client, clinic, db):
    coordinator = portal_client(clinic, "coordinator")
    patient = make_patient(db, clinic, phone="+447911123456")
    db.commit()
    shown = coordinator.get(f"/portal/patients/{patient.id}?show=phone").text
    assert ">+44 7911 123456</a>" in shown


def test_the_invitation_page_names_the_clinic_and_the_role(portal_client, new_browser, clinic):
    admin = portal_client(clinic, "clinic_admin")
    page = admin.post("/portal/users", {"email": "new.nurse@example.org", "role": "nurse"},
                      page="/portal/users")  # fmt: skip
    link = re.search(r'id="secret">([^<]+)<', page.text)[1]
    invite = new_browser().get(link.replace("https://sms.example.test", ""))
    assert invite.status_code == 200
    assert "You are invited to the clinic portal of <strong>Riverside Lupus Clinic</strong>" in (
        invite.text
    )
    assert "as nurse" in invite.text
    assert "<title>Welcome · Riverside Lupus Clinic" in invite.text


def test_send_window_fields_take_24_hour_times_and_look_alike(portal_client, clinic):
    admin = portal_client(clinic, "clinic_admin")
    page = admin.get("/portal/settings").text
    fields = re.findall(r'<input id="(send_window_(?:start|end))"[^>]*>', page)
    assert fields == ["send_window_start", "send_window_end"]
    for name in fields:
        tag = re.search(rf'<input id="{name}"[^>]*>', page)[0]
        assert 'type="text"' in tag and 'type="time"' not in tag
        assert 'pattern="([01][0-9]|2[0-3]):[0-5][0-9]"' in tag
    assert 'value="08:00"' in page and 'value="20:00"' in page
    assert "24-hour clock" in page


def test_appointment_times_are_typed_as_24_hour_times(portal_client, clinic, db):
    coordinator = portal_client(clinic, "coordinator")
    patient = make_patient(db, clinic)
    db.commit()
    page = f"/portal/patients/{patient.id}"
    form = coordinator.get(page).text
    assert 'type="datetime-local"' not in form
    time_input = re.search(r'<input type="text" id="appointment-time"[^>]*>', form)[0]
    assert 'pattern="([01]?[0-9]|2[0-3]):[0-5][0-9]"' in time_input
    added = coordinator.post(
        f"{page}/appointments",
        {"starts_on": "2026-03-20", "starts_time": "14:30", "kind": "consultation"},
        page=page,
    )
    assert added.status_code == 303, added.text[:500]
    anchor = db.scalar(select(Anchor).where(Anchor.patient_id == patient.id))
    assert anchor.at.isoformat() == "2026-03-20T18:30:00+00:00"  # 14:30 EDT
    shown = coordinator.get(page).text
    assert 'name="starts_time" value="14:30"' in shown
    preview = coordinator.get(
        f"{page}/appointments/{anchor.id}/move?starts_on=2026-03-21&starts_time=9:05"
    )
    assert preview.status_code == 200
    assert 'name="starts_at" value="2026-03-21T09:05"' in preview.text
    bad = coordinator.post(
        f"{page}/appointments",
        {"starts_on": "2026-03-20", "starts_time": "2:30 PM", "kind": "consultation"},
        page=page,
    )
    assert bad.status_code == 422 and "24-hour time" in bad.text
