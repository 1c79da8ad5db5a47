"""The conversation step of the inbound order (inbound/order.py): once someone at the clinic
has answered a patient, the patient's texts belong to that conversation until its
`routes_until`, not to the keyword bot.

Only compliance (the step before: STOP, START, HELP and their Spanish words alone, and clear
wishes to stop), the privacy words alone (PRIVATE, DETAILS, FULL and their Spanish words: the
patient's control over what a lock screen shows) and red flags are still intercepted: a red
flag raises its alert and gets the safety reply at once, and is in the conversation too.
Numbers, YES and keywords are the patient's words to the nurse: no bot reply, no safety-net
boilerplate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from lupus_sms.alerts.inbound import is_red_flag
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.discreet import PRIVACY_WORDS
from lupus_sms.conversation.compliance import OPT_IN_WORDS
from lupus_sms.conversation.pipeline import InboundContext, Reply
from lupus_sms.core.statuses import PatientStatus
from lupus_sms.enrollment.models import Patient
from lupus_sms.threads import notifications
from lupus_sms.threads.models import Thread
from lupus_sms.threads.service import OPEN

THREAD = "thread"
# START, UNSTOP, COMENZAR alone: a compliance word, not a question for the nurse. YES and SI
# are ordinary answers inside a conversation ("can you come Tuesday?" "yes").
RESUBSCRIBE_WORDS = OPT_IN_WORDS - {"YES", "SI", "SÍ"}
# A conversation goes on while the enrolment lives; an opted-out one still reaches it (the
# nurse sees what the patient wrote after STOP, and cannot answer by text).
ROUTED_STATUSES = (PatientStatus.ACTIVE, PatientStatus.PAUSED, PatientStatus.OPTED_OUT)


def handle_thread(context: InboundContext, *, safety: Callable) -> Reply | None:
    if context.opted_in_now or context.phone_number is None:
        return None  # START lifted an opt-out: its confirmation comes first
    if context.normalised in PRIVACY_WORDS | RESUBSCRIBE_WORDS:
        return None  # the patient's own controls, answered as outside a conversation
    found = _live_thread(context)
    if found is None:
        return None
    thread, renotify_minutes = found
    now = context.now
    # The text is the conversation's patient's, even where the number has other enrolments.
    context.message.patient_id, context.message.clinic_id = thread.patient_id, thread.clinic_id
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


def _live_thread(context: InboundContext):
    """The one live conversation this text answers: of the number's consented enrolments, at
    the clinic the `To` names, or, on the shared sender, at a clinic without its own. Staff
    texts are sent from exactly those senders, and none are allowed where two clinics share
    one (threads/service.py), so there is at most one; more would be a bug, so none."""
    if context.sender is not None and not context.sender.enrolments:
        return None  # a number without enrolments: no query
    addressed = context.sender.clinic_id if context.sender is not None else None
    stmt = (
        select(Thread, Clinic.conversation_renotify_minutes)
        .join(Clinic, Clinic.id == Thread.clinic_id)
        .join(Patient, Patient.id == Thread.patient_id)
        .where(
            Patient.phone_number_id == context.phone_number.id,
            Patient.consented_at.is_not(None),
            Patient.status.in_(ROUTED_STATUSES),
            Thread.routes_until > context.now,
        )
        .limit(2)
    )
    if addressed is not None:
        stmt = stmt.where(Thread.clinic_id == addressed)
    else:
        stmt = stmt.where(Clinic.sender.is_(None))
    found = context.db.execute(stmt).all()
    return found[0] if len(found) == 1 else None
