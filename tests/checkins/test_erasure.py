"""Erasing a patient clears their words wherever they were copied: the alert a text opened,
the clinic's note on it, the check-in answer, and the alert of a red flag they sent before
they were enrolled (from then an unknown number)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lupus_sms.alerts.models import Alert
from lupus_sms.checkins.models import CheckinAnswer
from tests.alerts.conftest import PATIENT_PHONE, send_checkin
from tests.factories import make_patient

WORDS = "fever 39.4 since last night and my chest hurts"


def test_erasure_clears_the_patients_words_in_alerts_and_checkin_answers(
    twilio, client, db, clinic, headers, clock, tick
):
    # Before enrolment: a red flag to the clinic's own number opens an alert without a patient.
    clinic.sender = "+12025550100"
    db.flush()
    twilio.sms("I cant breathe, help", from_=PATIENT_PHONE, to="+12025550100")
    patient = make_patient(db, clinic, phone=PATIENT_PHONE, name="Maria Lopez")
    send_checkin(db, patient, at=clock.now() - timedelta(hours=1))
    twilio.sms(WORDS, from_=PATIENT_PHONE)
    alerts = client.get("/api/v1/alerts", headers=headers).json()["items"]
    assert {a["text"] for a in alerts} == {"I cant breathe, help", WORDS}
    first = alerts[0]["id"]
    acknowledged = client.post(
        f"/api/v1/alerts/{first}/acknowledge",
        json={"by": "Nurse Kim", "note": "Maria says the fever started after her walk"},
        headers=headers,
    )
    assert acknowledged.status_code == 200, acknowledged.text
    [answer] = client.get(f"/api/v1/patients/{patient.id}/checkin-answers", headers=headers).json()[
        "items"
    ]
    assert answer["text"] == WORDS

    twilio.sms("can I drive after the transplant? please call me", from_=PATIENT_PHONE)
    erased = client.delete(f"/api/v1/patients/{patient.id}?erase=true", headers=headers)
    assert erased.status_code == 204, erased.text

    alerts = client.get("/api/v1/alerts", headers=headers).json()["items"]
    assert len(alerts) == 3  # the clinic's counts stay
    assert {(a["text"], a["acknowledge_note"]) for a in alerts} == {(None, None)}
    [answer] = client.get(f"/api/v1/patients/{patient.id}/checkin-answers", headers=headers).json()[
        "items"
    ]
    assert answer["text"] is None and answer["checkin_key"] == "symptoms"  # the words go
    db.expire_all()
    assert db.scalars(select(Alert.text)).all() == [None, None, None]
    assert db.scalars(select(CheckinAnswer.text)).all() == [None]

    # Nobody can act on the patient's open alerts any more: the next tick ends them, and
    # nobody is notified of them again.
    handled = tick(clock.now() + timedelta(minutes=1))
    assert handled["alerts_of_erased_patients"] == 1
    db.expire_all()
    statuses = db.execute(select(Alert.kind, Alert.status).where(Alert.patient_id == patient.id))
    assert sorted(statuses) == [("needs_review", "expired"), ("red_flag", "acknowledged")]
    later = tick(clock.now() + timedelta(hours=2))
    assert later["alerts_renotify"] <= 1  # at most the alert of the text before enrolment
