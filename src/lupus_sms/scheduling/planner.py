"""Materialises a patient's plan into planned_messages (owned by the scheduling domain)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session


def replan(db: Session, *, patient_id: int, now: datetime) -> None:
    """Re-derive the patient's planned messages from their status and anchors (idempotent)."""
    # Filled in by the scheduler work: callers (enrolment, appointments) already call it.
