"""Tenancy by knowledge in the portal, from the attacker's side: clinic A's staff, whose
enrolment of clinic B's patient's number was never answered, see nothing of that number's
texts, alerts or settings, and cannot change them."""

from __future__ import annotations

import html

from tests.helpers import reply_text
from tests.tenancy import PHONE, consented_to_b_then_enrolled_by_a

RED_FLAG = "I have a fever of 39.4 and chills"
UNANSWERABLE = "my left knee has hurt since Tuesday afternoon"


def _texts_of_the_patient(twilio) -> None:
    twilio.sms(RED_FLAG, from_=PHONE)
    twilio.sms(UNANSWERABLE, from_=PHONE)
    twilio.sms("ESPANOL", from_=PHONE)


def test_a_pending_clinics_portal_shows_no_alert_text_or_timeline_entry(
    client, db, twilio, portal_client
):
    shared = consented_to_b_then_enrolled_by_a(client, db, twilio)
    _texts_of_the_patient(twilio)
    attacker = portal_client(shared.a, "clinic_admin")
    inbox = html.unescape(attacker.get("/portal/alerts").text)
    assert "fever" not in inbox and "knee" not in inbox
    assert attacker.get("/portal/alerts/open-count").json()["open"] == 0
    page = html.unescape(attacker.get(f"/portal/patients/{shared.a_patient_id}").text)
    assert "fever" not in page and "knee" not in page and "ESPANOL" not in page
    assert "Patient texted" not in page and "Alert:" not in page
    # B's staff see their patient's texts and alerts.
    owner = portal_client(shared.b, "nurse")
    assert "fever" in html.unescape(owner.get("/portal/alerts").text)
    theirs = html.unescape(owner.get(f"/portal/patients/{shared.b_patient_id}").text)
    assert "knee" in theirs and "ESPANOL" in theirs


def test_an_enrolment_in_the_portal_does_not_change_the_numbers_language(
    client, db, twilio, portal_client
):
    shared = consented_to_b_then_enrolled_by_a(client, db, twilio)
    from tests.factories import make_clinic

    third = portal_client(make_clinic(db, name="Cedar Clinic"), "coordinator")
    form = {"phone": PHONE, "program": "msc", "consent_source": "in_person", "language": "es"}
    assert third.post("/portal/patients/new", form).status_code == 303
    view = client.get(f"/api/v1/patients/{shared.b_patient_id}", headers=shared.b_headers)
    assert view.json()["language"] == "en"
    assert "What lupus is" in reply_text(twilio.sms("MENU", from_=PHONE))


def test_a_pending_clinics_portal_shows_no_carrier_block_or_stop_from_another_clinic(
    client, db, twilio, portal_client
):
    from tests.factories import auth_headers, make_clinic
    from tests.tenancy import ENROLMENT

    own_sender = "+16175550142"
    b = make_clinic(db, name="Bayside Lupus Clinic", sender=own_sender)
    a = make_clinic(db, name="Amberley Clinic")
    b_patient = client.post("/api/v1/patients", json=ENROLMENT, headers=auth_headers(db, b))
    twilio.sms("YES", from_=PHONE, to=own_sender)
    twilio.sms("STOP", from_=PHONE, to=own_sender, OptOutType="STOP")  # Twilio blocks it
    twilio.sms("COMENZAR", from_=PHONE, to=own_sender)  # back in with us, not with Twilio
    a_patient = client.post("/api/v1/patients", json=ENROLMENT, headers=auth_headers(db, a))
    twilio.sms("STOP", from_=PHONE, to=own_sender)  # in B's conversation, after A's enrolment
    attacker = portal_client(a, "clinic_admin")
    listing = html.unescape(attacker.get("/portal/patients").text)
    page = html.unescape(attacker.get(f"/portal/patients/{a_patient.json()['id']}").text)
    for seen in (listing, page):
        assert "blocked by the carrier" not in seen and "Twilio refuses" not in seen
    assert "Opted out" not in page and "Opted back in" not in page
    assert "opted out" in page  # its own enrolment's status, without when or how
    owner = portal_client(b, "nurse")
    theirs = html.unescape(owner.get(f"/portal/patients/{b_patient.json()['id']}").text)
    assert "Opted out" in theirs


def test_a_pending_clinics_portal_shows_its_invitation_in_its_own_language(
    client, db, twilio, portal_client
):
    from tests.factories import auth_headers, make_clinic
    from tests.tenancy import ENROLMENT

    first, second = make_clinic(db, name="Bayside Lupus Clinic"), make_clinic(db, name="Cedar")
    client.post("/api/v1/patients", json=ENROLMENT, headers=auth_headers(db, first))
    twilio.sms("YES", from_=PHONE)
    twilio.sms("ESPANOL", from_=PHONE)  # the number's choice, in its life with the first
    form = {"phone": PHONE, "program": "msc", "consent_source": "in_person", "language": "en"}
    staff = portal_client(second, "coordinator")
    created = staff.post("/portal/patients/new", form)
    assert created.status_code == 303
    page = html.unescape(staff.get(created.headers["location"]).text)
    assert "You are invited to get care texts" in page
    assert "Le invitamos" not in page and "español" not in page


def test_each_consented_clinics_record_shows_a_shared_text_and_its_safety_reply(
    client, db, twilio, portal_client
):
    from tests.factories import auth_headers, make_clinic
    from tests.tenancy import ENROLMENT

    records = []
    for name in ("Amberley Clinic", "Bayside Clinic"):
        clinic = make_clinic(db, name=name)
        patient = client.post("/api/v1/patients", json=ENROLMENT, headers=auth_headers(db, clinic))
        twilio.sms("YES", from_=PHONE)
        records.append((clinic, patient.json()["id"]))
    twilio.sms(RED_FLAG, from_=PHONE)  # on the shared sender: tied to neither enrolment
    for clinic, patient_id in records:
        staff = portal_client(clinic, "nurse")
        page = html.unescape(staff.get(f"/portal/patients/{patient_id}").text)
        assert "fever of 39.4" in page and "URGENT: Please call your care team" in page
