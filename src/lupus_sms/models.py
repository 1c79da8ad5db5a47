"""Imports every domain's models so that `Base.metadata` is complete (Alembic, tests)."""

from lupus_sms.clinics.models import ApiKey, Clinic
from lupus_sms.conversation.models import Conversation
from lupus_sms.core.db import Base
from lupus_sms.enrollment.models import Anchor, ConsentEvent, Patient
from lupus_sms.messaging.models import Message, PhoneNumber
from lupus_sms.scheduling.models import PlannedMessage

__all__ = [
    "Anchor",
    "ApiKey",
    "Base",
    "Clinic",
    "ConsentEvent",
    "Conversation",
    "Message",
    "Patient",
    "PhoneNumber",
    "PlannedMessage",
]
