"""The patient page's privacy level: a choice the patient made in person, recorded by a
clinic the number consented to (enrollment/privacy.py); any other clinic is refused."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from lupus_sms.console.pages import redirect
from lupus_sms.core.dependencies import ClockDep, DbSession
from lupus_sms.core.errors import LupusSmsError
from lupus_sms.enrollment import privacy
from lupus_sms.enrollment.consent import PORTAL
from lupus_sms.portal.auth import PortalCsrf
from lupus_sms.portal.dependencies import ManagedPatient, refused

router = APIRouter()


@router.post("/{patient_id}/privacy", dependencies=[PortalCsrf])
def set_privacy(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    clock: ClockDep,
    level: Annotated[str, Form(max_length=12)] = "",
) -> object:
    page = f"/portal/patients/{patient.id}"
    try:
        privacy.record_privacy_choice(
            db, patient, level=level, source=PORTAL, now=clock.now(),
            trail=request.state.portal.trail,
        )  # fmt: skip
    except LupusSmsError as exc:
        return refused(request, exc, back_to=page)
    return redirect(f"{page}?done={level}")
