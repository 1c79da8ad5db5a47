"""What the consent texts may promise about frequency, tested against every program's plan."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from lupus_sms.content.loader import load_content_dir
from lupus_sms.content.wording import WEEKLY_COUNT
from lupus_sms.core.config import get_settings
from lupus_sms.scheduling.frequency import densest_week, most_texts_in_a_week
from lupus_sms.scheduling.plans import plans_of
from tests.factories import make_clinic, make_patient
from tests.scheduling.support import add_anchor, planned, utc

SHIPPED = load_content_dir(get_settings().content_dir)
NOW = utc(2026, 3, 1, 15, 0)
DAY = date(2026, 4, 6)  # a Monday, far enough ahead for every step to be planned


def test_the_densest_week_counts_a_window_of_seven_days():
    hours = [timedelta(hours=h) for h in (0, 24, 100, 167, 168, 300)]
    assert densest_week(hours) == 4  # 0..167 h; 168 h is a week after 0 h
    assert densest_week([]) == 0


def test_the_most_texts_a_week_for_each_program_of_the_shipped_plan():
    plans = plans_of(SHIPPED)
    # aHSCT: days 1, 3, 5 and 7 after the infusion; the discharge day; the collection eve; 3
    # prompts before an evaluation and 3 before a consultation; 1 reminder before a procedure
    # and 1 before a follow-up. MSC: days 1, 3 and 7 after treatment, and the same visits.
    expected = {"ahsct": 4 + 1 + 1 + 3 + 3 + 1 + 1, "msc": 3 + 8, "evaluation": 8}
    assert {p: most_texts_in_a_week(plans, p) for p in expected} == expected


def _local(day: date, hour: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("America/New_York"))


def _visits(db, patient, day: date) -> None:
    """An evaluation and a consultation a week after `day`, a procedure and a follow-up
    on its fourth day: every visit's texts fall in the week that starts on `day`."""
    for kind, offset in (
        ("evaluation", 7),
        ("consultation", 7),
        ("procedure", 4),
        ("follow-up", 4),
    ):
        at = _local(day + timedelta(days=offset), 14)
        add_anchor(db, patient, category="appointment", kind=kind, at=at, now=NOW)


def _busiest_week(db, patient) -> int:
    return densest_week([row.due_at - NOW for row in planned(db, patient)])


@pytest.mark.parametrize("program", ["ahsct", "msc", "evaluation"])
def test_a_real_patient_can_get_that_many_texts_in_one_week(db, program):
    """The maximum is not a bound on paper only: planned anchors reach it."""
    patient = make_patient(db, make_clinic(db), program=program)
    first_day = DAY + timedelta(days=1)
    if program == "ahsct":
        add_anchor(db, patient, kind="infusion", day=DAY, now=NOW)
        add_anchor(db, patient, kind="discharge", day=DAY + timedelta(days=3), now=NOW)
        add_anchor(db, patient, kind="collection", day=DAY + timedelta(days=4), now=NOW)
    elif program == "msc":
        add_anchor(db, patient, kind="treatment", day=DAY, now=NOW)
    _visits(db, patient, first_day)
    assert _busiest_week(db, patient) == most_texts_in_a_week(plans_of(SHIPPED), program)


def test_the_old_promise_of_four_a_week_was_false_and_the_shipped_one_is_honest(db):
    patient = make_patient(db, make_clinic(db), program="ahsct")
    add_anchor(db, patient, kind="infusion", day=DAY, now=NOW)
    add_anchor(db, patient, kind="discharge", day=DAY + timedelta(days=6), now=NOW)
    assert _busiest_week(db, patient) >= 5  # days 1, 3, 5, 6 (home) and 7: no visit needed
    for language in ("en", "es"):
        view = SHIPPED.for_language(language)
        for name in ("consent_invitation", "consent_confirmation", "opt_in_confirmation"):
            stated = WEEKLY_COUNT.search(view.messages[name])
            worst = max(most_texts_in_a_week(plans_of(view), p) for p in ("ahsct", "msc"))
            assert stated is None or int(stated.group(1)) >= worst
