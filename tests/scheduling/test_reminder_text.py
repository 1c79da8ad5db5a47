"""Reminders as sent: the 24/7 number where they say to call about a symptom, and first names
folded to GSM-7 (unless the clinic keeps accents) and cut, so one accent costs nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lupus_sms.messaging.models import Message
from tests.factories import make_clinic, make_patient
from tests.scheduling.support import add_anchor, utc

NOW = utc(2026, 3, 10, 15, 0)
DAY1 = utc(2026, 3, 12, 15, 0)  # 11:00 in New York, the day after the infusion


def sent_day1(db, tick, fake_transport, *, name: str, keep_name_accents: bool = False) -> Message:
    clinic = make_clinic(db, urgent_phone="+16175550199", keep_name_accents=keep_name_accents)
    patient = make_patient(db, clinic, name=name)
    add_anchor(db, patient, kind="infusion", day=date(2026, 3, 11), now=NOW)
    tick(DAY1)
    return db.scalar(select(Message).where(Message.patient_id == patient.id))


def test_the_fever_reminder_gives_the_24_7_number(db, tick, fake_transport):
    message = sent_day1(db, tick, fake_transport, name="Ana Ruiz")
    assert "24/7 line" in message.body and "(617) 555-0199" in message.body
    assert "(617) 555-0100" not in message.body  # not the office, closed at night


def test_an_accented_first_name_is_folded_and_the_text_stays_gsm7(db, tick, fake_transport):
    message = sent_day1(db, tick, fake_transport, name="María José Pérez")
    assert "Hi Maria." in message.body
    assert (message.encoding, message.segments) == ("GSM-7", 2)


def test_a_long_first_name_is_cut(db, tick, fake_transport):
    message = sent_day1(db, tick, fake_transport, name="Bartholomewson Smith")
    assert "Hi Bartholomews." in message.body and message.segments == 2


def test_a_clinic_that_keeps_accents_sends_them_and_pays_for_ucs2(db, tick, fake_transport):
    message = sent_day1(db, tick, fake_transport, name="María José", keep_name_accents=True)
    assert "Hi María." in message.body
    assert message.encoding == "UCS-2" and message.segments > 2


def test_a_time_ending_a_sentence_takes_one_full_stop(db, tick, fake_transport):
    clinic = make_clinic(db, urgent_phone="+16175550199")
    patient = make_patient(db, clinic, name="Ana Ruiz", language="es")
    patient.phone_number.language = "es"
    visit = utc(2026, 3, 13, 14, 0)  # 10:00 in New York
    add_anchor(db, patient, kind="follow-up", category="appointment", at=visit, now=NOW)
    tick(utc(2026, 3, 12, 14, 0))  # the day before, 10:00
    message = db.scalar(select(Message).where(Message.patient_id == patient.id))
    assert "a las 10:00 a.m. ¿" in message.body and ".." not in message.body
