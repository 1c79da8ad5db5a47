"""`/api/v1/alerts`: what a clinic must look at, and saying someone has."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from lupus_sms.alerts import service
from lupus_sms.alerts.schemas import AcknowledgeIn, AlertOut
from lupus_sms.clinics.dependencies import ApiTrail, ClinicPage, CurrentClinic
from lupus_sms.core.clock import Clock, get_clock
from lupus_sms.core.db import MAX_ID, DbSession
from lupus_sms.core.pagination import Page, page_of

router = APIRouter(tags=["alerts"])
# Ids are 32-bit integer columns: larger ones are refused before they reach PostgreSQL,
# which would fail the query ("integer out of range") instead of finding nothing.
AlertId = Annotated[int, Path(ge=1, le=MAX_ID)]
ERRORS = {
    401: {"description": "Missing, unknown or revoked API key"},
    404: {"description": "No such alert or patient for this clinic"},
    422: {"description": "Invalid input"},
}


NOT_FOUND = {404: {"description": "No such alert or patient for this clinic"}}


@router.get("/alerts", summary="Alerts for this clinic, open first", responses=ERRORS)
def list_alerts(
    db: DbSession,
    clinic: CurrentClinic,
    page: ClinicPage,
    status: Annotated[Literal["open", "acknowledged", "expired"] | None, Query()] = None,
    kind: Annotated[Literal["red_flag", "no_response", "needs_review"] | None, Query()] = None,
    patient_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Page[AlertOut]:
    rows, next_cursor = service.list_alerts(
        db, clinic_id=clinic.id, params=page, status=status, kind=kind, patient_id=patient_id
    )
    return page_of(AlertOut, rows, next_cursor)


@router.get("/alerts/{alert_id}", summary="One alert", responses=NOT_FOUND)
def get_alert(db: DbSession, clinic: CurrentClinic, alert_id: AlertId) -> AlertOut:
    return AlertOut.model_validate(service.get_alert(db, clinic_id=clinic.id, alert_id=alert_id))


@router.post(
    "/alerts/{alert_id}/acknowledge",
    summary="A person at the clinic has seen it",
    responses={**NOT_FOUND, 409: {"description": "Someone acknowledged it already"}},
)
def acknowledge_alert(
    db: DbSession,
    clinic: CurrentClinic,
    clock: Annotated[Clock, Depends(get_clock)],
    alert_id: AlertId,
    body: AcknowledgeIn,
    trail: ApiTrail,
) -> AlertOut:
    alert = service.acknowledge(
        db,
        clinic_id=clinic.id,
        alert_id=alert_id,
        by=body.by,
        note=body.note,
        now=clock.now(),
        trail=trail,
    )
    return AlertOut.model_validate(alert)
