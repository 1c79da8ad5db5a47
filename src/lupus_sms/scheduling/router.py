"""`/api/v1/patients/{id}/schedule` and `/milestones`: what is planned, and the anchors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from lupus_sms.clinics.dependencies import ApiTrail, ClinicPage
from lupus_sms.core.dependencies import ClockDep, DbSession
from lupus_sms.enrollment.dependencies import MAX_ID, ValidPatient
from lupus_sms.enrollment.models import Anchor
from lupus_sms.scheduling import service
from lupus_sms.scheduling.schemas import MilestoneCreate, MilestoneOut, MilestoneUpdate, Schedule

router = APIRouter(prefix="/patients", tags=["schedule"])
ERRORS = {
    401: {"description": "Missing, unknown or revoked API key"},
    404: {"description": "No such patient (or milestone) for this clinic"},
    422: {"description": "Invalid input"},
}


def valid_milestone(
    db: DbSession, patient: ValidPatient, milestone_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Anchor:
    return service.get_milestone(db, patient=patient, milestone_id=milestone_id)


ValidMilestone = Annotated[Anchor, Depends(valid_milestone)]


@router.get("/{patient_id}/schedule", summary="What is planned for a patient", responses=ERRORS)
def get_schedule(db: DbSession, patient: ValidPatient, page: ClinicPage) -> Schedule:
    items, next_cursor = service.get_schedule(db, patient=patient, params=page)
    return Schedule(items=items, next_cursor=next_cursor)


@router.get("/{patient_id}/milestones", summary="Treatment milestones", responses=ERRORS)
def list_milestones(db: DbSession, patient: ValidPatient) -> list[MilestoneOut]:
    return service.list_milestones(db, patient=patient)


@router.post(
    "/{patient_id}/milestones",
    status_code=status.HTTP_201_CREATED,
    summary="Add a treatment milestone",
    responses={**ERRORS, 409: {"description": "The program's main milestone exists already"}},
)
def create_milestone(
    db: DbSession, patient: ValidPatient, body: MilestoneCreate, clock: ClockDep, trail: ApiTrail
) -> MilestoneOut:
    return service.create_milestone(db, patient=patient, data=body, now=clock.now(), trail=trail)


@router.patch(
    "/{patient_id}/milestones/{milestone_id}",
    summary="Move a milestone",
    responses={**ERRORS, 409: {"description": "The milestone was deleted"}},
)
def move_milestone(
    db: DbSession,
    patient: ValidPatient,
    milestone: ValidMilestone,
    body: MilestoneUpdate,
    clock: ClockDep,
    trail: ApiTrail,
) -> MilestoneOut:
    return service.move_milestone(
        db, patient=patient, anchor=milestone, data=body, now=clock.now(), trail=trail
    )


@router.delete(
    "/{patient_id}/milestones/{milestone_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a milestone (its unsent reminders are cancelled)",
    responses=ERRORS,
)
def delete_milestone(
    db: DbSession,
    patient: ValidPatient,
    milestone: ValidMilestone,
    clock: ClockDep,
    trail: ApiTrail,
) -> Response:
    service.delete_milestone(db, patient=patient, anchor=milestone, now=clock.now(), trail=trail)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
