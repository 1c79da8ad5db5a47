"""The conversation step of the inbound order (inbound/order.py): once someone at the clinic
has answered a patient, the patient's texts belong to that conversation until its
`routes_until`, not to the keyword bot.

Only compliance (the step before: STOP, START, HELP and their Spanish words alone, and clear
wishes to stop) and red flags are still intercepted: a red flag raises its alert and gets
the safety reply at once, and is in the conversation too. Numbers, YES and keywords are the
patient's words to the nurse: no bot reply, no safety-net boilerplate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from lupus_sms.alerts.inbound import is_red_flag
from lupus_sms.clinics.models import Clinic
from lupus_sms.conversation.pipeline import InboundContext, Reply
from lupus_sms.threads import notifications
from lupus_sms.threads.models import Thread
from lupus_sms.threads.service import OPEN

THREAD = "thread"


def handle_thread(context: InboundContext, *, safety: Callable) -> Reply | None:
    if context.opted_in_now:
        return None  # START lifted an opt-out: its confirmation comes first
    patient_id = context.message.patient_id
    if patient_id is None:
        return None
    found = context.db.execute(
        select(Thread, Clinic.conversation_renotify_minutes)
        .join(Clinic, Clinic.id == Thread.clinic_id)
        .where(Thread.patient_id == patient_id, Thread.routes_until > context.now)
    ).first()
    if found is None:
        return None
    thread, renotify_minutes = found
    now = context.now
    thread.status = OPEN
    thread.unread += 1
    thread.last_patient_at = now
    thread.waiting_since = thread.waiting_since or now
    thread.next_notify_at = thread.next_notify_at or now + timedelta(minutes=renotify_minutes)
    thread.closed_at = thread.closed_by = None
    thread.updated_at = now
    notifications.patient_message(context.db, thread=thread, message=context.message, now=now)
    if is_red_flag(context):
        return safety(context)
    return Reply(None, THREAD)
