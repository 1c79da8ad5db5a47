"""A worker killed around the transport call: the send is settled after its lease, once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lupus_sms.messaging.transport import FakeTransport, TemporaryTransportError
from tests.messaging.test_twilio_transport import make_transport
from tests.scheduling.support import queue_text, reload, utc
from tests.transports import use_transport

NOW = utc(2026, 3, 10, 16, 0)
AFTER_LEASE = NOW + timedelta(minutes=3)  # default lease: 120 s


class Killed(BaseException):
    """The process dies: nothing after this point runs."""


class KillAround:
    """Wraps a transport and dies before or after handing the text over."""

    name = "dying"

    def __init__(self, inner, *, after_send: bool):
        self.inner, self.after_send = inner, after_send

    def send(self, sms):
        if self.after_send:
            self.inner.send(sms)
        raise Killed

    def find_sent(self, *, to, since):
        return self.inner.find_sent(to=to, since=since)


def test_killed_after_the_send_is_recorded_from_the_provider_not_sent_again(db, tick):
    provider = FakeTransport()
    message = queue_text(db, now=NOW)
    with use_transport(KillAround(provider, after_send=True)), pytest.raises(Killed):
        tick(NOW)
    assert reload(db, message).status == "sending"
    with use_transport(provider):
        tick(NOW + timedelta(minutes=1))  # lease still running: left alone
        assert reload(db, message).status == "sending"
        tick(AFTER_LEASE)
    recovered = reload(db, message)
    assert (recovered.status, recovered.twilio_sid) == ("sent", provider.remote[0].sid)
    assert len(provider.sent) == 1


def test_killed_before_the_send_is_sent_again_once(db, tick):
    provider = FakeTransport()
    message = queue_text(db, now=NOW)
    with use_transport(KillAround(provider, after_send=False)), pytest.raises(Killed):
        tick(NOW)
    with use_transport(provider):
        tick(AFTER_LEASE)
        tick(AFTER_LEASE + timedelta(minutes=5))
    assert reload(db, message).status == "sent"
    assert len(provider.sent) == 1


def test_recovery_over_twilio_finds_the_message_in_the_message_list(db, tick):
    transport, stub = make_transport()
    message = queue_text(db, now=NOW)
    with use_transport(KillAround(transport, after_send=True)), pytest.raises(Killed):
        tick(NOW)
    with use_transport(transport):
        tick(AFTER_LEASE)
    assert reload(db, message).twilio_sid == stub.listed[0]["sid"]
    posts = [r for r in stub.requests if r["method"] == "POST"]
    assert len(posts) == 1
    lookup = next(r for r in stub.requests if r["method"] == "GET")
    assert lookup["params"]["To"] == "+12025550123"


class LookupDown(FakeTransport):
    def find_sent(self, *, to, since):
        raise TemporaryTransportError("lookup failed")


def test_a_send_whose_outcome_cannot_be_learned_ends_unknown(db, tick, monkeypatch):
    from lupus_sms.core.config import get_settings

    monkeypatch.setenv("SEND_MAX_ATTEMPTS", "2")
    get_settings.cache_clear()
    try:
        provider = LookupDown()
        message = queue_text(db, now=NOW)
        with use_transport(KillAround(provider, after_send=True)), pytest.raises(Killed):
            tick(NOW)
        with use_transport(provider):
            tick(AFTER_LEASE)
            assert reload(db, message).status == "sending"
            tick(AFTER_LEASE + timedelta(hours=1))
        stored = reload(db, message)
        assert (stored.status, stored.status_reason) == ("unknown", "lookup_failed")
        assert len(provider.sent) == 1
    finally:
        get_settings.cache_clear()


def test_an_unexpected_transport_error_is_settled_by_recovery(db, tick):
    provider = FakeTransport(fail_with=[RuntimeError("response could not be parsed")])
    message = queue_text(db, now=NOW)
    with use_transport(provider):
        tick(NOW)
        stored = reload(db, message)
        assert (stored.status, stored.attempts) == ("sending", 1)
        tick(AFTER_LEASE)  # nothing at the provider: sent again, once
    assert reload(db, message).status == "sent"
    assert len(provider.sent) == 1
