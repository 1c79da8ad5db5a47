"""Telling the clinic about its conversations through its alert webhook: a new patient text
in an open conversation (`conversation.message`), and one left unanswered, again every
`conversation_renotify_minutes` (`conversation.waiting`, threads/jobs.py).

The deliveries are rows of the alerts' webhook queue (alert_notifications, with `thread_id`),
signed, leased and retried like an alert's (alerts/clinic_webhook.py). Their JSON is built
when each is sent, from how things stand then:

    {"event": "conversation.message", "sent_at": ...,
     "conversation": {id, patient_id, status, unread, waiting_since, ...},
     "message": {"id", "received_at", "text"}}

`text` is the patient's words, as an alert carries them (null once the patient is erased);
never the phone number, as no alert does. `conversation.waiting` has no "message".
No on-call SMS: a conversation is a routine question to the care team. Whatever in it is
dangerous is a red flag, which raises its own alert and texts the on-call number.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from lupus_sms.alerts.clinic_webhook import register_document
from lupus_sms.alerts.models import AlertNotification
from lupus_sms.clinics.models import Clinic
from lupus_sms.core.statuses import NotificationStatus
from lupus_sms.messaging.models import Message
from lupus_sms.threads.models import Thread
from lupus_sms.threads.schemas import ConversationOut

FAMILY = "conversation"
NEW_MESSAGE, WAITING = "conversation.message", "conversation.waiting"


def patient_message(db: Session, *, thread: Thread, message: Message, now: datetime) -> None:
    """Queue `conversation.message` for the clinic's webhook (none without one): the inbound
    step calls it once the text has (re-)opened the conversation. Flushes."""
    queue(db, thread=thread, event=NEW_MESSAGE, now=now, message_id=message.id)


def cancel_reminders(db: Session, *, thread_id: int) -> None:
    """Answered or closed: a reminder still being retried would say it waits, and it no
    longer does (as an acknowledged alert's retries stop). New-text deliveries go on: each
    is a text the clinic has not been told of."""
    db.execute(
        update(AlertNotification)
        .where(
            AlertNotification.thread_id == thread_id,
            AlertNotification.event == WAITING,
            AlertNotification.status == NotificationStatus.PENDING,
        )
        .values(status=NotificationStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )


def queue(
    db: Session, *, thread: Thread, event: str, now: datetime, message_id: int | None = None
) -> None:
    """A delivery of `event` about `thread`, due now, when its clinic has a webhook."""
    clinic = db.get(Clinic, thread.clinic_id)
    if not clinic.alert_webhook_url:
        return
    db.add(
        AlertNotification(
            thread_id=thread.id,
            message_id=message_id,
            clinic_id=thread.clinic_id,
            event=event,
            status=NotificationStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
    )
    db.flush()


def document(db: Session, notification: AlertNotification) -> dict:
    """The fields of a conversation delivery beside "event" and "sent_at"."""
    thread = db.get(Thread, notification.thread_id)
    fields: dict = {"conversation": ConversationOut.model_validate(thread).model_dump(mode="json")}
    if notification.event == NEW_MESSAGE:
        message = db.get(Message, notification.message_id) if notification.message_id else None
        fields["message"] = {
            "id": notification.message_id,
            "received_at": message.created_at.isoformat() if message else None,
            "text": message.body if message else None,
        }
    return fields


register_document(FAMILY, document)
