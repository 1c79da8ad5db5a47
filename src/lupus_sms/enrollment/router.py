"""`/api/v1/patients...`: the clinic API for enrolment, consent, appointments and import.

Routes only translate HTTP: the dependencies load and authorise, the services do the work.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import (
    APIRouter,
    Depends,
    File,
    HTTPException,
    Path,
    Query,
    Response,
    UploadFile,
    status,
)
from starlette.concurrency import run_in_threadpool

from lupus_sms.clinics.dependencies import ApiTrail, ClinicPage, CurrentClinic
from lupus_sms.core.body_limit import IMPORT_MAX_BYTES
from lupus_sms.core.dependencies import ClockDep, DbSession
from lupus_sms.core.errors import ValidationFailed
from lupus_sms.core.pagination import Page, page_of, paginate
from lupus_sms.enrollment import appointments, consent, csv_import, privacy, service
from lupus_sms.enrollment.dependencies import MAX_ID, ValidPatient
from lupus_sms.enrollment.models import Anchor, ConsentEvent, Patient
from lupus_sms.enrollment.schemas import (
    AppointmentCreate,
    AppointmentOut,
    AppointmentUpdate,
    ConsentEventOut,
    ImportResultOut,
    MessageOut,
    OptOutIn,
    PatientCreate,
    PatientOut,
    PatientStatus,
    PatientUpdate,
    PrivacyIn,
    Program,
)
from lupus_sms.messaging.models import Message

router = APIRouter(prefix="/patients", tags=["patients"])
MAX_IMPORT_BYTES = IMPORT_MAX_BYTES  # 100,000 rows fit (csv_import.MAX_ROWS)
ERRORS = {
    401: {"description": "Missing, unknown or revoked API key"},
    404: {"description": "No such patient for this clinic"},
    422: {"description": "Invalid input"},
}


def valid_appointment(
    db: DbSession,
    patient: ValidPatient,
    appointment_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Anchor:
    return appointments.get_appointment(db, patient=patient, appointment_id=appointment_id)


ValidAppointment = Annotated[Anchor, Depends(valid_appointment)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Enrol a patient (sends the consent invitation)",
    responses={200: {"model": PatientOut, "description": "Already enrolled: unchanged"}} | ERRORS,
)
def create_patient(
    body: PatientCreate,
    db: DbSession,
    clinic: CurrentClinic,
    clock: ClockDep,
    trail: ApiTrail,
    response: Response,
) -> PatientOut:
    result = service.enroll_patient(db, clinic=clinic, data=body, now=clock.now(), trail=trail)
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return PatientOut.model_validate(result.patient)


@router.get("", summary="List patients", responses=ERRORS)
def list_patients(
    db: DbSession,
    clinic: CurrentClinic,
    page: ClinicPage,
    status: Annotated[PatientStatus | None, Query()] = None,
    program: Annotated[Program | None, Query()] = None,
) -> Page[PatientOut]:
    stmt = service.list_patients_query(clinic_id=clinic.id, status=status, program=program)
    rows, cursor = paginate(db, stmt, params=page, key=Patient.id)
    return page_of(PatientOut, rows, cursor)


@router.post(
    "/import",
    summary="Enrol or update patients from a CSV file",
    responses=ERRORS | {409: {"description": "The patients changed during the import: retry"}},
)
async def import_patients(
    db: DbSession,
    clinic: CurrentClinic,
    clock: ClockDep,
    trail: ApiTrail,
    file: Annotated[UploadFile, File(description="CSV; see the README for the columns.")],
) -> ImportResultOut:
    raw = await file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise HTTPException(413, f"file larger than {MAX_IMPORT_BYTES // 2**20} MB; split it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("the file must be UTF-8 text", field="file") from None
    return await run_in_threadpool(
        csv_import.import_csv, db, clinic=clinic, text=text, now=clock.now(), trail=trail
    )


@router.get("/{patient_id}", summary="One patient", responses=ERRORS)
def get_patient(patient: ValidPatient) -> PatientOut:
    return PatientOut.model_validate(patient)


@router.patch("/{patient_id}", summary="Change, pause or resume a patient", responses=ERRORS)
def update_patient(
    patient: ValidPatient, body: PatientUpdate, db: DbSession, clock: ClockDep, trail: ApiTrail
) -> PatientOut:
    service.update_patient(db, patient, data=body, now=clock.now(), trail=trail)
    return PatientOut.model_validate(patient)


@router.delete(
    "/{patient_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unenrol (no further messages); erase=true also removes personal data",
    responses=ERRORS,
)
def delete_patient(
    patient: ValidPatient,
    db: DbSession,
    clock: ClockDep,
    trail: ApiTrail,
    erase: Annotated[bool, Query(description="Remove personal data too.")] = False,
) -> Response:
    service.unenroll(db, patient, erase=erase, now=clock.now(), trail=trail)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{patient_id}/opt-out",
    summary="Record an opt-out given by phone or in person",
    responses=ERRORS,
)
def opt_out(
    patient: ValidPatient, body: OptOutIn, db: DbSession, clock: ClockDep, trail: ApiTrail
) -> PatientOut:
    now = clock.now()
    occurred_at = body.occurred_at or now
    if occurred_at.tzinfo is None:
        raise ValidationFailed("occurred_at needs a UTC offset", field="occurred_at")
    consent.record_opt_out(
        db,
        patient,
        source=body.source,
        occurred_at=occurred_at,
        note=body.note,
        now=now,
        trail=trail,
    )
    return PatientOut.model_validate(patient)


@router.post(
    "/{patient_id}/privacy",
    summary="Record a privacy level the patient chose in person (discreet or detailed)",
    responses={
        **ERRORS,
        409: {"description": "The number has not replied YES to this clinic"},
    },
)
def record_privacy(
    patient: ValidPatient, body: PrivacyIn, db: DbSession, clock: ClockDep, trail: ApiTrail
) -> PatientOut:
    privacy.record_privacy_choice(
        db, patient, level=body.level, source="api", now=clock.now(), note=body.note, trail=trail
    )
    return PatientOut.model_validate(patient)


@router.get("/{patient_id}/consent-events", summary="The consent audit trail", responses=ERRORS)
def list_consent_events(
    patient: ValidPatient, db: DbSession, page: ClinicPage
) -> Page[ConsentEventOut]:
    stmt = consent.list_events(patient_id=patient.id)
    rows, cursor = paginate(db, stmt, params=page, key=ConsentEvent.id)
    return page_of(ConsentEventOut, rows, cursor)


@router.get("/{patient_id}/messages", summary="Texts both ways, newest first", responses=ERRORS)
def list_messages(
    patient: ValidPatient, clinic: CurrentClinic, db: DbSession, page: ClinicPage
) -> Page[MessageOut]:
    stmt = service.messages_query(patient, clinic)
    rows, cursor = paginate(db, stmt, params=page, key=Message.id)
    return page_of(MessageOut, rows, cursor)


@router.post(
    "/{patient_id}/appointments",
    status_code=status.HTTP_201_CREATED,
    summary="Book an appointment (reminders follow)",
    responses=ERRORS
    | {409: {"description": "The patient is unenrolled, or has this appointment already"}},
)
def create_appointment(
    patient: ValidPatient, body: AppointmentCreate, db: DbSession, clock: ClockDep, trail: ApiTrail
) -> AppointmentOut:
    anchor = appointments.create_appointment(db, patient, data=body, now=clock.now(), trail=trail)
    return AppointmentOut.model_validate(anchor)


@router.get("/{patient_id}/appointments", summary="List appointments", responses=ERRORS)
def list_appointments(
    patient: ValidPatient, db: DbSession, page: ClinicPage
) -> Page[AppointmentOut]:
    stmt = appointments.list_query(patient_id=patient.id)
    rows, cursor = paginate(db, stmt, params=page, key=Anchor.id)
    return page_of(AppointmentOut, rows, cursor)


@router.get(
    "/{patient_id}/appointments/{appointment_id}", summary="One appointment", responses=ERRORS
)
def get_appointment(appointment: ValidAppointment) -> AppointmentOut:
    return AppointmentOut.model_validate(appointment)


@router.patch(
    "/{patient_id}/appointments/{appointment_id}",
    summary="Reschedule",
    responses=ERRORS
    | {409: {"description": "The appointment was cancelled, or the patient is unenrolled"}},
)
def update_appointment(
    patient: ValidPatient,
    appointment: ValidAppointment,
    body: AppointmentUpdate,
    db: DbSession,
    clock: ClockDep,
    trail: ApiTrail,
) -> AppointmentOut:
    appointments.update_appointment(
        db, patient, appointment, data=body, now=clock.now(), trail=trail
    )
    return AppointmentOut.model_validate(appointment)


@router.delete(
    "/{patient_id}/appointments/{appointment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Cancel an appointment (its reminders are cancelled)",
    responses=ERRORS,
)
def cancel_appointment(
    patient: ValidPatient,
    appointment: ValidAppointment,
    db: DbSession,
    clock: ClockDep,
    trail: ApiTrail,
) -> Response:
    appointments.cancel_appointment(db, patient, appointment, now=clock.now(), trail=trail)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
