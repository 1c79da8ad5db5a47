"""Periodic enrolment work for the scheduler tick: pauses that have run out end by themselves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.core.statuses import PatientStatus
from lupus_sms.enrollment.models import Patient
from lupus_sms.enrollment.planning import replan

BATCH = 200


def resume_expired_pauses(session_factory: sessionmaker[Session], now: datetime) -> int:
    """Patients paused until a time now past become active again (and are replanned)."""
    with session_factory() as db:
        patients = db.scalars(
            select(Patient)
            .where(Patient.status == PatientStatus.PAUSED, Patient.paused_until <= now)
            .limit(BATCH)
        ).all()
        for patient in patients:
            patient.status, patient.paused_until, patient.updated_at = "active", None, now
            db.flush()
            replan(db, patient_id=patient.id, now=now)
        db.commit()
        return len(patients)
