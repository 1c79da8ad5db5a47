"""Alert JSON, apart from the SQLAlchemy models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int | None
    kind: Literal["red_flag", "no_response", "needs_review"]
    status: Literal["open", "acknowledged", "expired"]
    priority: Literal["high", "low"]
    severity: Literal["critical", "urgent", "high", "routine"] = Field(
        description="critical and urgent are red flags (critical: breathing, chest, "
        "neurological, allergic, self-harm, emergency); high: a review item with symptom-like "
        "words, re-notified until acknowledged; routine: the rest."
    )
    category: str | None = Field(
        description="The most dangerous red-flag category found, e.g. self_harm, breathing."
    )
    categories: list[str] = Field(description="Every red-flag category found, e.g. fever.")
    text: str | None = Field(description="The patient's words.")
    checkin_key: str | None
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledge_note: str | None

    @field_validator("categories", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if value is None:
            return []
        return value.split(",") if isinstance(value, str) else value


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: str = Field(min_length=1, max_length=120, description="Who at the clinic saw it.")
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("by")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()
