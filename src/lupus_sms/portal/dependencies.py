"""Loading what a portal URL names, for the signed-in clinic only.

Another clinic's id is answered exactly like an id that does not exist (the same 404 page),
so guessing URLs tells nobody what exists elsewhere.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.requests import Request
from fastapi.responses import HTMLResponse

from lupus_sms.core.db import MAX_ID
from lupus_sms.core.dependencies import DbSession
from lupus_sms.core.errors import LupusSmsError, NotFoundError
from lupus_sms.enrollment import service as enrollment
from lupus_sms.enrollment.models import Patient
from lupus_sms.portal.auth import PortalContext, PortalPageError, require_portal
from lupus_sms.portal.pages import message_page

PatientViewer = Annotated[PortalContext, require_portal("patients.view")]
PatientManager = Annotated[PortalContext, require_portal("patients.manage")]
MessageWriter = Annotated[PortalContext, require_portal("messages.send")]


def check_id(value: int, what: str) -> int:
    if not 1 <= value <= MAX_ID:
        raise PortalPageError(404, f"No such {what} in this clinic.")
    return value


def viewed_patient(db: DbSession, portal: PatientViewer, patient_id: int) -> Patient:
    return _load(db, portal, patient_id)


def managed_patient(db: DbSession, portal: PatientManager, patient_id: int) -> Patient:
    return _load(db, portal, patient_id)


def written_to_patient(db: DbSession, portal: MessageWriter, patient_id: int) -> Patient:
    return _load(db, portal, patient_id)


def _load(db, portal: PortalContext, patient_id: int) -> Patient:
    check_id(patient_id, "patient")
    try:
        return enrollment.get_patient(db, clinic_id=portal.clinic.id, patient_id=patient_id)
    except NotFoundError:
        raise PortalPageError(404, "No such patient in this clinic.") from None


ViewedPatient = Annotated[Patient, Depends(viewed_patient)]
ManagedPatient = Annotated[Patient, Depends(managed_patient)]
WrittenToPatient = Annotated[Patient, Depends(written_to_patient)]


def refused(
    request: Request,
    error: LupusSmsError,
    *,
    back_to: str,
    link_label: str | None = None,
    draft: str | None = None,
) -> HTMLResponse:
    """The page for a change the services refused: their reason, the way back, and what the
    person wrote (`draft`), so a refused text is not lost."""
    return message_page(request, "Not done", error.message, error.status_code, link=back_to,
                        link_label=link_label, draft=draft)  # fmt: skip
