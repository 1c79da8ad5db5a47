"""/portal/patients: the list, the enrol form, the CSV upload and the patient page.

Routes translate forms; the enrolment, import and scheduling services do the work, exactly
as for the API.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from lupus_sms.audit.service import record_view
from lupus_sms.console import patient_list as patient_lists
from lupus_sms.console.pages import redirect
from lupus_sms.content.service import get_content
from lupus_sms.core.body_limit import IMPORT_MAX_BYTES
from lupus_sms.core.dates import OUT_OF_RANGE
from lupus_sms.core.db import MAX_ID
from lupus_sms.core.dependencies import ClockDep, DbSession
from lupus_sms.core.errors import LupusSmsError, ValidationFailed
from lupus_sms.enrollment import csv_import
from lupus_sms.enrollment import service as enrollment
from lupus_sms.enrollment.consent import PORTAL
from lupus_sms.enrollment.models import PATIENT_STATUSES, PROGRAM_NAMES
from lupus_sms.enrollment.schemas import PatientCreate
from lupus_sms.portal import conversation as conversations
from lupus_sms.portal import patients as views
from lupus_sms.portal import routes_patient_actions, routes_privacy
from lupus_sms.portal.auth import PortalCsrf, PortalPageError
from lupus_sms.portal.dependencies import PatientManager, PatientViewer, ViewedPatient
from lupus_sms.portal.pages import render
from lupus_sms.portal.routes_patient_actions import APPOINTMENT_KINDS
from lupus_sms.portal.timefmt import COMMON_ZONES, datetime_local_value, local_day, local_time
from lupus_sms.scheduling.holds import hold_label, hold_reason
from lupus_sms.scheduling.plans import plans_of
from lupus_sms.threads import service as threads

router = APIRouter(prefix="/portal/patients", include_in_schema=False)
router.include_router(routes_patient_actions.router)
router.include_router(routes_privacy.router)

EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(9000, 1, 1, tzinfo=UTC)
ENROL_FIELDS = ("phone", "name", "external_id", "program", "consent_source", "language")
OPTIONAL = ("name", "external_id", "timezone", "procedure_date")
CONSENT_SOURCES = {
    "in_person": "In person",
    "written": "Written",
    "phone": "By phone",
    "web": "Web",
}
DONE = {
    "enrolled": "Enrolled. The consent invitation is on its way.",
    "existing": "This phone was already enrolled with the clinic: nothing was sent again.",
    "paused": "Reminders paused.",
    "resumed": "Reminders resumed.",
    "unenrolled": "Unenrolled: no further messages.",
    "appointment": "Appointment saved; its reminders are planned.",
    "moved": "Moved; the planned messages follow.",
    "cancelled": "Cancelled; its unsent messages are cancelled.",
    "milestone": "Milestone saved; its reminders are planned.",
    "discreet": "Texts are discreet now: no illness or treatment on the lock screen.",
    "detailed": "Texts are detailed now, as the patient asked.",
}


@router.get("")
def patient_list(
    request: Request,
    db: DbSession,
    portal: PatientViewer,
    q: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    after: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> object:
    if status and status not in PATIENT_STATUSES:
        raise PortalPageError(422, f"Unknown status {status!r}.")
    page = patient_lists.list_page(
        db, clinic_id=portal.clinic.id, search=q, status=status or None, after=after
    )
    return render(
        request,
        "patients.html",
        page=page,
        q=q,
        status=status,
        statuses=PATIENT_STATUSES,
        programs=PROGRAM_NAMES,
        local_time=local_time,
        masked_phone=views.masked_phone,
        hold_reason=hold_reason,
    )


@router.get("/new")
def enrol_form(request: Request, portal: PatientManager) -> object:
    values = {"timezone": portal.clinic.timezone, "consent_source": "in_person"}
    return _enrol_page(request, values, {})


@router.post("/new", dependencies=[PortalCsrf])
def enrol(
    request: Request,
    db: DbSession,
    portal: PatientManager,
    clock: ClockDep,
    phone: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    external_id: Annotated[str, Form()] = "",
    program: Annotated[str, Form()] = "",
    consent_source: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "en",
    timezone: Annotated[str, Form()] = "",
    procedure_date: Annotated[str, Form()] = "",
) -> object:
    values = {
        "phone": phone, "name": name, "external_id": external_id, "program": program,
        "consent_source": consent_source, "language": language, "timezone": timezone,
        "procedure_date": procedure_date,
    }  # fmt: skip
    data = {key: value.strip() for key, value in values.items()}
    data = {key: value for key, value in data.items() if value or key not in OPTIONAL}
    try:
        body = PatientCreate.model_validate(data)
        result = enrollment.enroll_patient(
            db, clinic=portal.clinic, data=body, now=clock.now(), trail=portal.trail, source=PORTAL
        )
    except ValidationError as exc:
        errors = _field_errors(exc) | _phone_error(phone, portal.clinic)
        return _enrol_page(request, values, errors, status_code=422)
    except LupusSmsError as exc:
        return _enrol_page(request, values, {exc.field or "form": exc.message}, exc.status_code)
    done = "enrolled" if result.created else "existing"
    return redirect(f"/portal/patients/{result.patient.id}?done={done}")


def _phone_error(phone: str, clinic) -> dict[str, str]:
    """The phone's own check, so one submission shows every field's error at once."""
    try:
        enrollment.normalise_patient_phone(phone, clinic)
    except LupusSmsError as exc:
        return {"phone": exc.message}
    return {}


def _field_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error.get("loc") else "form"
        # Our own checks (a date's allowed range) say it clearly; pydantic's own do not.
        own = error["type"] in CLEAR_MESSAGES
        message = error["msg"] if own else FRIENDLY.get(field) or error["msg"]
        errors.setdefault(field, message)
    return errors


CLEAR_MESSAGES = (OUT_OF_RANGE,)
FRIENDLY = {
    "program": "Choose a program.",
    "consent_source": "Say how the patient agreed to be texted.",
    "procedure_date": "Give a date such as 2026-04-30, or leave it empty.",
    "language": "Choose English or Spanish.",
    "phone": "Give the patient's mobile number.",
}


def _enrol_page(request: Request, values: dict, errors: dict, status_code: int = 200):
    zones = sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone)
    return render(
        request,
        "patient_new.html",
        status_code,
        values=values,
        errors=errors,
        programs=PROGRAM_NAMES,
        consent_sources=CONSENT_SOURCES,
        common_zones=COMMON_ZONES,
        zones=[zone for zone in zones if zone not in COMMON_ZONES],
    )


@router.get("/import")
def import_form(request: Request, portal: PatientManager) -> object:
    return render(request, "patients_import.html", result=None, error=None)


@router.post("/import", dependencies=[PortalCsrf])
async def import_file(
    request: Request,
    db: DbSession,
    portal: PatientManager,
    clock: ClockDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> object:
    try:
        text = await _read_upload(file)
        result = await run_in_threadpool(
            csv_import.import_csv, db, clinic=portal.clinic, text=text, now=clock.now(),
            trail=portal.trail,
        )  # fmt: skip
    except LupusSmsError as exc:
        return render(
            request, "patients_import.html", exc.status_code, result=None, error=exc.message
        )
    return render(request, "patients_import.html", result=result, error=None)


async def _read_upload(file: UploadFile | None) -> str:
    if file is None or not file.filename:
        raise ValidationFailed("Choose a CSV file to upload.", field="file")
    raw = await file.read(IMPORT_MAX_BYTES + 1)
    if len(raw) > IMPORT_MAX_BYTES:
        raise ValidationFailed(f"The file is larger than {IMPORT_MAX_BYTES // 2**20} MB; split it.")
    if not raw.strip():
        raise ValidationFailed("The file is empty.", field="file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("The file must be UTF-8 text (save it as CSV UTF-8).") from None


@router.get("/{patient_id}")
def patient_page(
    request: Request,
    db: DbSession,
    portal: PatientViewer,
    patient: ViewedPatient,
    clock: ClockDep,
    before: Annotated[str, Query(max_length=40)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
    show: Annotated[str, Query(max_length=10)] = "",
    alert: Annotated[str, Query(max_length=20)] = "",
    sent: Annotated[str, Query(max_length=20)] = "",
) -> object:
    older_than = _instant(before)
    clinic = portal.clinic
    answering = (
        conversations.answered_alert(db, clinic=clinic, patient=patient, alert=alert)
        if alert
        else None
    )
    conversation = conversations.conversation(
        db, clinic=clinic, patient=patient, now=clock.now(), answering=answering
    )
    if portal.is_service_admin:  # a clinic's own staff are not audited per page view
        _audit_view(db, portal, patient, clock, "portal.patient.view")
    else:  # the clinic's own staff read the texts; a service admin looking in leaves them
        threads.read_conversation(db, clinic_id=clinic.id, patient_id=patient.id, now=clock.now())
    full_phone = _shown_phone(db, portal, patient, clock) if show == "phone" else None
    milestone_kinds = plans_of(get_content()).milestone_kinds(patient.program)
    return render(
        request,
        "patient.html",
        patient=patient,
        conversation=conversation,
        now=clock.now(),
        sent=conversations.sent_notice(db, patient=patient, sent=sent),
        timeline=views.timeline(db, patient=patient, clinic=portal.clinic, before=older_than),
        upcoming=views.upcoming(db, patient=patient),
        anchors=views.anchors(db, patient=patient),
        milestone_kinds=milestone_kinds,
        done=DONE.get(done),
        programs=PROGRAM_NAMES,
        local_time=local_time,
        masked_phone=views.masked_phone,
        full_phone=full_phone,
        hold_label=hold_label,
        datetime_local_value=datetime_local_value,
        local_day=local_day,
        appointment_kinds=APPOINTMENT_KINDS,
        before=before,
    )


def _shown_phone(db, portal, patient, clock) -> str | None:
    """The full number, for staff who must call the patient; each showing is audited."""
    if not patient.phone:
        return None
    _audit_view(db, portal, patient, clock, "portal.patient.phone_shown")
    return views.dialled_phone(patient.phone, portal.clinic.country)


def _audit_view(db, portal, patient, clock, action: str) -> None:
    record_view(db, actor=portal.actor, action=action, now=clock.now(),
                target=f"patient:{patient.id}", detail=f"clinic:{portal.clinic.id}")  # fmt: skip


def _instant(text: str) -> datetime | None:
    """Where an older page of the timeline starts: an instant with an offset, within the
    years a timeline can hold (a year-1 instant east of UTC would overflow in UTC)."""
    if not text:
        return None
    invalid = PortalPageError(422, "That link to older events is not valid.")
    try:
        value = datetime.fromisoformat(text)
        if value.tzinfo is None:
            raise invalid
        value = value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise invalid from None
    if not EARLIEST_INSTANT <= value <= LATEST_INSTANT:
        raise invalid
    return value
