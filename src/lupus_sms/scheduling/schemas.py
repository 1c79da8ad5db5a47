"""API shapes of the schedule and of treatment milestones."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lupus_sms.core.dates import NearDate, NearDateTime


class AnchorRef(BaseModel):
    id: int
    category: str  # appointment | milestone
    kind: str
    at: datetime


class ScheduleItem(BaseModel):
    id: int
    step: str
    anchor: AnchorRef
    due_at: datetime = Field(description="UTC, ISO 8601")
    due_at_local: datetime = Field(description="ISO 8601 with the patient's UTC offset")
    status: str = Field(description="planned, queued, sending or a terminal status")
    status_reason: str | None = None
    will_send: bool | None = Field(
        None,
        description="For a message not handed to Twilio yet (planned, queued): whether it "
        "goes out as things stand when the schedule is read. Null once it was handled.",
    )
    hold_reason: str | None = Field(
        None,
        description="Why it will not go out: opted_out, paused, unenrolled, undeliverable, "
        "pending_consent or erased. Nothing is rewritten: when the patient resumes or opts "
        "back in, what is still due goes out as planned.",
    )


class Schedule(BaseModel):
    """One page of the schedule, in the order it is due (`limit`, `cursor` as on every list)."""

    items: list[ScheduleItem]
    next_cursor: str | None = None


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MilestoneCreate(_Input):
    kind: str = Field(min_length=1, max_length=32, description="e.g. infusion, discharge")
    date: NearDate | None = Field(None, description="All-day milestone, in the patient's zone")
    at: NearDateTime | None = Field(None, description="A milestone with a time (ISO 8601)")

    @model_validator(mode="after")
    def _one_time(self) -> MilestoneCreate:
        if (self.date is None) == (self.at is None):
            raise ValueError("give either date or at")
        return self


class MilestoneUpdate(_Input):
    date: NearDate | None = None
    at: NearDateTime | None = None

    @model_validator(mode="after")
    def _one_time(self) -> MilestoneUpdate:
        if (self.date is None) == (self.at is None):
            raise ValueError("give either date or at")
        return self


class MilestoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    at: datetime
    all_day: bool
    date: Date | None = None
    status: str
