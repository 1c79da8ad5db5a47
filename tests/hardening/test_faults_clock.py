"""The clock jumps (NTP corrections, a host restored from a snapshot, a worker paused for
days) and daylight-saving changes in the middle of a plan: no text goes twice, texts left
behind by a jump forward expire per the staleness cut-off instead of going out in a burst,
and every text leaves at its planned local hour on both sides of both DST changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from lupus_sms.content.service import get_content
from lupus_sms.messaging import statuses
from lupus_sms.messaging.models import Message
from lupus_sms.messaging.transport import TemporaryTransportError
from lupus_sms.scheduling.plans import plans_of
from tests.factories import make_clinic, make_patient
from tests.scheduling.support import (  # noqa: F401
    add_anchor,
    by_step,
    fake_transport,
    planned,
    queue_text,
    reload,
    session_factory,
    tick,
    utc,
)

NEW_YORK = ZoneInfo("America/New_York")
PLANNED_AT = utc(2026, 3, 1, 15, 0)


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK)


def outbox_rows_per_planned(db) -> list[int]:
    stmt = (
        select(func.count(Message.id))
        .where(Message.planned_message_id.is_not(None))
        .group_by(Message.planned_message_id)
    )
    return list(db.scalars(stmt))


def test_jumps_backward_and_forward_send_nothing_twice_and_expire_what_fell_behind(
    db,
    tick,  # noqa: F811
    fake_transport,  # noqa: F811
):
    patient = make_patient(db, make_clinic(db))
    add_anchor(db, patient, kind="infusion", day=date(2026, 3, 10), now=PLANNED_AT)
    day1 = at_local(date(2026, 3, 11), 10)
    for now in (
        day1,  # day 1 goes out
        day1 - timedelta(hours=3),  # back 3 hours
        day1 - timedelta(days=2),  # back 2 days
        day1 + timedelta(minutes=1),
        at_local(date(2026, 3, 13), 9, 30),  # day 3's check-in, half an hour late: sent
        at_local(date(2026, 3, 18), 10),  # forward 5 days: days 5 and 7 fell behind
        at_local(date(2026, 3, 12), 10),  # back again, over texts already handled
        at_local(date(2026, 3, 20), 9),  # day 10's check-in, on time
    ):
        tick(now.astimezone(NEW_YORK))
    rows = by_step(planned(db, patient))
    sent = [step for step, (row,) in rows.items() if row.status == statuses.SENT]
    assert set(sent) == {"ahsct_day1", "ahsct_day3_temperature", "ahsct_day10_temperature"}
    for step in ("ahsct_day5_symptoms", "ahsct_day7"):
        assert (rows[step][0].status, rows[step][0].status_reason) == (statuses.EXPIRED, "stale")
    assert len(fake_transport.sent) == 3
    assert set(outbox_rows_per_planned(db)) == {1}


def test_a_retry_overtaken_by_a_jump_forward_expires_instead_of_going_late(
    db,
    tick,  # noqa: F811
    fake_transport,  # noqa: F811
):
    patient = make_patient(db, make_clinic(db))
    add_anchor(db, patient, kind="infusion", day=date(2026, 3, 10), now=PLANNED_AT)
    fake_transport.fail_with.append(TemporaryTransportError("Twilio HTTP 503", code="20503"))
    day1 = at_local(date(2026, 3, 11), 10)
    tick(day1)  # the send fails and waits for its retry
    tick(day1 + timedelta(days=1, hours=1))  # the worker comes back a day later
    row = by_step(planned(db, patient))["ahsct_day1"][0]
    assert (row.status, row.status_reason) == (statuses.EXPIRED, "stale")
    assert fake_transport.sent == []


def test_after_the_clock_went_back_hours_texts_still_go_out(db, tick, fake_transport):  # noqa: F811
    """The sender's rate-limit budget was reserved on the wrong, later clock: it must not
    hold every text (alerts included) until the clock catches up again."""
    later = utc(2026, 3, 10, 19, 0)
    queue_text(db, now=later, body="Sent while the clock was 3 hours fast")
    tick(later)
    corrected = later - timedelta(hours=3)
    message = queue_text(db, now=corrected, body="Sent after the clock was corrected")
    tick(corrected)
    assert reload(db, message).status == statuses.SENT
    assert len(fake_transport.sent) == 2


def ahsct_steps_for_infusion() -> dict[str, str]:
    plans = plans_of(get_content())
    return {
        step.key: step.send_at
        for step in plans.steps
        if step.applies_to(program="ahsct", category="milestone", kind="infusion")
    }


def test_a_plan_across_both_dst_changes_sends_at_the_planned_local_hour(
    db,
    tick,  # noqa: F811
    fake_transport,  # noqa: F811
):
    clinic = make_clinic(db)
    spring = make_patient(db, clinic, phone="+12025550131")  # day 7 is Sun Mar 8, 2026
    autumn = make_patient(db, clinic, phone="+12025550132")  # day 7 is Sun Nov 1, 2026
    add_anchor(db, spring, kind="infusion", day=date(2026, 3, 1), now=PLANNED_AT)
    add_anchor(db, autumn, kind="infusion", day=date(2026, 10, 25), now=PLANNED_AT)
    send_at = ahsct_steps_for_infusion()
    rows = sorted(planned(db, spring) + planned(db, autumn), key=lambda row: row.due_at)
    assert rows[0].due_at < utc(2026, 3, 8, 7, 0) and rows[-1].due_at > utc(2026, 11, 1, 6, 0)
    sent_at_local: dict[int, str] = {}
    for row in rows:
        early = row.due_at - timedelta(hours=1)  # the planned hour on the other UTC offset
        tick(early)
        assert reload(db, row).status == statuses.PLANNED, row.step_key
        before = len(fake_transport.sent)
        tick(row.due_at)
        assert len(fake_transport.sent) == before + 1, row.step_key
        sent_at_local[row.id] = row.due_at.astimezone(NEW_YORK).strftime("%H:%M")
    assert all(reload(db, row).status == statuses.SENT for row in rows)
    assert {sent_at_local[row.id] for row in rows} <= {"09:00", "10:00"}
    assert all(sent_at_local[row.id] == send_at[row.step_key] for row in rows)
    assert {row.due_at.hour for row in rows if send_at[row.step_key] == "10:00"} == {14, 15}
    dst_days = {
        row.due_at.astimezone(NEW_YORK).date() for row in rows if row.step_key == "ahsct_day7"
    }
    assert dst_days == {date(2026, 3, 8), date(2026, 11, 1)}
    assert len(fake_transport.sent) == len(rows)
    assert set(outbox_rows_per_planned(db)) == {1}
