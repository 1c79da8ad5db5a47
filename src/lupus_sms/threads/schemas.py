"""Conversation JSON for the clinic API and the alert webhook, apart from the models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lupus_sms.clinics.settings import CONVERSATION_BOUNDS as BOUNDS
from lupus_sms.core.db import MAX_ID
from lupus_sms.messaging.models import Message

CONVERSATION_HOURS = BOUNDS["conversation_hours"]
RENOTIFY_MINUTES = BOUNDS["conversation_renotify_minutes"]


class _Input(BaseModel):
    # Unknown fields are a 422, so a typo ("urgnet") is not silently dropped; and values are
    # taken as typed: `true` is not alert 1 nor one hour, "yes" is not urgent.
    model_config = ConfigDict(extra="forbid", strict=True)


class StaffMessageIn(_Input):
    body: str | None = Field(
        None,
        description="The text (at most 1,600 characters). Leave it out to send `template`.",
    )
    template: str | None = Field(
        None,
        max_length=40,
        description="A quick reply's key (e.g. `call_today`), filled in for the patient in "
        "their language. Give either `body` or `template`.",
    )
    urgent: bool = Field(
        False,
        description="Send now even outside the patient's send window. Recorded in the audit "
        "log under the API key.",
    )
    seen_version: int | None = Field(
        None,
        ge=0,
        le=MAX_ID,
        description="The conversation's `staff_version` the writer saw (0 before any): if "
        "someone answered since, 409 and nothing is sent. Leave it out not to check.",
    )
    alert_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="The patient's alert this text answers: a review or no-response item is "
        "closed by it (open review items are closed by any text to the patient); a red flag "
        "stays open until acknowledged. Another patient's alert: 404.",
    )


class StaffMessageOut(BaseModel):
    id: int
    patient_id: int
    conversation_id: int
    kind: Literal["staff", "staff_reply", "urgent_staff"] = Field(
        description="staff_reply: answers a recent patient text, goes now; urgent_staff: "
        "marked urgent, goes now; staff: waits for the patient's send window."
    )
    status: str
    body: str = Field(description="What the patient gets, with the care team's introduction "
                      "when the conversation is new.")  # fmt: skip
    segments: int
    encoding: Literal["GSM-7", "UCS-2"]
    sends_at: datetime = Field(description="When it goes out at the earliest.")
    author: str | None
    created_at: datetime

    @classmethod
    def of(cls, message: Message, *, conversation_id: int) -> StaffMessageOut:
        return cls(
            id=message.id,
            patient_id=message.patient_id,
            conversation_id=conversation_id,
            kind=message.kind,
            status=message.status,
            body=message.body,
            segments=message.segments,
            encoding=message.encoding,
            sends_at=message.next_attempt_at,
            author=message.author,
            created_at=message.created_at,
        )


class ConversationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    status: Literal["open", "done"]
    assigned_user_id: int | None
    unread: int = Field(description="Patient texts nobody at the clinic has read.")
    staff_version: int = Field(description="Staff messages so far: `seen_version` of a reply.")
    waiting_since: datetime | None = Field(
        description="The oldest patient text no staff message has answered yet."
    )
    last_patient_at: datetime | None
    last_staff_at: datetime | None
    routes_until: datetime | None = Field(
        description="Until then the patient's texts go to this conversation, not the menu bot."
    )
    notify_count: int = Field(description="Reminders sent while it waited for an answer.")
    closed_at: datetime | None
    closed_by: str | None


class AssignIn(_Input):
    # Strict: `true`, "1" and 1.0 are refused, not read as user 1.
    user_id: int | None = Field(
        strict=True, ge=1, le=MAX_ID, description="An active user of the clinic; null: nobody."
    )


class CloseIn(_Input):
    """Closing takes no fields: the body may be left out, and one with a field is a 422."""


class ConversationSettingsIn(_Input):
    conversation_hours: int | None = Field(
        None,
        description=f"How long after a staff message the patient's texts belong to the "
        f"conversation ({CONVERSATION_HOURS[0]} to {CONVERSATION_HOURS[1]}).",
    )
    conversation_renotify_minutes: int | None = Field(
        None,
        description=f"How often an unanswered conversation is notified again "
        f"({RENOTIFY_MINUTES[0]} to {RENOTIFY_MINUTES[1]}).",
    )


class ConversationSettingsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    conversation_hours: int
    conversation_renotify_minutes: int
