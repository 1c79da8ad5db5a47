"""Quiet hours and daylight saving: local hours stay local, nights are skipped over."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lupus_sms.clinics.quiet_hours import SendWindow
from tests.factories import make_clinic, make_patient
from tests.scheduling.support import add_anchor, by_step, planned, queue_text, reload, utc

NOW = utc(2026, 3, 1, 15, 0)
NEW_YORK = SendWindow("America/New_York")


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        (date(2026, 3, 7), utc(2026, 3, 7, 15, 0)),  # EST, before spring forward (Mar 8)
        (date(2026, 3, 9), utc(2026, 3, 9, 14, 0)),  # EDT after it
        (date(2026, 10, 31), utc(2026, 10, 31, 14, 0)),  # EDT, before fall back (Nov 1)
        (date(2026, 11, 2), utc(2026, 11, 2, 15, 0)),  # EST after it
    ],
)
def test_ten_oclock_stays_ten_oclock_across_dst(day, expected_utc):
    from datetime import time

    assert NEW_YORK.local(day, time(10)) == expected_utc


def test_a_zone_without_dst_keeps_its_offset():
    from datetime import time

    phoenix = SendWindow("America/Phoenix")
    assert phoenix.local(date(2026, 3, 7), time(10)) == utc(2026, 3, 7, 17, 0)
    assert phoenix.local(date(2026, 3, 9), time(10)) == utc(2026, 3, 9, 17, 0)


def test_the_night_of_spring_forward_holds_to_eight_edt():
    at_one_am_est = utc(2026, 3, 8, 6, 0)
    assert NEW_YORK.next_open(at_one_am_est) == utc(2026, 3, 8, 12, 0)


def test_the_night_of_fall_back_holds_to_eight_est():
    at_one_am_edt = utc(2026, 11, 1, 5, 0)  # 01:00 EDT, the first of two 1 a.m.s
    assert NEW_YORK.next_open(at_one_am_edt) == utc(2026, 11, 1, 13, 0)


def test_late_evening_holds_to_the_next_morning():
    at_nine_pm = utc(2026, 3, 10, 1, 0)  # 21:00 EDT on Mar 9
    assert NEW_YORK.next_open(at_nine_pm) == utc(2026, 3, 10, 12, 0)


def test_a_plan_step_is_due_at_the_same_local_hour_across_the_transition(db):
    patient = make_patient(db, make_clinic(db))
    add_anchor(db, patient, kind="infusion", day=date(2026, 3, 6), now=NOW)
    steps = by_step(planned(db, patient))
    assert steps["ahsct_day1"][0].due_at == utc(2026, 3, 7, 15, 0)  # 10:00 EST
    assert steps["ahsct_day5_symptoms"][0].due_at == utc(2026, 3, 11, 14, 0)  # 10:00 EDT


def test_plans_follow_a_clinics_own_window(db):
    clinic = make_clinic(db, send_window_start="11:00", send_window_end="18:00")
    patient = make_patient(db, clinic)
    add_anchor(db, patient, kind="infusion", day=date(2026, 3, 6), now=NOW)
    temperature = by_step(planned(db, patient))["ahsct_day3_temperature"][0]
    assert temperature.due_at == utc(2026, 3, 9, 15, 0)  # held from 09:00 to 11:00 EDT


def test_a_text_due_at_night_is_held_to_the_morning(db, tick, fake_transport):
    patient = make_patient(db, make_clinic(db))
    night = utc(2026, 3, 10, 2, 0)  # 22:00 EDT
    message = queue_text(db, now=night, patient_id=patient.id)
    tick(night)
    held = reload(db, message)
    assert fake_transport.sent == []
    assert (held.status, held.next_attempt_at) == ("queued", utc(2026, 3, 10, 12, 0))
    tick(utc(2026, 3, 10, 12, 0))
    assert len(fake_transport.sent) == 1


def test_alert_texts_are_not_held(db, tick, fake_transport):
    patient = make_patient(db, make_clinic(db))
    night = utc(2026, 3, 10, 2, 0)
    queue_text(db, now=night, patient_id=patient.id, kind="alert_sms")
    tick(night)
    assert len(fake_transport.sent) == 1


def test_validity_period_ends_with_the_send_window(db, tick, fake_transport):
    patient = make_patient(db, make_clinic(db))
    five_to_eight_pm = utc(2026, 3, 10, 23, 55)  # 19:55 EDT
    queue_text(
        db,
        now=five_to_eight_pm,
        patient_id=patient.id,
        valid_until=five_to_eight_pm + timedelta(hours=6),
    )
    tick(five_to_eight_pm)
    assert fake_transport.sent[0].validity_seconds == 300


def test_validity_period_is_the_staleness_left_when_that_is_shorter(db, tick, fake_transport):
    patient = make_patient(db, make_clinic(db))
    noon = utc(2026, 3, 10, 16, 0)
    queue_text(db, now=noon, patient_id=patient.id, valid_until=noon + timedelta(minutes=30))
    tick(noon)
    assert fake_transport.sent[0].validity_seconds == 1800


def test_a_stored_window_reaching_into_the_night_only_sends_in_the_day():
    """A clinic saved 00:00-23:59 before windows were bounded: still never at night."""
    whole_day = SendWindow.of("America/New_York", "00:00", "23:59")
    three_am = utc(2026, 3, 10, 7, 0)  # 03:00 in New York
    assert not whole_day.contains(three_am)
    assert whole_day.next_open(three_am) == utc(2026, 3, 10, 12, 0)  # 08:00 local
    assert not whole_day.contains(utc(2026, 3, 10, 1, 30))  # 21:30 the evening before
