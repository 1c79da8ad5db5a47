"""Imports every domain's models so that `Base.metadata` is complete (Alembic, tests)."""

from lupus_sms.alerts.models import Alert, AlertNotification
from lupus_sms.audit.models import AuditEntry
from lupus_sms.checkins.models import CheckinAnswer
from lupus_sms.clinics.models import ApiKey, Clinic
from lupus_sms.content.models import ContentItem, ContentState, ContentVersion
from lupus_sms.conversation.models import Conversation
from lupus_sms.core.db import Base
from lupus_sms.enrollment.models import Anchor, ConsentEvent, Patient, PendingConsentChoice
from lupus_sms.messaging.models import Message, PhoneNumber, SenderBudget
from lupus_sms.scheduling.models import PlannedMessage, SchedulerHeartbeat
from lupus_sms.threads.models import QuickReply, Thread
from lupus_sms.users.models import ConsoleSession, LoginThrottle, User

__all__ = [
    "Alert",
    "AlertNotification",
    "Anchor",
    "ApiKey",
    "AuditEntry",
    "Base",
    "CheckinAnswer",
    "Clinic",
    "ConsentEvent",
    "ConsoleSession",
    "ContentItem",
    "ContentState",
    "ContentVersion",
    "Conversation",
    "LoginThrottle",
    "Message",
    "Patient",
    "PendingConsentChoice",
    "PhoneNumber",
    "PlannedMessage",
    "QuickReply",
    "SchedulerHeartbeat",
    "SenderBudget",
    "Thread",
    "User",
]
