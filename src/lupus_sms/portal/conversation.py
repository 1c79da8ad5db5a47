"""The patient page's "Conversation" section: the thread's state and what the compose box
needs (threads/service.py decides; this only reads, for one clinic's patient).

The compose box carries the thread's `staff_version` as the page saw it, so a second person
answering from an older page is refused instead of texting the patient twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.alerts.models import Alert
from lupus_sms.alerts.service import get_alert
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.discreet import DISCREET
from lupus_sms.core.db import MAX_ID
from lupus_sms.core.errors import NotFoundError
from lupus_sms.core.statuses import PatientStatus
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message
from lupus_sms.portal.auth import PortalPageError
from lupus_sms.portal.timefmt import local_time
from lupus_sms.threads import quick_replies
from lupus_sms.threads import service as threads
from lupus_sms.threads.models import Thread
from lupus_sms.users.models import User


@dataclass(frozen=True)
class Conversation:
    thread: Thread | None
    assignee: str | None  # who the conversation is given to, as the users list names them
    unread: int  # the patient's texts nobody had read before this page opened
    refusal: str | None  # why nothing may be written now (STOP, pending, shared sender...)
    choices: list[quick_replies.QuickReplyChoice]
    opening_line: str | None  # what the next staff text starts with, if it opens the thread
    seen_version: int
    discreet: bool
    answering: Alert | None  # the review or red-flag item the reply answers (?alert=)
    ended: bool = False  # the patient is unenrolled or erased: off the inbox, nothing goes out
    max_body: int = threads.MAX_BODY


def conversation(
    db: Session, *, clinic: Clinic, patient: Patient, now: datetime, answering: Alert | None
) -> Conversation:
    thread = threads.thread_of_patient(db, clinic_id=clinic.id, patient_id=patient.id)
    refusal = threads.refusal(db, clinic, patient)
    return Conversation(
        thread=thread,
        assignee=_assignee(db, thread),
        unread=thread.unread if thread is not None else 0,
        refusal=refusal,
        choices=[] if refusal else quick_replies.choices(db, clinic=clinic, patient=patient),
        opening_line=None if refusal else threads.opening_line(clinic, patient, thread, now),
        seen_version=thread.staff_version if thread is not None else 0,
        discreet=patient.privacy_level == DISCREET,
        answering=answering,
        ended=patient.status == PatientStatus.UNENROLLED or patient.erased_at is not None,
    )


def _assignee(db: Session, thread: Thread | None) -> str | None:
    if thread is None or thread.assigned_user_id is None:
        return None
    user = db.get(User, thread.assigned_user_id)
    if user is None or not user.is_active or user.clinic_id != thread.clinic_id:
        return None  # deactivated since: nobody's, as in the inbox (threads/listing.py)
    return user.email


def answered_alert(db: Session, *, clinic: Clinic, patient: Patient, alert: str) -> Alert:
    """The item `?alert=` names, if it is this patient's: otherwise the same 404 as a
    missing one, whatever clinic it belongs to."""
    missing = PortalPageError(404, "No such alert for this patient.")
    if not alert.isdigit() or not 1 <= int(alert) <= MAX_ID:
        raise missing
    try:
        found = get_alert(db, clinic_id=clinic.id, alert_id=int(alert))
    except NotFoundError:
        raise missing from None
    if found.patient_id != patient.id:
        raise missing
    return found


def sent_notice(db: Session, *, patient: Patient, sent: str) -> str | None:
    """What became of the staff text just sent (`?sent=<message id>`): when it goes out."""
    if not sent.isdigit() or not 1 <= int(sent) <= MAX_ID:
        return None
    message = db.scalar(
        select(Message).where(
            Message.id == int(sent),
            Message.patient_id == patient.id,
            Message.clinic_id == patient.clinic_id,
            Message.author.is_not(None),
        )
    )
    if message is None:
        return None
    if message.kind == threads.URGENT_STAFF:
        return "Queued as urgent: it goes out now, even outside the patient's send window."
    waits = message.next_attempt_at is not None and message.next_attempt_at > message.created_at
    if message.kind == threads.STAFF and waits:
        at = local_time(message.next_attempt_at, patient.timezone)
        return f"Queued: it waits for the patient's send window, at {at} their time."
    return "Queued: it goes out now."
