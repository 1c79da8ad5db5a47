"""The portal's patient pages: list, enrol form, CSV upload, timeline and changes, and that no
clinic reaches another's patients by guessing URLs."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lupus_sms.audit.models import AuditEntry
from lupus_sms.checkins.models import CheckinAnswer
from lupus_sms.enrollment.models import Anchor, Patient
from lupus_sms.messaging.models import Message
from lupus_sms.scheduling.models import PlannedMessage
from tests.conftest import DEFAULT_NOW
from tests.factories import auth_headers, make_clinic, make_patient

PHONE = "+12025550123"


@pytest.fixture
def clinic(db):
    return make_clinic(db)


@pytest.fixture
def other_clinic(db):
    return make_clinic(db, name="Lakeside Clinic", timezone="America/Chicago")


@pytest.fixture
def coordinator(portal_client, clinic):
    return portal_client(clinic, "coordinator")


def _patients(db, clinic) -> int:
    return db.scalar(select(func.count()).where(Patient.clinic_id == clinic.id))


def _enrol(browser, **fields):
    form = {"phone": "(202) 555-0123", "program": "ahsct", "consent_source": "in_person"}
    response = browser.post("/portal/patients/new", form | fields, page="/portal/patients/new")
    assert response.status_code == 303, response.text[:800]
    return int(re.search(r"/portal/patients/(\d+)", response.headers["location"]).group(1))


def test_signed_out_visitors_are_sent_to_the_sign_in_page(new_browser, clinic, db):
    patient = make_patient(db, clinic)
    browser = new_browser()
    for path in ("/portal/patients", f"/portal/patients/{patient.id}", "/portal/patients/new"):
        response = browser.get(path)
        assert response.status_code == 303
        assert response.headers["location"].endswith("/portal/login")


def test_list_shows_own_patients_masked_with_their_next_message(coordinator, clinic, db):
    mine = make_patient(db, clinic, name="Ada Moreno", procedure_date=date(2026, 4, 1))
    other = make_patient(db, make_clinic(db, name="Elsewhere"), phone="+12025550124", name="Zed")
    anchor = Anchor(patient_id=mine.id, category="milestone", kind="infusion",
                    at=DEFAULT_NOW + timedelta(days=5), created_at=DEFAULT_NOW)  # fmt: skip
    db.add(anchor)
    db.flush()
    db.add(PlannedMessage(patient_id=mine.id, step_key="day_minus_1", anchor_id=anchor.id,
                          due_at=DEFAULT_NOW + timedelta(days=4), status="planned"))  # fmt: skip
    db.commit()
    page = coordinator.get("/portal/patients")
    assert page.status_code == 200
    assert "Ada Moreno" in page.text and other.name not in page.text
    assert "•••0123" in page.text and PHONE not in page.text
    assert "Sat 14 Mar 2026, 11:00 EDT" in page.text  # 15:00 UTC in the patient's zone


def test_search_by_name_external_id_and_last_digits(coordinator, clinic, db):
    make_patient(db, clinic, name="Ada Moreno", external_id="MRN-77")
    make_patient(db, clinic, phone="+16175550188", name="Bo Chen")
    db.commit()
    assert "Bo Chen" not in coordinator.get("/portal/patients?q=moreno").text
    assert "Ada Moreno" in coordinator.get("/portal/patients?q=moreno").text
    assert "Ada Moreno" in coordinator.get("/portal/patients?q=MRN-77").text
    by_phone = coordinator.get("/portal/patients?q=0188").text
    assert "Bo Chen" in by_phone and "Ada Moreno" not in by_phone


def test_status_filter_and_keyset_pages(coordinator, clinic, db):
    for index in range(52):
        make_patient(db, clinic, phone=f"+1617555{1000 + index}", name=f"Patient {index:02d}")
    make_patient(db, clinic, phone="+12025550199", name="Paused Person", status="paused")
    db.commit()
    paused = coordinator.get("/portal/patients?status=paused").text
    assert "Paused Person" in paused and "Patient 01" not in paused
    first = coordinator.get("/portal/patients")
    assert "Paused Person" in first.text and "Patient 00" not in first.text
    next_link = re.search(r'rel="next" href="([^"]+)"', first.text).group(1)
    second = coordinator.get(next_link.replace("&amp;", "&"))
    assert "Patient 00" in second.text and "Paused Person" not in second.text
    assert 'rel="next"' not in second.text
    assert coordinator.get("/portal/patients?status=bogus").status_code == 422


def test_enrol_form_defaults_to_the_clinic_zone(coordinator, clinic):
    page = coordinator.get("/portal/patients/new")
    assert page.status_code == 200
    assert '<option value="America/New_York" selected>' in page.text
    assert '<label for="phone">' in page.text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"phone": "555-01"}, "phone", "phone number"),
        ({"phone": "+1 617 555 0100 ext"}, "phone", "phone"),
        ({"program": ""}, "program", "Choose a program."),
        ({"timezone": "Mars/Olympus"}, "timezone", "not an IANA time zone"),
        ({"procedure_date": "next week"}, "procedure_date", "Give a date"),
    ],
)
def test_enrol_form_errors_sit_next_to_their_field(coordinator, clinic, db, fields, field, message):
    form = {"phone": "(202) 555-0123", "program": "ahsct", "consent_source": "in_person"}
    response = coordinator.post("/portal/patients/new", form | fields, page="/portal/patients/new")
    assert response.status_code == 422
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', response.text)
    assert error and message in error.group(1)
    assert f'aria-describedby="{field}-error"' in response.text
    assert f'value="{form["phone"] if "phone" not in fields else fields["phone"]}"' in response.text
    assert _patients(db, clinic) == 0


def test_enrol_sends_the_invitation_and_a_repeat_sends_nothing(coordinator, clinic, db):
    patient_id = _enrol(coordinator, name="Ada Moreno", timezone="America/Chicago")
    patient = db.get(Patient, patient_id)
    assert (patient.clinic_id, patient.timezone, patient.status) == (
        clinic.id, "America/Chicago", "pending_consent",
    )  # fmt: skip
    page = coordinator.get(f"/portal/patients/{patient_id}?done=enrolled")
    assert "Consent invitation sent" in page.text
    assert "Sent: consent invitation" in page.text and ">queued<" in page.text
    again = coordinator.post("/portal/patients/new", {"phone": "202-555-0123", "program": "msc",
                             "consent_source": "phone"}, page="/portal/patients/new")  # fmt: skip
    assert again.headers["location"] == f"/portal/patients/{patient_id}?done=existing"
    invitations = select(func.count()).where(Message.kind == "consent_invitation")
    assert db.scalar(invitations) == 1


def test_portal_enrolment_and_unenrolment_are_recorded_as_from_the_portal(
    coordinator, clinic, db, client
):
    patient_id = _enrol(coordinator)
    page = f"/portal/patients/{patient_id}"
    coordinator.post(f"{page}/unenroll", {"confirm": "yes"}, page=f"{page}/unenroll")
    timeline = coordinator.get(page).text
    assert "source: portal" in timeline and "source: api" not in timeline
    events = client.get(
        f"/api/v1/patients/{patient_id}/consent-events", headers=auth_headers(db, clinic)
    ).json()["items"]
    assert sorted((event["kind"], event["source"]) for event in events) == [
        ("invited", "portal"), ("unenrolled", "portal"),
    ]  # fmt: skip


def test_timeline_shows_consent_texts_checkins_alerts_and_the_plan(
    coordinator, clinic, db, twilio, clock
):
    patient_id = _enrol(coordinator, procedure_date="2026-03-20")
    twilio.sms("YES", from_=PHONE)
    twilio.sms("I have a fever of 39 and chills", from_=PHONE)
    db.add(CheckinAnswer(patient_id=patient_id, clinic_id=clinic.id, checkin_key="fever_check",
                         status="answered", option="1", meaning="no_fever", text="1",
                         created_at=DEFAULT_NOW))  # fmt: skip
    db.commit()
    page = coordinator.get(f"/portal/patients/{patient_id}").text
    for expected in (
        "Consent invitation sent", "Consent confirmed (replied YES)", "Patient texted",
        "I have a fever of 39 and chills", "Alert: red flag", "fever",
        "Check-in answer: fever check", "no fever", "(America/New_York)",
    ):  # fmt: skip
        assert expected in page, expected
    upcoming = re.search(r'<ol class="upcoming" id="upcoming">(.*?)</ol>', page, re.S).group(1)
    assert "EDT" in upcoming and upcoming.count("<li>") >= 1
    assert f"/portal/patients/{patient_id}/pause" in page


def test_timeline_pages_to_older_events_without_losing_any(coordinator, clinic, db):
    patient = make_patient(db, clinic)
    for index in range(60):
        at = DEFAULT_NOW - timedelta(hours=index // 2)  # two texts per instant
        db.add(Message(direction="inbound", phone=PHONE, clinic_id=clinic.id,
                       patient_id=patient.id, body=f"text number {index}", status="received",
                       created_at=at))  # fmt: skip
    db.commit()
    seen: list[str] = []
    url = f"/portal/patients/{patient.id}"
    while url:
        page = coordinator.get(url).text
        seen += re.findall(r"text number (\d+)", page)
        older = re.search(r'id="older" href="([^"]+)"', page)
        url = older.group(1).replace("&amp;", "&") if older else None
    assert sorted(map(int, seen)) == list(range(60))
    assert coordinator.get(f"/portal/patients/{patient.id}?before=yesterday").status_code == 422


def test_pause_resume_and_unenrol(coordinator, clinic, db):
    patient = make_patient(db, clinic)
    db.commit()
    page = f"/portal/patients/{patient.id}"
    response = coordinator.post(f"{page}/pause", {"until": "2026-04-01"}, page=page)
    assert response.headers["location"] == f"{page}?done=paused"
    db.refresh(patient)
    assert patient.status == "paused" and patient.paused_until.date() == date(2026, 4, 1)
    assert coordinator.post(f"{page}/resume", page=page).status_code == 303
    db.refresh(patient)
    assert patient.status == "active" and patient.paused_until is None
    refused = coordinator.post(f"{page}/pause", {"until": "2020-01-01"}, page=page)
    assert refused.status_code == 422 and "in the future" in refused.text
    # Unenrolling sits apart from pause and resume, and asks first.
    home = coordinator.get(page).text
    assert f'href="/portal/patients/{patient.id}/unenroll"' in home
    where = {name: home.index(f'id="{name}"') for name in ("pause", "timeline-title", "unenroll")}
    assert where["unenroll"] > where["timeline-title"] > where["pause"]
    unconfirmed = coordinator.post(f"{page}/unenroll", page=page)
    assert unconfirmed.status_code == 422 and "Keep enrolled" in unconfirmed.text
    db.refresh(patient)
    assert patient.status == "active"
    question = coordinator.get(f"{page}/unenroll")
    assert question.status_code == 200 and 'name="confirm" value="yes"' in question.text
    confirmed = coordinator.post(f"{page}/unenroll", {"confirm": "yes"}, page=f"{page}/unenroll")
    assert confirmed.status_code == 303
    db.refresh(patient)
    assert patient.status == "unenrolled"
    assert "Unenrolled" in coordinator.get(page).text
    entries = db.scalars(select(AuditEntry).where(AuditEntry.target == f"patient:{patient.id}"))
    assert [(e.action, e.actor) for e in entries] == [
        (f"portal.patient.{action}", coordinator.user.email)
        for action in ("pause", "resume", "unenroll")
    ]


def test_appointment_move_is_previewed_then_applied(coordinator, clinic, db):
    patient = make_patient(db, clinic)
    db.commit()
    page = f"/portal/patients/{patient.id}"
    added = coordinator.post(
        f"{page}/appointments", {"starts_at": "2026-03-20T10:30", "kind": "consultation"}, page=page
    )
    assert added.status_code == 303
    anchor = db.scalar(select(Anchor).where(Anchor.patient_id == patient.id))
    assert anchor.at.isoformat() == "2026-03-20T14:30:00+00:00"
    before = _planned(db, patient)
    assert before, "the plan has pre-appointment prompts"

    preview = coordinator.get(f"{page}/appointments/{anchor.id}/move?starts_at=2026-03-27T10:30")
    assert preview.status_code == 200
    assert "Fri 27 Mar 2026, 10:30 EDT" in preview.text
    rows = re.findall(r'<tr class="change-(\w+)">', preview.text)
    assert rows and set(rows) <= {"moves", "added"} and "moves" in rows
    assert _planned(db, patient) == before  # a preview changes nothing

    confirm = re.search(r'<form method="post" action="([^"]+/move)"', preview.text).group(1)
    assert (
        coordinator.post(confirm, {"starts_at": "2026-03-27T10:30"}, page=page).status_code == 303
    )
    after = _planned(db, patient)
    assert after == [due + timedelta(days=7) for due in before]

    cancel = coordinator.get(f"{page}/appointments/{anchor.id}/cancel")
    assert set(re.findall(r'<tr class="change-(\w+)">', cancel.text)) == {"cancelled"}
    assert coordinator.post(f"{page}/appointments/{anchor.id}/cancel", page=page).status_code == 303
    assert _planned(db, patient) == []


def test_an_appointment_form_sent_twice_books_it_once(coordinator, clinic, db):
    patient = make_patient(db, clinic)
    db.commit()
    page = f"/portal/patients/{patient.id}"
    form = {"starts_at": "2026-03-20T10:30", "kind": "consultation"}
    assert coordinator.post(f"{page}/appointments", form, page=page).status_code == 303
    again = coordinator.post(f"{page}/appointments", form, page=page)
    assert again.status_code == 409
    anchor = db.scalar(select(Anchor).where(Anchor.patient_id == patient.id))
    assert f"appointment {anchor.id} is already booked" in again.text
    assert db.scalar(select(func.count()).where(Anchor.patient_id == patient.id)) == 1


def test_appointment_in_the_past_or_garbled_is_refused(coordinator, clinic, db):
    patient = make_patient(db, clinic)
    db.commit()
    page = f"/portal/patients/{patient.id}"
    for starts_at in ("2020-01-01T10:00", "soon", ""):
        response = coordinator.post(
            f"{page}/appointments", {"starts_at": starts_at, "kind": "consultation"}, page=page
        )
        assert response.status_code == 422, starts_at
    bad_kind = coordinator.post(
        f"{page}/appointments", {"starts_at": "2026-04-01T10:00", "kind": "party"}, page=page
    )
    assert bad_kind.status_code == 422
    assert db.scalar(select(func.count()).where(Anchor.patient_id == patient.id)) == 0


def test_milestone_add_move_preview_and_delete(coordinator, clinic, db):
    patient = make_patient(db, clinic)
    db.commit()
    page = f"/portal/patients/{patient.id}"
    added = coordinator.post(f"{page}/milestones", {"kind": "infusion", "day": "2026-03-20"},
                             page=page)  # fmt: skip
    assert added.status_code == 303
    milestone = db.scalar(select(Anchor).where(Anchor.patient_id == patient.id))
    db.refresh(patient)
    assert patient.procedure_date == date(2026, 3, 20)
    preview = coordinator.get(f"{page}/milestones/{milestone.id}/move?day=2026-03-25")
    assert preview.status_code == 200 and "change-moves" in preview.text
    moved = coordinator.post(f"{page}/milestones/{milestone.id}/move", {"day": "2026-03-25"},
                             page=page)  # fmt: skip
    assert moved.status_code == 303
    db.refresh(patient)
    assert patient.procedure_date == date(2026, 3, 25)
    assert coordinator.get(f"{page}/milestones/{milestone.id}/delete").status_code == 200
    assert (
        coordinator.post(f"{page}/milestones/{milestone.id}/delete", page=page).status_code == 303
    )
    db.refresh(patient)
    assert patient.procedure_date is None


def _planned(db, patient) -> list:
    db.expire_all()
    stmt = (
        select(PlannedMessage.due_at)
        .where(PlannedMessage.patient_id == patient.id, PlannedMessage.status == "planned")
        .order_by(PlannedMessage.due_at)
    )
    return list(db.scalars(stmt))


def test_csv_upload_reports_each_row(coordinator, clinic, db):
    csv = (
        "phone,consent_source,program,name\n"
        "(202) 555-0123,in_person,ahsct,Ada\n"
        "not a phone,in_person,ahsct,Bad\n"
        "+16175550142,written,msc,Bo\n"
    )
    page = "/portal/patients/import"
    token = coordinator.csrf(page)
    response = coordinator.client.post(
        page, data={"csrf_token": token}, files={"file": ("patients.csv", csv, "text/csv")}
    )
    assert response.status_code == 200
    assert "2 created, 0 updated, 0 unchanged, 1 failed." in response.text
    rows = re.findall(r'<tr class="result-(\w+)">\s*<td>(\d+)</td>', response.text)
    assert rows == [("created", "2"), ("error", "3"), ("created", "4")]
    assert _patients(db, clinic) == 2
    again = coordinator.client.post(
        page, data={"csrf_token": token}, files={"file": ("patients.csv", csv, "text/csv")}
    )
    assert "0 created" in again.text and _patients(db, clinic) == 2
    empty = coordinator.client.post(
        page, data={"csrf_token": token}, files={"file": ("x.csv", b"", "text/csv")}
    )
    assert empty.status_code == 422 and "empty" in empty.text
    latin1 = coordinator.client.post(
        page, data={"csrf_token": token}, files={"file": ("x.csv", "é".encode("latin-1"))}
    )
    assert latin1.status_code == 422 and "UTF-8" in latin1.text


def test_posts_without_the_csrf_token_are_refused(coordinator, clinic, db):
    patient = make_patient(db, clinic)
    db.commit()
    response = coordinator.client.post(
        f"/portal/patients/{patient.id}/unenroll", data={}, follow_redirects=False
    )
    assert response.status_code == 403
    db.refresh(patient)
    assert patient.status == "active"


def test_another_clinics_patient_is_not_found_anywhere(coordinator, other_clinic, db):
    theirs = make_patient(db, other_clinic, name="Secret Name")
    appointment = Anchor(patient_id=theirs.id, category="appointment", kind="consultation",
                         at=DEFAULT_NOW + timedelta(days=3), created_at=DEFAULT_NOW)  # fmt: skip
    milestone = Anchor(
        patient_id=theirs.id,
        category="milestone",
        kind="infusion",
        at=DEFAULT_NOW + timedelta(days=9),
        all_day=True,
        created_at=DEFAULT_NOW,
    )
    db.add_all([appointment, milestone])
    db.commit()
    base = f"/portal/patients/{theirs.id}"
    gets = [
        base, f"{base}?before=2026-03-10T00:00:00%2B00:00",
        f"{base}/appointments/{appointment.id}/move?starts_at=2026-04-01T10:00",
        f"{base}/appointments/{appointment.id}/cancel",
        f"{base}/milestones/{milestone.id}/move?day=2026-04-01",
        f"{base}/milestones/{milestone.id}/delete",
        f"{base}/unenroll", f"{base}?show=phone",
    ]  # fmt: skip
    missing = coordinator.get("/portal/patients/999999")
    assert missing.status_code == 404
    for path in gets:
        response = coordinator.get(path)
        assert response.status_code == 404, path
        assert "Secret Name" not in response.text
        assert response.text == missing.text
    posts = {
        f"{base}/pause": {}, f"{base}/resume": {}, f"{base}/unenroll": {"confirm": "yes"},
        f"{base}/appointments": {"starts_at": "2026-04-01T10:00", "kind": "consultation"},
        f"{base}/appointments/{appointment.id}/move": {"starts_at": "2026-04-01T10:00"},
        f"{base}/appointments/{appointment.id}/cancel": {},
        f"{base}/milestones": {"kind": "discharge", "day": "2026-04-01"},
        f"{base}/milestones/{milestone.id}/move": {"day": "2026-04-01"},
        f"{base}/milestones/{milestone.id}/delete": {},
    }  # fmt: skip
    for path, data in posts.items():
        assert coordinator.post(path, data, page="/portal/patients").status_code == 404, path
    db.expire_all()
    assert db.get(Patient, theirs.id).status == "active"
    assert [a.status for a in db.scalars(select(Anchor).where(Anchor.patient_id == theirs.id))] == [
        "scheduled", "scheduled",
    ]  # fmt: skip


def test_own_patient_with_another_patients_appointment_id_is_not_found(coordinator, clinic, db):
    mine = make_patient(db, clinic)
    other = make_patient(db, clinic, phone="+12025550124")
    theirs = Anchor(patient_id=other.id, category="appointment", kind="consultation",
                    at=DEFAULT_NOW + timedelta(days=3), created_at=DEFAULT_NOW)  # fmt: skip
    db.add(theirs)
    db.commit()
    path = f"/portal/patients/{mine.id}/appointments/{theirs.id}/cancel"
    assert coordinator.get(path).status_code == 404
    assert coordinator.post(path, page="/portal/patients").status_code == 404
    assert (
        coordinator.get(f"/portal/patients/{mine.id}/appointments/99999999999/cancel").status_code
        == 404
    )
