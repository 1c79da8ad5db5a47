"""What one scheduler tick does, in order. Each step takes (session_factory, now) and returns
how many items it handled. Domains append their periodic work here; a step that queues SMS
goes before `outbox_to_transport` so its texts leave in the same tick."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.alerts.clinic_webhook import deliver_due
from lupus_sms.alerts.jobs import expire_low_priority, renotify_unacknowledged
from lupus_sms.checkins.jobs import detect_no_response
from lupus_sms.enrollment.jobs import resume_expired_pauses
from lupus_sms.scheduling.dispatch import dispatch_outbox
from lupus_sms.scheduling.enqueue import enqueue_due_planned
from lupus_sms.scheduling.recovery import recover_expired_leases

TickStep = Callable[[sessionmaker[Session], datetime], int]

TICK_STEPS: list[tuple[str, TickStep]] = [
    ("resume_expired_pauses", resume_expired_pauses),
    ("plan_to_outbox", enqueue_due_planned),
    ("recover_unknown_sends", recover_expired_leases),
    # Alerts: re-notifications and new alerts queue webhook rows and on-call SMS, which the
    # webhook step and the outbox dispatcher then send in the same tick.
    ("alerts_renotify", renotify_unacknowledged),
    ("alerts_no_response", detect_no_response),  # check-ins left unanswered (checkins/jobs.py)
    ("alerts_expire", expire_low_priority),
    ("alerts_webhooks", deliver_due),
    ("outbox_to_transport", dispatch_outbox),
]
