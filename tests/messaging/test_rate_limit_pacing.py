"""The sender's rate limit paces sends: never more than a second's worth in any 1-second
window, no burst at the start, and what does not fit in a tick waits for the next one.

The dispatcher waits for each reserved slot on the pacer; the `virtual_send_pacing` fixture
makes those waits take no real time and lets the test read when each text went out."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from tests.scheduling.support import queue_text, utc

NOON_NY = utc(2026, 3, 10, 16, 0)


def busiest_window(times: list[float]) -> int:
    """The most sends in any window shorter than one second."""
    busiest, left = 0, 0
    for right, at in enumerate(times):
        while at - times[left] >= 1.0:
            left += 1
        busiest = max(busiest, right - left + 1)
    return busiest


def test_sends_are_paced_at_the_rate_with_no_first_second_burst(
    db, tick, fake_transport, set_env, virtual_send_pacing
):
    set_env(sms_segments_per_second="4", tick_seconds="5", tick_batch_size="7")
    sent_at: list[float] = []
    fake_transport.on_send = lambda sms: sent_at.append(virtual_send_pacing.time())
    for index in range(30):
        queue_text(db, now=NOON_NY, body=f"Notice {index} from the care team")
    tick(NOON_NY)
    assert len(sent_at) == 20  # 5 s at 4 per second, across several batches
    assert busiest_window(sent_at) == 4
    assert sent_at[3] - sent_at[0] >= 0.75  # the first second is paced like the others
    tick(NOON_NY + timedelta(minutes=1))
    assert len(fake_transport.sent) == 30
    assert busiest_window(sent_at) == 4
    assert len({sms.body for sms in fake_transport.sent}) == 30


def test_a_two_segment_text_takes_two_slots(db, tick, fake_transport, set_env, virtual_send_pacing):
    set_env(sms_segments_per_second="2", tick_seconds="3")
    sent_at: list[float] = []
    fake_transport.on_send = lambda sms: sent_at.append(virtual_send_pacing.time())
    long_body = "Please remember your appointment tomorrow morning. " * 4  # 2 segments
    for _ in range(4):
        queue_text(db, now=NOON_NY, body=long_body)
    tick(NOON_NY)
    assert len(sent_at) == 3  # slots at 0, 1 and 2 s; the fourth would start at 3 s
    assert [round(b - a, 6) for a, b in pairwise(sent_at)] == [1.0, 1.0]
