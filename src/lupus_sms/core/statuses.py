"""Every status a row can be in, in one place, low enough for every domain to import.

Each is a `StrEnum`: a member is its database string (`PatientStatus.ACTIVE == "active"`), so
rows, queries, JSON and migrations see exactly the strings they always did. What a status
means, and how a message moves through them, is told beside the code that moves it
(`messaging/statuses.py` for messages, `scheduling/planner.py` for plans).
"""

from __future__ import annotations

from enum import StrEnum


class MessageStatus(StrEnum):
    """`messages.status`, and `planned_messages.status` (which starts `planned`). A text from
    a patient is `received`."""

    RECEIVED = "received"
    PLANNED = "planned"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"


class PatientStatus(StrEnum):
    """`patients.status`: an enrolment's state."""

    PENDING_CONSENT = "pending_consent"
    ACTIVE = "active"
    PAUSED = "paused"
    OPTED_OUT = "opted_out"
    UNENROLLED = "unenrolled"
    UNDELIVERABLE = "undeliverable"


class ConsentEventKind(StrEnum):
    """`consent_events.kind`: what happened to a patient's consent."""

    INVITED = "invited"
    CONFIRMED = "confirmed"
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    UNENROLLED = "unenrolled"
    CARRIER_BLOCKED = "carrier_blocked"
    LANGUAGE = "language"  # the number's language was chosen or changed
    PRIVACY = "privacy"  # the number's privacy level (discreet or detailed) was chosen


class AnchorStatus(StrEnum):
    """`anchors.status`: an appointment or milestone."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class AlertStatus(StrEnum):
    """`alerts.status`."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    EXPIRED = "expired"


class NotificationStatus(StrEnum):
    """`alert_notifications.status`: one webhook delivery to a clinic."""

    PENDING = "pending"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class CheckinAnswerStatus(StrEnum):
    """`checkin_answers.status`."""

    ANSWERED = "answered"
    UNCLEAR = "unclear"
