"""Staff messages and the conversations they open: who may be written to, when the text goes,
who answers, and closing. Each use case commits its change with its audit entry.

Rules (README, "Care-team conversations"):
- only an enrolment that said YES, is not paused by STOP or a carrier block, and is not
  ended; from the clinic's own sender, or from the shared one when no other clinic uses it
  (on a sender shared by several clinics a patient's answer could not be routed: the
  thread of which clinic?);
- a text answering one the patient sent in the last `staff_reply_at_once_hours` goes at
  once; any other waits for the patient's send window, unless a nurse or clinic admin marks
  it urgent;
- the first staff message of a conversation tells the patient a person is answering and
  that the line is not watched around the clock;
- two people answering at once: the compose box carries the `staff_version` it saw; the
  second to send is refused with who answered, and nothing is sent twice.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lupus_sms.alerts.documents import clinic_values
from lupus_sms.alerts.models import Alert, AlertNotification
from lupus_sms.audit.service import Actor, Trail, one_transaction, record_on
from lupus_sms.clinics.models import Clinic
from lupus_sms.clinics.quiet_hours import SendWindow
from lupus_sms.content.discreet import for_privacy
from lupus_sms.content.limits import first_name_for_text
from lupus_sms.content.service import get_content
from lupus_sms.content.snapshot import ContentSnapshot
from lupus_sms.conversation.handlers import STAFF_TEXT_KINDS
from lupus_sms.core.config import Settings
from lupus_sms.core.errors import ConflictError, NotFoundError, PermissionDenied, ValidationFailed
from lupus_sms.core.statuses import AlertStatus, NotificationStatus, PatientStatus
from lupus_sms.enrollment.models import Patient
from lupus_sms.enrollment.service import get_patient
from lupus_sms.messaging import outbox
from lupus_sms.messaging.models import Message
from lupus_sms.threads import content as care_team
from lupus_sms.threads import notifications
from lupus_sms.threads.models import Thread
from lupus_sms.users.models import User

MAX_BODY = 1600  # Twilio's limit for one message
OPEN, DONE = "open", "done"
THREAD_STATUSES = (OPEN, DONE)
# Kinds of staff texts (a STOP cancels them while queued, conversation/handlers.py). `staff`
# waits for the send window; the two others are exempt from it (scheduling/precheck.py): one
# answers a text the patient just sent, one was marked urgent.
STAFF, STAFF_REPLY, URGENT_STAFF = STAFF_TEXT_KINDS
SHARED_SENDER_REFUSAL = (
    "This clinic texts from the service's shared number, which other clinics use too: a "
    "patient's answer could not be told apart between them, so conversations need this "
    "clinic's own Twilio number. Ask the service administrator to assign one (README, "
    '"Care-team conversations").'
)


@dataclass(frozen=True)
class StaffAuthor:
    """Who writes: the audit actor, and whether their role may mark a text urgent."""

    actor: Actor
    may_mark_urgent: bool


def send_staff_message(
    db: Session,
    *,
    clinic: Clinic,
    patient_id: int,
    body: str,
    author: StaffAuthor,
    now: datetime,
    settings: Settings,
    urgent: bool = False,
    seen_version: int | None = None,
    alert_id: int | None = None,
    trail: Trail | None = None,
) -> Message:
    """Queue a staff message to the clinic's patient; one commit with its audit entry.

    `seen_version`: the thread's `staff_version` the writer saw (None: do not check).
    `alert_id`: the review or red-flag item answered; a review item is closed by the answer.
    """
    body = (body or "").strip()
    if not _visible(body):  # nothing, or only spaces and invisible marks (U+200B)
        raise ValidationFailed("Write a message first.")
    if len(body) > MAX_BODY:
        raise ValidationFailed(f"The message is too long (at most {MAX_BODY} characters).")
    if urgent and not author.may_mark_urgent:
        raise PermissionDenied("Only a nurse or a clinic admin may mark a message urgent.")
    with one_transaction(db):
        patient = get_patient(db, clinic_id=clinic.id, patient_id=patient_id)
        _check_may_write(db, clinic, patient)
        alert = _answered_alert(db, clinic, patient, alert_id)
        thread = _claim_thread(db, clinic, patient, seen_version, now)
        text = _with_intro(db, clinic, patient, thread, body, now)
        kind, not_before = _timing(db, clinic, patient, urgent, now, settings)
        message = outbox.enqueue(
            db,
            phone=patient.phone_number.e164,
            body=text,
            kind=kind,
            now=now,
            clinic_id=clinic.id,
            patient_id=patient.id,
            sender=clinic.sender,
            not_before=not_before,
        )
        message.author_user_id = author.actor.user_id
        message.author = author.actor.label[:120]
        took_it = thread.assigned_user_id is None and author.actor.user_id is not None
        _answered(thread, clinic, author, now)
        notifications.cancel_reminders(db, thread_id=thread.id)
        closed = _close_answered_items(db, patient, alert, author, now)
        detail = " ".join(
            [f"message:{message.id} {kind}"]
            + [f"closed alert:{item.id}" for item in closed]
            + (["assigned to the writer"] if took_it else [])
        )
        record_on(db, trail, action="thread.message", now=now, target=f"patient:{patient.id}",
                  detail=with_clinic(trail, detail))  # fmt: skip
    return message


def with_clinic(trail: Trail | None, detail: str) -> str:
    """An entry's own detail after the trail's (the clinic), which it would otherwise replace."""
    return f"{trail.detail} {detail}" if trail is not None and trail.detail else detail


# Letters that show nothing: the Braille blank, the combining grapheme joiner, Hangul fillers.
_BLANK_LETTERS = frozenset("\u2800\u034f\u115f\u1160\u3164\uffa0")


def _visible(text: str) -> bool:
    """Whether the text shows anything: not only spaces, controls, format marks (U+200B),
    combining marks on nothing, or blank letters."""
    return any(unicodedata.category(ch)[0] not in "ZCM" and ch not in _BLANK_LETTERS for ch in text)


def refusal(db: Session, clinic: Clinic, patient: Patient) -> str | None:
    """Why a staff message to this patient would be refused now (for the compose box)."""
    try:
        _check_may_write(db, clinic, patient)
    except (ConflictError, ValidationFailed) as exc:
        return exc.message
    return None


def _check_may_write(db: Session, clinic: Clinic, patient: Patient) -> None:
    number = patient.phone_number
    if patient.erased_at is not None or patient.status == PatientStatus.UNENROLLED:
        raise ConflictError("This patient is no longer enrolled: no texts may be sent.")
    if patient.status == PatientStatus.PENDING_CONSENT or patient.consented_at is None:
        raise ConflictError(
            "This patient has not said YES to texts from this clinic yet: only the "
            "invitation may be sent until they do."
        )
    if number.opted_out or patient.status == PatientStatus.OPTED_OUT:
        raise ConflictError(
            "This patient texted STOP: nothing may be sent until they text START. Call them."
        )
    if number.carrier_blocked_at is not None:
        raise ConflictError(
            "The carrier blocks texts to this number (the patient opted out with it). "
            "They can lift it by texting START. Call them."
        )
    if patient.status == PatientStatus.UNDELIVERABLE:
        raise ConflictError("Texts to this number cannot be delivered. Call the patient.")
    if on_shared_sender(db, clinic):
        raise ConflictError(SHARED_SENDER_REFUSAL)


def on_shared_sender(db: Session, clinic: Clinic) -> bool:
    """Whether this clinic's conversations are refused for want of its own sender."""
    if clinic.sender is not None:
        return False
    on_shared = select(func.count()).select_from(Clinic).where(Clinic.sender.is_(None))
    return db.scalar(on_shared) > 1


def _answered_alert(db: Session, clinic: Clinic, patient: Patient, alert_id: int | None):
    if alert_id is None:
        return None
    alert = db.get(Alert, alert_id)
    if alert is None or alert.clinic_id != clinic.id or alert.patient_id != patient.id:
        raise NotFoundError(f"alert {alert_id} not found for this patient")
    return alert


def _claim_thread(
    db: Session, clinic: Clinic, patient: Patient, seen_version: int | None, now: datetime
) -> Thread:
    """The patient's thread (made on first use), its `staff_version` moved on by one with a
    conditional UPDATE: of two writers who saw the same version, only one moves it."""
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.execute(
        insert(Thread)
        .values(clinic_id=clinic.id, patient_id=patient.id, status=OPEN, unread=0,
                staff_version=0, notify_count=0, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["patient_id"])
    )  # fmt: skip
    bump = update(Thread).where(Thread.patient_id == patient.id)
    if seen_version is not None:
        bump = bump.where(Thread.staff_version == seen_version)
    moved = db.execute(
        bump.values(staff_version=Thread.staff_version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    thread = db.scalar(
        select(Thread)
        .where(Thread.patient_id == patient.id)
        .execution_options(populate_existing=True)
    )
    if moved.rowcount == 0:
        raise ConflictError(_already_answered(db, patient))
    return thread


def _already_answered(db: Session, patient: Patient) -> str:
    last = db.scalar(
        select(Message)
        .where(Message.patient_id == patient.id, Message.author.is_not(None))
        .order_by(Message.id.desc())
        .limit(1)
    )
    who = last.author if last is not None else "Someone"
    return (
        f"{who} answered this patient while you were writing: your message was not sent. "
        "Read their answer, then send yours if it is still needed."
    )


def patient_content(patient: Patient) -> ContentSnapshot:
    """The patient's texts as they receive them: their language, their privacy level."""
    number = patient.phone_number
    view = get_content().for_language(number.language or patient.language)
    return for_privacy(view, number.privacy_level)


def placeholder_values(clinic: Clinic, patient: Patient, content: ContentSnapshot) -> dict:
    """{first_name}, {clinic_name}, {office_phone}, {urgent_phone} as the patient's texts carry
    them (a discreet number reads the clinic's neutral name)."""
    values = clinic_values([clinic], content)
    first = first_name_for_text(patient.name, keep_accents=clinic.keep_name_accents)
    return {**values, "first_name": first}


def opening_line(
    clinic: Clinic, patient: Patient, thread: Thread | None, now: datetime
) -> str | None:
    """The line a staff text starts with when it opens a conversation (a new one, or one
    that lapsed): who is answering. None while a conversation runs."""
    if thread is not None and thread.routes_until is not None and thread.routes_until > now:
        return None
    content = patient_content(patient)
    line = care_team.intro(content).format(**placeholder_values(clinic, patient, content))
    return f"{line[:1].upper()}{line[1:]}"  # "your care team: ..." starts a text


def _with_intro(
    db: Session, clinic: Clinic, patient: Patient, thread: Thread, body: str, now: datetime
) -> str:
    line = opening_line(clinic, patient, thread, now)
    return body if line is None else f"{line}\n\n{body}"


def _timing(
    db: Session, clinic: Clinic, patient: Patient, urgent: bool, now: datetime, settings: Settings
) -> tuple[str, datetime | None]:
    """The text's kind and when it may go. Urgent first: it is what the writer decided, and
    the kind (in the audit entry too) keeps that record even where the text would have gone
    at once anyway."""
    if urgent:
        return URGENT_STAFF, None
    since = now - timedelta(hours=settings.staff_reply_at_once_hours)
    recent = db.scalar(
        select(Message.id)
        .where(Message.patient_id == patient.id, Message.direction == "inbound",
               Message.created_at >= since)
        .limit(1)
    )  # fmt: skip
    if recent is not None:
        return STAFF_REPLY, None
    window = SendWindow.of(patient.timezone, clinic.send_window_start, clinic.send_window_end)
    return STAFF, window.next_open(now)


def _answered(thread: Thread, clinic: Clinic, author: StaffAuthor, now: datetime) -> None:
    thread.status = OPEN
    thread.unread = 0
    thread.waiting_since = None
    thread.next_notify_at = None
    thread.last_staff_at = now
    thread.routes_until = now + timedelta(hours=clinic.conversation_hours)
    if thread.assigned_user_id is None:
        thread.assigned_user_id = author.actor.user_id
    thread.closed_at = thread.closed_by = None
    thread.updated_at = now


def _close_answered_items(
    db: Session, patient: Patient, alert: Alert | None, author: StaffAuthor, now: datetime
) -> list[Alert]:
    """A text to the patient answers their open review items (whichever page or client it
    came from), and the item it was written on unless that is a red flag, which a person
    acknowledges as such. The conversation carries them on."""
    items = list(
        db.scalars(
            select(Alert).where(
                Alert.patient_id == patient.id,
                Alert.clinic_id == patient.clinic_id,
                Alert.kind == "needs_review",
                Alert.status == AlertStatus.OPEN,
            )
        )
    )
    if alert is not None and alert.kind != "red_flag" and alert not in items:
        items.append(alert)
    for item in items:
        _close_alert(db, item, author, now)
    return [item for item in items if item.acknowledged_at == now]


def _close_alert(db: Session, alert: Alert, author: StaffAuthor, now: datetime) -> None:
    """A review item answered by SMS is done: the conversation carries it on."""
    if alert.status == AlertStatus.ACKNOWLEDGED:
        return
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = now
    alert.acknowledged_by = author.actor.label[:120]
    alert.acknowledge_note = "Answered by text."
    alert.next_notify_at = None
    alert.updated_at = now
    db.execute(
        update(AlertNotification)
        .where(AlertNotification.alert_id == alert.id,
               AlertNotification.status == NotificationStatus.PENDING)
        .values(status=NotificationStatus.CANCELLED)
    )  # fmt: skip


def get_thread(db: Session, *, clinic_id: int, thread_id: int) -> Thread:
    """Another clinic's thread is as unknown as one that does not exist."""
    thread = db.get(Thread, thread_id)
    if thread is None or thread.clinic_id != clinic_id:
        raise NotFoundError(f"conversation {thread_id} not found")
    return thread


def thread_of_patient(db: Session, *, clinic_id: int, patient_id: int) -> Thread | None:
    """The patient's conversation with this clinic, if anyone ever wrote to them."""
    return db.scalar(
        select(Thread).where(Thread.patient_id == patient_id, Thread.clinic_id == clinic_id)
    )


def assign(
    db: Session,
    *,
    clinic_id: int,
    thread_id: int,
    user_id: int | None,
    now: datetime,
    trail: Trail | None = None,
) -> Thread:
    """Give the conversation to a colleague of the same clinic (None: to nobody)."""
    with one_transaction(db):
        thread = get_thread(db, clinic_id=clinic_id, thread_id=thread_id)
        if user_id is not None:
            user = db.get(User, user_id)
            if user is None or user.clinic_id != clinic_id or not user.is_active:
                raise ValidationFailed("Assign the conversation to an active user of this clinic.")
        thread.assigned_user_id = user_id
        thread.updated_at = now
        to = f"user:{user_id}" if user_id else "nobody"
        record_on(db, trail, action="thread.assign", now=now, target=f"thread:{thread.id}",
                  detail=with_clinic(trail, to))  # fmt: skip
    return thread


def close(
    db: Session, *, clinic_id: int, thread_id: int, by: str, now: datetime,
    trail: Trail | None = None,
) -> Thread:  # fmt: skip
    """Done: off the open list until the patient texts again."""
    with one_transaction(db):
        thread = get_thread(db, clinic_id=clinic_id, thread_id=thread_id)
        if thread.status == DONE:
            raise ConflictError(
                f"conversation {thread_id} was already closed by {thread.closed_by}"
            )
        thread.status = DONE
        thread.unread = 0
        thread.waiting_since = None
        thread.next_notify_at = None
        thread.closed_at = now
        thread.closed_by = by[:120]
        thread.updated_at = now
        notifications.cancel_reminders(db, thread_id=thread.id)
        record_on(db, trail, action="thread.close", now=now, target=f"thread:{thread.id}")
    return thread


def read_conversation(db: Session, *, clinic_id: int, patient_id: int, now: datetime) -> None:
    """Someone of the clinic's own staff opened the patient's page: `mark_read` as a use case
    of its own (their page views leave no audit entry to commit it with)."""
    with one_transaction(db):
        mark_read(db, clinic_id=clinic_id, patient_id=patient_id, now=now)


def mark_read(db: Session, *, clinic_id: int, patient_id: int, now: datetime) -> None:
    """Someone at the clinic opened the patient's conversation. Flushes; the caller commits
    (`read_conversation`, or with an entry of its own)."""
    db.execute(
        update(Thread)
        .where(Thread.patient_id == patient_id, Thread.clinic_id == clinic_id, Thread.unread > 0)
        .values(unread=0, updated_at=now)
        .execution_options(synchronize_session=False)
    )
