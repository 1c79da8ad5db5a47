"""Status callbacks that arrive while our send call is still running, repeated and out of
order, through the signed `/twilio/status` route, with the scheduler's tick doing the send.
(tests/messaging/test_status_callbacks.py covers callbacks after the send.)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from lupus_sms.messaging import statuses
from lupus_sms.messaging.transport import (
    FakeTransport,
    TemporaryTransportError,
    UncertainTransportError,
)
from tests.scheduling.support import queue_text, reload, session_factory, tick, utc  # noqa: F401
from tests.transports import use_transport

NOW = utc(2026, 3, 10, 16, 0)


def callback(twilio, message_id: int, sid: str, state: str, **extra: str) -> None:
    data = {"MessageSid": sid, "MessageStatus": state, "AccountSid": "AC" + "0" * 32, **extra}
    response = twilio.post(f"/twilio/status?message_id={message_id}", data)
    assert response.status_code == 204


class CallbacksDuringSend(FakeTransport):
    """Twilio takes the message and its callbacks reach us before the create call returns;
    then the call returns normally, or fails with `then_raise`."""

    def __init__(self, twilio, states: list[tuple[str, dict]], then_raise=None):
        super().__init__()
        self.twilio, self.states, self.then_raise = twilio, states, then_raise
        self.calls = 0

    def send(self, sms):
        self.calls += 1
        sid = f"SMFAKE{len(self.remote) + 1:026d}"
        message_id = int(sms.status_callback.rsplit("=", 1)[1])
        for state, extra in self.states:
            callback(self.twilio, message_id, sid, state, **extra)
        result = super().send(sms)
        if self.then_raise is not None:
            raise self.then_raise
        return result


def send_with(db, tick, transport):  # noqa: F811
    message = queue_text(db, now=NOW)
    with use_transport(transport):
        tick(NOW)
        tick(NOW + timedelta(minutes=5))  # past the lease: recovery would act now
        tick(NOW + timedelta(hours=1))
    return reload(db, message)


@pytest.mark.parametrize(
    ("states", "final"),
    [
        ([("delivered", {})], statuses.DELIVERED),
        ([("sent", {}), ("sent", {})], statuses.SENT),
        ([("delivered", {}), ("delivered", {})], statuses.DELIVERED),
        ([("delivered", {}), ("sent", {}), ("queued", {})], statuses.DELIVERED),
        ([("sent", {}), ("delivered", {}), ("sending", {})], statuses.DELIVERED),
        ([("undelivered", {"ErrorCode": "30003"}), ("sent", {})], statuses.UNDELIVERED),
    ],
    ids=["delivered", "sent-twice", "delivered-twice", "out-of-order", "forward", "undelivered"],
)
def test_callbacks_before_the_send_returned_are_kept(db, tick, twilio, states, final):  # noqa: F811
    transport = CallbacksDuringSend(twilio, states)
    stored = send_with(db, tick, transport)
    assert stored.status == final
    assert stored.twilio_sid == transport.remote[0].sid
    assert stored.sent_at is not None and stored.claim_token is None
    assert transport.calls == 1 and len(transport.sent) == 1
    if final == statuses.UNDELIVERED:
        assert stored.error_code == "30003"


@pytest.mark.parametrize(
    "error",
    [TemporaryTransportError("Twilio HTTP 500", code="20500"), UncertainTransportError("timeout")],
    ids=["500", "read-timeout"],
)
def test_a_callback_then_a_failed_call_neither_resends_nor_goes_backwards(
    db,
    tick,  # noqa: F811
    twilio,
    error,
):
    """Twilio created the text and said so, but our call ended in an error: the callback
    is the truth."""
    transport = CallbacksDuringSend(twilio, [("delivered", {})], then_raise=error)
    stored = send_with(db, tick, transport)
    assert (stored.status, stored.twilio_sid) == (statuses.DELIVERED, transport.remote[0].sid)
    assert stored.claim_token is None
    assert transport.calls == 1


def test_a_planned_message_follows_callbacks_that_beat_the_send(db, tick, twilio):  # noqa: F811
    from datetime import date

    from tests.factories import make_clinic, make_patient
    from tests.scheduling.support import add_anchor, by_step, planned

    patient = make_patient(db, make_clinic(db))
    add_anchor(db, patient, kind="infusion", day=date(2026, 3, 10), now=NOW)
    transport = CallbacksDuringSend(twilio, [("delivered", {}), ("sent", {}), ("delivered", {})])
    with use_transport(transport):
        tick(utc(2026, 3, 11, 14, 0))  # day 1, 10:00 in New York
        tick(utc(2026, 3, 11, 15, 0))
    row = by_step(planned(db, patient))["ahsct_day1"][0]
    assert row.status == statuses.DELIVERED
    assert transport.calls == 1
