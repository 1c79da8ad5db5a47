"""Message and planned-message statuses: one published list covering Twilio's states and ours.

Outbound life of a message:  queued -> sending -> sent -> delivered | undelivered | failed
plus our own outcomes: expired, cancelled, skipped, unknown.

Terminal states (every planned message ends in one of these, nothing disappears):

- delivered    Twilio reported delivery to the handset (or `read`).
- undelivered  the carrier could not deliver it; `error_code` holds Twilio's code.
- failed       Twilio or we refused it permanently (e.g. 21211 invalid number); `error_code`.
- sent         handed to Twilio and no later status callback came.
- expired      too late to be useful: past its appointment, far behind after downtime, or
               Twilio's validity period ran out (error 30036).
- cancelled    what it was queued for went before it did: its appointment or milestone
               moved or was cancelled, or a consent invitation was already answered or its
               enrolment ended (scheduling/precheck.py).
- skipped      not sent on purpose: opted out, unenrolled, paused, before enrolment, or
               blocked by the carrier (Twilio would refuse it with error 21610).
- unknown      a send whose outcome could not be learned (see scheduling/recovery.py).

The values themselves are `MessageStatus` (core/statuses.py, with every other status); the
names below are kept for the code that moves messages.
"""

from __future__ import annotations

from lupus_sms.core.statuses import MessageStatus

QUEUED = MessageStatus.QUEUED
SENDING = MessageStatus.SENDING
SENT = MessageStatus.SENT
DELIVERED = MessageStatus.DELIVERED
UNDELIVERED = MessageStatus.UNDELIVERED
FAILED = MessageStatus.FAILED
EXPIRED = MessageStatus.EXPIRED
CANCELLED = MessageStatus.CANCELLED
SKIPPED = MessageStatus.SKIPPED
UNKNOWN = MessageStatus.UNKNOWN

# Planned-message only: waiting for its due time / handed to the outbox.
PLANNED = MessageStatus.PLANNED

TERMINAL_STATUSES = (DELIVERED, UNDELIVERED, FAILED, SENT, EXPIRED, CANCELLED, SKIPPED, UNKNOWN)

# How far along a status is. A status callback may arrive late, twice or out of order; a
# message only ever moves to a higher rank, so "delivered" is never overwritten by "sent".
_RANK = {
    PLANNED: 0,
    QUEUED: 1,
    SENDING: 2,
    UNKNOWN: 3,
    SENT: 4,
    UNDELIVERED: 5,
    FAILED: 5,
    EXPIRED: 5,
    CANCELLED: 5,
    SKIPPED: 5,
    DELIVERED: 6,
}

# Twilio's MessageStatus values mapped onto ours.
TWILIO_STATUS_MAP = {
    "accepted": SENT,
    "scheduled": SENT,
    "queued": SENT,
    "sending": SENT,
    "sent": SENT,
    "delivered": DELIVERED,
    "read": DELIVERED,
    "undelivered": UNDELIVERED,
    "failed": FAILED,
    "canceled": CANCELLED,
}
TWILIO_VALIDITY_EXPIRED = "30036"


def rank(status: str) -> int:
    return _RANK.get(status, 0)


def moves_forward(current: str, new: str) -> bool:
    """True when `new` is further along than `current` (callbacks never move backwards)."""
    return rank(new) > rank(current)


def from_twilio(twilio_status: str, error_code: str | None = None) -> str | None:
    """Our status for a Twilio MessageStatus; 30036 (validity period ran out) is `expired`."""
    if error_code == TWILIO_VALIDITY_EXPIRED:
        return EXPIRED
    return TWILIO_STATUS_MAP.get((twilio_status or "").strip().lower())
