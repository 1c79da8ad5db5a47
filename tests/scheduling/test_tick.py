"""Plan -> outbox -> transport through the tick, at chosen instants."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lupus_sms.messaging.models import Message
from tests.factories import make_clinic, make_patient
from tests.helpers import reply_text
from tests.scheduling.support import add_anchor, by_step, move_anchor, planned, reload, utc

NOW = utc(2026, 3, 10, 15, 0)  # 11:00 in New York


def consultation(db, patient, at):
    return add_anchor(db, patient, category="appointment", kind="consultation", at=at, now=NOW)


def outbound(db, patient) -> list[Message]:
    db.expire_all()
    stmt = select(Message).where(Message.patient_id == patient.id).order_by(Message.id)
    return list(db.scalars(stmt))


def test_a_due_prompt_is_rendered_and_sent_with_the_question_keyword(db, tick, fake_transport):
    clinic = make_clinic(db, name="Riverside Lupus Clinic")
    patient = make_patient(db, clinic, program="evaluation", name="Maria Lopez")
    patient.phone_number.privacy_level = "detailed"  # tests/privacy has the discreet form
    consultation(db, patient, utc(2026, 3, 20, 14, 30))  # Fri 10:30 EDT
    tick(utc(2026, 3, 13, 14, 0))
    assert len(fake_transport.sent) == 1
    body = fake_transport.sent[0].body
    assert body.startswith(
        "Riverside Lupus Clinic: Hi Maria, your visit is on Fri Mar 20 at 10:30 AM"
    )
    assert "Am I a good candidate" in body and "Reply QUESTIONS" in body
    rows = by_step(planned(db, patient))
    assert rows["appt_questions_7d"][0].status == "sent"
    message = outbound(db, patient)[0]
    assert (message.kind, message.encoding, message.segments) == ("prompt", "GSM-7", 2)


def test_without_a_name_the_greeting_stays_graceful(db, tick, fake_transport):
    patient = make_patient(db, make_clinic(db), program="evaluation", name=None)
    consultation(db, patient, utc(2026, 3, 20, 14, 30))
    tick(utc(2026, 3, 13, 14, 0))
    assert "Hi, your visit" in fake_transport.sent[0].body


def test_a_checkin_step_sends_the_checkin_question_and_marks_the_message(db, tick, fake_transport):
    patient = make_patient(db, make_clinic(db), program="ahsct", name="Ann")
    add_anchor(db, patient, kind="infusion", day=date(2026, 3, 9), now=NOW)
    tick(utc(2026, 3, 12, 13, 0))  # day 3 at 09:00 EDT: the temperature check-in
    assert "take your temperature" in fake_transport.sent[-1].body
    checkins = [m for m in outbound(db, patient) if m.kind == "checkin"]
    assert [m.checkin_key for m in checkins] == ["temperature"]


def test_reschedule_after_the_first_prompt_went_out(db, tick, fake_transport):
    patient = make_patient(db, make_clinic(db), program="evaluation")
    visit = consultation(db, patient, utc(2026, 3, 20, 14, 30))
    tick(utc(2026, 3, 13, 14, 0))  # the 7-day prompt goes out
    move_anchor(db, visit, at=utc(2026, 4, 3, 14, 30), now=utc(2026, 3, 13, 15, 0))
    rows = planned(db, patient)
    old = {row.step_key: row.status for row in rows if row.anchor_revision == 1}
    assert old == {
        "appt_questions_7d": "sent",
        "appt_questions_2d": "cancelled",
        "appt_questions_1d": "cancelled",
    }
    new = [row for row in rows if row.anchor_revision == 2]
    assert {row.status for row in new} == {"planned"}
    tick(utc(2026, 3, 18, 14, 0))  # the old 2-day prompt time: nothing goes out
    assert len(fake_transport.sent) == 1
    tick(utc(2026, 3, 27, 14, 0))  # 7 days before the new date
    assert "Apr 3" in fake_transport.sent[-1].body


def test_a_prompt_for_a_passed_appointment_expires(db, tick, fake_transport):
    patient = make_patient(db, make_clinic(db), program="evaluation")
    consultation(db, patient, utc(2026, 3, 20, 14, 30))
    tick(utc(2026, 3, 21, 14, 0))  # the worker was down for a week
    assert fake_transport.sent == []
    statuses = {(row.status, row.status_reason) for row in planned(db, patient)}
    assert statuses == {("expired", "appointment_passed")}


def test_a_reminder_far_behind_after_downtime_expires(db, tick, fake_transport):
    patient = make_patient(db, make_clinic(db))
    add_anchor(db, patient, kind="infusion", day=date(2026, 3, 10), now=NOW)
    tick(utc(2026, 3, 12, 14, 0))  # day 1 was due yesterday at 10:00
    rows = by_step(planned(db, patient))
    assert (rows["ahsct_day1"][0].status, rows["ahsct_day1"][0].status_reason) == (
        "expired",
        "stale",
    )
    assert all("Hi" in sms.body for sms in fake_transport.sent)  # nothing else went out late


def test_a_paused_patient_is_skipped_until_the_pause_ends(db, tick, fake_transport):
    patient = make_patient(db, make_clinic(db))
    add_anchor(db, patient, kind="infusion", day=date(2026, 3, 10), now=NOW)
    patient.status, patient.paused_until = "paused", utc(2026, 3, 13, 0, 0)
    tick(utc(2026, 3, 11, 14, 0))  # day 1
    rows = by_step(planned(db, patient))
    assert (rows["ahsct_day1"][0].status, rows["ahsct_day1"][0].status_reason) == (
        "skipped",
        "paused",
    )
    tick(utc(2026, 3, 13, 13, 0))  # day 3, after the pause
    assert reload(db, rows["ahsct_day3_temperature"][0]).status == "sent"


def test_opt_out_after_queueing_still_stops_the_send(db, tick, fake_transport, session_factory):
    from lupus_sms.scheduling.enqueue import enqueue_due_planned

    patient = make_patient(db, make_clinic(db), program="evaluation")
    consultation(db, patient, utc(2026, 3, 20, 14, 30))
    db.flush()
    enqueue_due_planned(session_factory, utc(2026, 3, 13, 14, 0))  # queued, not yet sent
    db.expire_all()
    patient.phone_number.opted_out = True
    tick(utc(2026, 3, 13, 14, 1))
    assert fake_transport.sent == []
    row = by_step(planned(db, patient))["appt_questions_7d"][0]
    assert (row.status, row.status_reason) == ("skipped", "opted_out")


def test_an_opted_out_patients_rows_wait_and_what_is_still_due_goes_out_after_start(
    db, tick, fake_transport
):
    patient = make_patient(db, make_clinic(db))
    add_anchor(db, patient, kind="infusion", day=date(2026, 3, 10), now=NOW)
    patient.status = "opted_out"
    patient.phone_number.opted_out = True
    tick(utc(2026, 3, 11, 14, 0))  # day 1 falls due while opted out
    rows = by_step(planned(db, patient))
    assert (rows["ahsct_day1"][0].status, rows["ahsct_day1"][0].status_reason) == (
        "skipped",
        "opted_out",
    )
    assert rows["ahsct_day3_temperature"][0].status == "planned"
    patient = reload(db, patient)
    patient.status, patient.phone_number.opted_out = "active", False  # texted START
    tick(utc(2026, 3, 13, 13, 0))  # day 3
    assert reload(db, rows["ahsct_day3_temperature"][0]).status == "sent"
    assert len(fake_transport.sent) == 1


def test_a_milestone_recorded_while_opted_out_is_planned_when_the_patient_texts_start(
    db, twilio, tick, fake_transport
):
    patient = make_patient(db, make_clinic(db))
    reply_text(twilio.sms("STOP"))
    add_anchor(db, patient, kind="infusion", day=date(2026, 3, 20), now=NOW)
    assert planned(db, patient) == []  # nothing is planned for an opted-out number
    reply_text(twilio.sms("START"))
    rows = by_step(planned(db, reload(db, patient)))
    assert rows["ahsct_day1"][0].status == "planned"
    tick(utc(2026, 3, 21, 14, 0))
    assert reload(db, rows["ahsct_day1"][0]).status == "sent"
