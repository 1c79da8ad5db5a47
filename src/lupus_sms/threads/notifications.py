"""Telling the clinic about its conversations through its alert webhook: a new patient text
in an open conversation, and an unanswered one notified again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lupus_sms.messaging.models import Message
from lupus_sms.threads.models import Thread


def patient_message(db: Session, *, thread: Thread, message: Message, now: datetime) -> None:
    """Queue `conversation.message` for the clinic's webhook."""
