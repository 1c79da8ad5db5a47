"""What one scheduler tick does, in order. Each step takes (session_factory, now) and returns
how many items it handled. Domains append their periodic work here; a step that queues SMS
goes before `outbox_to_transport` so its texts leave in the same tick."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.alerts.jobs import TICK_STEPS as ALERT_STEPS
from lupus_sms.enrollment.jobs import resume_expired_pauses
from lupus_sms.messaging.dispatch import dispatch_outbox
from lupus_sms.messaging.recovery import recover_expired_leases
from lupus_sms.scheduling.enqueue import enqueue_due_planned

TickStep = Callable[[sessionmaker[Session], datetime], int]

TICK_STEPS: list[tuple[str, TickStep]] = [
    ("resume_expired_pauses", resume_expired_pauses),
    ("plan_to_outbox", enqueue_due_planned),
    ("recover_unknown_sends", recover_expired_leases),
    *ALERT_STEPS,  # re-notify, no_response, expire, clinic webhooks (before SMS leave)
    ("outbox_to_transport", dispatch_outbox),
]
