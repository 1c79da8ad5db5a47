"""What one scheduler tick does, in order. Each step takes (session_factory, now) and returns
how many items it handled. Domains append their periodic work here; a step that queues SMS
goes before `outbox_to_transport` so its texts leave in the same tick.

The steps that send are given what they send through (`Senders`): the process chooses it
once where it is wired (main.py for `serve`, worker_cli.py for `worker` and `run-due`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import httpx

from lupus_sms.alerts.clinic_webhook import deliver_due
from lupus_sms.alerts.jobs import (
    expire_alerts_of_erased_patients,
    expire_low_priority,
    renotify_unacknowledged,
)
from lupus_sms.checkins.jobs import detect_no_response
from lupus_sms.enrollment.jobs import resume_expired_pauses
from lupus_sms.messaging.transport import SmsTransport
from lupus_sms.scheduling.dispatch import dispatch_outbox
from lupus_sms.scheduling.enqueue import enqueue_due_planned
from lupus_sms.scheduling.recovery import recover_expired_leases
from lupus_sms.scheduling.tick import TickStep


@dataclass(frozen=True)
class Senders:
    """What the tick sends through: the SMS transport, and the HTTP transport of the clinics'
    alert webhooks (None: the network, through core/egress.py)."""

    sms: SmsTransport
    clinic_webhooks: httpx.BaseTransport | None = None


def tick_steps(
    senders: Senders, *, upper: Sequence[tuple[str, TickStep]] = ()
) -> list[tuple[str, TickStep]]:
    """Every step of one tick, in order, sending through `senders`. `upper`: the steps of
    domains above this package (conversations), handed in by the process that wires the
    tick (worker.py `tick_steps`); they queue webhook rows, so they run before that step."""
    return [
        ("resume_expired_pauses", resume_expired_pauses),
        ("plan_to_outbox", enqueue_due_planned),
        ("recover_unknown_sends", partial(recover_expired_leases, transport=senders.sms)),
        # Alerts: re-notifications and new alerts queue webhook rows and on-call SMS, which
        # the webhook step and the outbox dispatcher then send in the same tick.
        ("alerts_of_erased_patients", expire_alerts_of_erased_patients),
        ("alerts_renotify", renotify_unacknowledged),
        ("alerts_no_response", detect_no_response),  # check-ins left unanswered (checkins/jobs.py)
        ("alerts_expire", expire_low_priority),
        *upper,
        ("alerts_webhooks", partial(deliver_due, transport=senders.clinic_webhooks)),
        ("outbox_to_transport", partial(dispatch_outbox, transport=senders.sms)),
    ]
