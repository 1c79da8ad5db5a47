"""Patient lists and conversations: owners only, and every view is in the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from lupus_sms.admin import patients as patient_views
from lupus_sms.admin.auth import CsrfToken, actor_for, require
from lupus_sms.admin.pages import render
from lupus_sms.core.db import MAX_ID
from lupus_sms.core.dependencies import ClockDep, DbSession
from lupus_sms.core.errors import LupusSmsError
from lupus_sms.enrollment.models import PATIENT_STATUSES, PROGRAM_NAMES
from lupus_sms.users.models import User

router = APIRouter(prefix="/admin", include_in_schema=False)
PatientViewer = Annotated[User, require("patients.view")]


@router.get("/clinics/{clinic_id}/patients")
def patient_list(
    request: Request,
    clinic_id: int,
    user: PatientViewer,
    db: DbSession,
    clock: ClockDep,
    csrf: CsrfToken,
    q: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    after: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> object:
    if status and status not in PATIENT_STATUSES:
        message = f"Unknown status {status[:20]!r}."
        return render(request, "message.html", 422, title="Not found", message=message)
    try:
        clinic, page = patient_views.clinic_patients(
            db, clinic_id=clinic_id, actor=actor_for(user), now=clock.now(),
            search=q, status=status or None, after=after,
        )  # fmt: skip
    except LupusSmsError as exc:
        return _not_found(request, exc)
    return render(request, "patients.html", clinic=clinic, page=page, q=q, status=status,
                  statuses=PATIENT_STATUSES, programs=PROGRAM_NAMES)  # fmt: skip


@router.get("/patients/{patient_id}")
def patient_conversation(
    request: Request,
    patient_id: int,
    user: PatientViewer,
    db: DbSession,
    clock: ClockDep,
    csrf: CsrfToken,
) -> object:
    try:
        clinic, patient, messages = patient_views.conversation(
            db, patient_id=patient_id, actor=actor_for(user), now=clock.now()
        )
    except LupusSmsError as exc:
        return _not_found(request, exc)
    return render(request, "conversation.html", clinic=clinic, patient=patient, messages=messages)


def _not_found(request: Request, exc: LupusSmsError) -> object:
    return render(
        request,
        "message.html",
        exc.status_code,
        title="Not found",
        message=exc.message,
        link="/admin/clinics",
    )
