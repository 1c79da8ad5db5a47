"""What the tests' ticks send through: the tests' side of the wiring.

A process chooses its transports once where it is wired (`create_app`, worker_cli.py) and
hands them to the tick (`tick_steps(senders)`). Tests tick through `tick_steps(senders())`:
the SMS transport a block seats with `use_transport` (else the one the settings configure:
the console), and the clinic webhooks' HTTP transport seated with `set_webhook_transport`
(None: the network).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from lupus_sms.core.config import get_settings
from lupus_sms.messaging.transport import SmsTransport, build_transport
from lupus_sms.scheduling.jobs import Senders
from lupus_sms.scheduling.tick import TickStep
from lupus_sms.worker import tick_steps


@dataclass
class _Seats:
    sms: SmsTransport | None = None
    clinic_webhooks: httpx.BaseTransport | None = None


SEATS = _Seats()


@contextmanager
def use_transport(transport: SmsTransport) -> Iterator[SmsTransport]:
    """Send the SMS of the ticks in this block through `transport`."""
    previous, SEATS.sms = SEATS.sms, transport
    try:
        yield transport
    finally:
        SEATS.sms = previous


def set_webhook_transport(transport: httpx.BaseTransport | None) -> None:
    """Where the ticks' clinic webhook requests go (None: the network)."""
    SEATS.clinic_webhooks = transport


def senders() -> Senders:
    return Senders(
        sms=SEATS.sms or build_transport(get_settings()), clinic_webhooks=SEATS.clinic_webhooks
    )


def steps() -> list[tuple[str, TickStep]]:
    """One tick's steps, sending through what is seated now."""
    return tick_steps(senders())
