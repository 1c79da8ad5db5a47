"""Red flags through the Twilio webhook: the safety reply, alerts per clinic, the API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lupus_sms.alerts.models import Alert
from lupus_sms.messaging.models import Message
from tests.alerts.conftest import PATIENT_PHONE
from tests.factories import auth_headers, make_clinic, make_patient
from tests.helpers import reply_text


def _alerts(db, **filters) -> list[Alert]:
    db.expire_all()
    return list(db.scalars(select(Alert).filter_by(**filters).order_by(Alert.id)))


def test_red_flag_out_of_the_blue_replies_with_the_clinic_urgent_line(twilio, db, patient):
    reply = reply_text(twilio.sms("I have chills and my temp is 38.6", from_=PATIENT_PHONE))
    assert "URGENT" in reply and "(617) 555-0199" in reply and "911" in reply
    # A new number is discreet: its clinic, named after the illness and with no neutral
    # display name yet, is "Your care team" even here (the line is what matters).
    assert "Lupus" not in reply and "call your care team now at your care team, 24/7" in reply
    [alert] = _alerts(db)
    assert (alert.kind, alert.status, alert.patient_id) == ("red_flag", "open", patient.id)
    assert (alert.categories, alert.category, alert.severity) == ("fever", "fever", "urgent")
    assert alert.text == "I have chills and my temp is 38.6"
    stored = db.scalar(select(Message).where(Message.kind == "safety"))
    assert stored is not None and stored.status == "sent"  # tracked like any other message


def test_safety_reply_at_3am_is_not_held_by_quiet_hours(twilio, db, patient, clock):
    clock.at = clock.at.replace(hour=8)  # 3 AM in New York, well outside the send window
    reply = reply_text(twilio.sms("can't breathe", from_=PATIENT_PHONE))
    assert "URGENT" in reply
    on_call = db.scalar(select(Message).where(Message.kind == "alert"))
    assert on_call.phone == "+16175550199" and on_call.status == "queued"
    assert on_call.next_attempt_at == clock.now()
    assert "Maria" not in on_call.body and "breathe" not in on_call.body  # no patient words


def test_safety_reply_is_never_held_by_reply_limits(twilio, db, patient, settings):
    settings.reply_limit_per_window = 2
    for word in ("MENU", "RISKS", "AHSCT"):
        twilio.sms(word, from_=PATIENT_PHONE)
    assert reply_text(twilio.sms("LUPUS", from_=PATIENT_PHONE)) == ""  # held back
    assert "URGENT" in reply_text(twilio.sms("bleeding gums", from_=PATIENT_PHONE))


def test_self_harm_gets_988(twilio, db, patient):
    reply = reply_text(twilio.sms("I want to kill myself", from_=PATIENT_PHONE))
    assert "988" in reply and "911" in reply
    assert _alerts(db)[0].categories == "self_harm"


def test_unknown_number_gets_generic_safety_reply_and_no_alert(twilio, db):
    reply = reply_text(twilio.sms("fever 39", from_="+12025550188"))
    assert "URGENT" in reply and "911" in reply and "{" not in reply
    assert _alerts(db) == []


def test_opted_out_number_gets_no_sms_but_its_clinic_is_alerted(twilio, db, patient):
    twilio.sms("STOP", from_=PATIENT_PHONE)
    response = twilio.sms("chest pain", from_=PATIENT_PHONE)
    assert reply_text(response) == ""
    [alert] = _alerts(db)
    assert alert.kind == "red_flag" and alert.patient_id == patient.id


def test_number_enrolled_with_two_clinics_alerts_both(twilio, db, patient):
    other = make_clinic(db, name="Harbor Transplant Center", urgent_phone="+16175550188")
    make_patient(db, other, phone=PATIENT_PHONE)
    reply = reply_text(twilio.sms("fainted", from_=PATIENT_PHONE))
    assert {a.clinic_id for a in _alerts(db)} == {patient.clinic_id, other.id}
    assert "(617) 555-0199" in reply and "(617) 555-0188" in reply


def test_clinic_named_by_to_number_is_the_only_one_alerted(twilio, db, patient):
    other = make_clinic(db, name="Harbor", urgent_phone="+16175550188", sender="+16175550111")
    make_patient(db, other, phone=PATIENT_PHONE)
    reply = reply_text(twilio.sms("vomiting all day", from_=PATIENT_PHONE, to="+16175550111"))
    assert [a.clinic_id for a in _alerts(db)] == [other.id]
    assert "(617) 555-0188" in reply and "0199" not in reply


def test_alerts_api_lists_open_first_and_acknowledges(twilio, client, db, patient, headers):
    twilio.sms("fever 38.2", from_=PATIENT_PHONE)
    twilio.sms("bleeding from my nose", from_=PATIENT_PHONE)
    first, second = _alerts(db)
    acked = client.post(
        f"/api/v1/alerts/{second.id}/acknowledge",
        json={"by": "Nurse Kim", "note": "called back, going to ER"},
        headers=headers,
    )
    assert acked.status_code == 200, acked.text
    body = acked.json()
    assert body["status"] == "acknowledged" and body["acknowledged_by"] == "Nurse Kim"
    assert body["acknowledged_at"] is not None
    listed = client.get("/api/v1/alerts", headers=headers).json()["items"]
    assert [a["id"] for a in listed] == [first.id, second.id]  # open first
    assert set(listed[0]) >= {
        "id", "patient_id", "kind", "status", "text", "created_at",
        "acknowledged_at", "acknowledged_by",
    }  # fmt: skip
    only_open = client.get("/api/v1/alerts?status=open", headers=headers).json()["items"]
    assert [a["id"] for a in only_open] == [first.id]
    again = client.post(
        f"/api/v1/alerts/{second.id}/acknowledge", json={"by": "Dr Lee"}, headers=headers
    )
    assert again.status_code == 409


def test_acknowledge_needs_who(client, twilio, db, patient, headers):
    twilio.sms("chills", from_=PATIENT_PHONE)
    alert = _alerts(db)[0]
    response = client.post(f"/api/v1/alerts/{alert.id}/acknowledge", json={}, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"


def test_alerts_are_isolated_per_clinic(twilio, client, db, patient, headers):
    other = make_clinic(db, name="Harbor", urgent_phone="+16175550188")
    make_patient(db, other, phone="+12025550145")
    twilio.sms("fever", from_="+12025550145")
    twilio.sms("chills", from_=PATIENT_PHONE)
    mine, theirs = _alerts(db, clinic_id=patient.clinic_id), _alerts(db, clinic_id=other.id)
    listed = client.get("/api/v1/alerts", headers=headers).json()["items"]
    assert [a["id"] for a in listed] == [mine[0].id]
    assert client.get(f"/api/v1/alerts/{theirs[0].id}", headers=headers).status_code == 404
    ack = client.post(
        f"/api/v1/alerts/{theirs[0].id}/acknowledge", json={"by": "x"}, headers=headers
    )
    assert ack.status_code == 404
    other_view = client.get("/api/v1/alerts", headers=auth_headers(db, other)).json()["items"]
    assert [a["id"] for a in other_view] == [theirs[0].id]


def test_alerts_api_needs_a_key(client):
    assert client.get("/api/v1/alerts").status_code == 401


def test_red_flag_never_expires(twilio, db, patient, tick, clock):
    twilio.sms("fever", from_=PATIENT_PHONE)
    tick(clock.now() + timedelta(days=60))
    assert _alerts(db)[0].status == "open"


def test_wish_to_stop_with_a_red_flag_opts_out_and_alerts(twilio, db, patient):
    reply = reply_text(twilio.sms("stop texting me, I want to die", from_=PATIENT_PHONE))
    assert "988" in reply and "unsubscribed" in reply
    [alert] = _alerts(db)
    assert alert.categories == "self_harm"
    db.refresh(patient)
    assert patient.status == "opted_out"
    assert reply_text(twilio.sms("MENU", from_=PATIENT_PHONE)) == ""


def test_a_spanish_wish_to_stop_with_a_red_flag_opts_out_and_alerts(twilio, db, patient):
    reply = reply_text(twilio.sms("dejen de escribirme, ya no quiero vivir", from_=PATIENT_PHONE))
    assert "988" in reply and "marque 2" in reply
    assert [a.categories for a in _alerts(db)] == ["self_harm"]
    db.refresh(patient)
    assert patient.status == "opted_out"


def test_alert_list_pages_open_first_with_a_cursor(twilio, client, db, patient, headers):
    for text in ("fever", "chills", "bleeding"):
        twilio.sms(text, from_=PATIENT_PHONE)
    fever, chills, bleeding = _alerts(db)
    client.post(f"/api/v1/alerts/{bleeding.id}/acknowledge", json={"by": "RN"}, headers=headers)
    seen, cursor = [], None
    for _ in range(4):
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/alerts", params=params, headers=headers).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [chills.id, fever.id, bleeding.id]
    bad = client.get("/api/v1/alerts", params={"cursor": "nonsense"}, headers=headers)
    assert bad.status_code == 422


def test_unknown_number_texting_a_clinics_own_number_reaches_that_clinic(twilio, db):
    clinic = make_clinic(db, name="Harbor", urgent_phone="+16175550188", sender="+16175550111")
    reply = reply_text(twilio.sms("short of breath", from_="+12025550188", to="+16175550111"))
    assert "(617) 555-0188" in reply
    [alert] = _alerts(db)
    assert (alert.clinic_id, alert.patient_id) == (clinic.id, None)


def test_huge_alert_ids_are_refused_not_a_server_error(client, headers):
    response = client.get(f"/api/v1/alerts/{2**40}", headers=headers)
    assert response.status_code == 422
    response = client.get("/api/v1/alerts", params={"patient_id": 2**40}, headers=headers)
    assert response.status_code == 422
