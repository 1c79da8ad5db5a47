"""Check-in answer JSON, apart from the SQLAlchemy model."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class CheckinAnswerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    checkin_key: str
    status: Literal["answered", "unclear"]
    option: str | None
    meaning: str | None
    temperature_c: float | None
    red_flag: bool
    text: str | None
    created_at: datetime
