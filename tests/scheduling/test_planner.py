"""The materialised plan: which rows exist for each program, anchor and patient status."""

from __future__ import annotations

from datetime import date, timedelta

from lupus_sms.scheduling.planner import replan
from tests.factories import make_clinic, make_patient
from tests.scheduling.support import add_anchor, by_step, move_anchor, planned, reload, utc

NOW = utc(2026, 3, 10, 15, 0)  # 11:00 in New York


def test_ahsct_infusion_plans_the_intense_first_weeks_then_monthly(db):
    patient = make_patient(db, make_clinic(db), program="ahsct")
    add_anchor(db, patient, kind="infusion", day=date(2026, 4, 1), now=NOW)
    steps = by_step(planned(db, patient))
    assert "ahsct_day1" in steps and "ahsct_month_12" in steps
    assert "ahsct_day3_temperature" in steps
    assert not any(key.startswith(("msc_", "appt_")) for key in steps)
    # Day 1 at 10:00 New York time (EDT, UTC-4).
    assert steps["ahsct_day1"][0].due_at == utc(2026, 4, 2, 14, 0)
    assert {row.status for row in planned(db, patient)} == {"planned"}


def test_msc_treatment_plans_the_lighter_schedule(db):
    patient = make_patient(db, make_clinic(db), program="msc")
    add_anchor(db, patient, kind="treatment", day=date(2026, 4, 1), now=NOW)
    steps = by_step(planned(db, patient))
    assert set(steps) == {
        "msc_day1",
        "msc_day3_symptoms",
        "msc_day7",
        "msc_day14_symptoms",
        "msc_day30",
        "msc_day90",
        "msc_day180",
        "msc_day365",
    }


def test_a_milestone_of_another_program_plans_nothing(db):
    patient = make_patient(db, make_clinic(db), program="msc")
    add_anchor(db, patient, kind="infusion", day=date(2026, 4, 1), now=NOW)
    assert planned(db, patient) == []


def test_consultations_get_the_question_prompts_and_procedures_a_reminder(db):
    patient = make_patient(db, make_clinic(db), program="evaluation")
    visit = utc(2026, 3, 20, 14, 30)
    add_anchor(db, patient, category="appointment", kind="consultation", at=visit, now=NOW)
    add_anchor(
        db,
        patient,
        category="appointment",
        kind="procedure",
        at=visit + timedelta(days=30),
        now=NOW,
    )
    steps = by_step(planned(db, patient))
    assert set(steps) == {
        "appt_questions_7d",
        "appt_questions_2d",
        "appt_questions_1d",
        "appt_reminder_1d",
    }
    assert steps["appt_questions_7d"][0].due_at == utc(2026, 3, 13, 14, 0)


def test_a_past_procedure_date_records_the_missed_steps_as_skipped(db):
    patient = make_patient(db, make_clinic(db), program="ahsct")
    add_anchor(db, patient, kind="infusion", day=date(2026, 2, 1), now=NOW)
    rows = by_step(planned(db, patient))
    assert (rows["ahsct_day1"][0].status, rows["ahsct_day1"][0].status_reason) == (
        "skipped",
        "before_enrolment",
    )
    assert rows["ahsct_month_2"][0].status == "planned"  # day 60 is still ahead


def test_replanning_is_idempotent(db):
    patient = make_patient(db, make_clinic(db))
    add_anchor(db, patient, kind="infusion", day=date(2026, 4, 1), now=NOW)
    before = [(row.id, row.due_at) for row in planned(db, patient)]
    replan(db, patient_id=patient.id, now=NOW)
    replan(db, patient_id=patient.id, now=NOW + timedelta(hours=1))
    assert [(row.id, row.due_at) for row in planned(db, patient)] == before


def test_moving_an_appointment_cancels_the_old_rows_and_plans_the_new(db):
    patient = make_patient(db, make_clinic(db), program="evaluation")
    visit = add_anchor(
        db, patient, category="appointment", kind="consultation", at=utc(2026, 3, 20, 14), now=NOW
    )
    move_anchor(db, visit, at=utc(2026, 3, 27, 14), now=NOW)
    rows = planned(db, patient)
    old = [row for row in rows if row.anchor_revision == 1]
    new = [row for row in rows if row.anchor_revision == 2]
    assert {(row.status, row.status_reason) for row in old} == {("cancelled", "rescheduled")}
    assert {row.status for row in new} == {"planned"} and len(new) == 3


def test_moving_only_the_other_anchor_leaves_this_one_alone(db):
    patient = make_patient(db, make_clinic(db))
    infusion = add_anchor(db, patient, kind="infusion", day=date(2026, 4, 1), now=NOW)
    discharge = add_anchor(db, patient, kind="discharge", day=date(2026, 4, 20), now=NOW)
    infusion_rows = {row.id for row in planned(db, patient) if row.anchor_id == infusion.id}
    move_anchor(db, discharge, at=discharge.at + timedelta(days=3), now=NOW)
    still = {row.id for row in planned(db, patient) if row.status == "planned"}
    assert infusion_rows <= still


def test_cancelling_an_appointment_cancels_its_unsent_prompts(db):
    patient = make_patient(db, make_clinic(db))
    visit = add_anchor(
        db, patient, category="appointment", kind="consultation", at=utc(2026, 3, 20, 14), now=NOW
    )
    visit.status, visit.revision = "cancelled", visit.revision + 1
    replan(db, patient_id=patient.id, now=NOW)
    assert {row.status for row in planned(db, patient)} == {"cancelled"}


def test_consent_pending_plans_nothing_until_confirmed(db):
    patient = make_patient(db, make_clinic(db), status="pending_consent")
    add_anchor(db, patient, kind="infusion", day=date(2026, 4, 1), now=NOW)
    assert planned(db, patient) == []
    patient.status = "active"
    replan(db, patient_id=patient.id, now=NOW)
    assert len(planned(db, patient)) > 10


def test_a_status_change_rewrites_no_open_row(db):
    patient = make_patient(db, make_clinic(db))
    add_anchor(db, patient, kind="infusion", day=date(2026, 4, 1), now=NOW)
    before = {(row.id, row.due_at) for row in planned(db, patient)}
    for status in ("opted_out", "unenrolled", "undeliverable", "active"):
        patient.status = status
        replan(db, patient_id=patient.id, now=NOW)
        rows = planned(db, patient)
        assert {(row.id, row.due_at) for row in rows} == before
        assert {(row.status, row.status_reason) for row in rows} == {("planned", None)}
    assert reload(db, patient).status == "active"
