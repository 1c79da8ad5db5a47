"""`ValidPatient`: the patient named by the `patient_id` path parameter, if it is the
current clinic's; another clinic's id gets the same 404 as an id that does not exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from lupus_sms.clinics.dependencies import CurrentClinic
from lupus_sms.core.db import MAX_ID
from lupus_sms.core.dependencies import DbSession
from lupus_sms.enrollment import service
from lupus_sms.enrollment.models import Patient

# Ids beyond a 64-bit integer would overflow PostgreSQL's bigint comparison: 404 them early.


def valid_patient_id(
    db: DbSession,
    clinic: CurrentClinic,
    patient_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Patient:
    return service.get_patient(db, clinic_id=clinic.id, patient_id=patient_id)


ValidPatient = Annotated[Patient, Depends(valid_patient_id)]
