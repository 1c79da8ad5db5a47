"""`/api/v1/patients/{id}/checkin-answers`: what patients answered to check-ins."""

from __future__ import annotations

from fastapi import APIRouter

from lupus_sms.checkins import answers
from lupus_sms.checkins.schemas import CheckinAnswerOut
from lupus_sms.clinics.dependencies import ClinicPage
from lupus_sms.core.db import DbSession
from lupus_sms.core.pagination import Page, page_of
from lupus_sms.enrollment.dependencies import ValidPatient

# Listed under "alerts" in the API docs, where clinics have always found it.
router = APIRouter(tags=["alerts"])
NOT_FOUND = {404: {"description": "No such alert or patient for this clinic"}}


@router.get(
    "/patients/{patient_id}/checkin-answers",
    summary="A patient's check-in answers",
    responses=NOT_FOUND,
)
def list_checkin_answers(
    db: DbSession, patient: ValidPatient, page: ClinicPage
) -> Page[CheckinAnswerOut]:
    rows, next_cursor = answers.list_answers(db, patient_id=patient.id, params=page)
    return page_of(CheckinAnswerOut, rows, next_cursor)
