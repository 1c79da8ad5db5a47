"""Changes from the patient page: pause, resume, unenrol, appointments and milestones.

Moving or cancelling an appointment or a milestone takes two steps: a GET shows which
planned messages would move (the scheduling preview, which follows the planner's rules),
and the POST from that page makes the change through the same use case as the API, which
commits it with its audit entry (the portal's trail).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from pydantic import ValidationError

from lupus_sms.console.pages import redirect
from lupus_sms.core.dependencies import ClockDep, DbSession
from lupus_sms.core.errors import LupusSmsError, NotFoundError, ValidationFailed
from lupus_sms.core.statuses import PatientStatus
from lupus_sms.enrollment import appointments
from lupus_sms.enrollment import service as enrollment
from lupus_sms.enrollment.consent import PORTAL
from lupus_sms.enrollment.models import Anchor
from lupus_sms.enrollment.schemas import AppointmentCreate, AppointmentUpdate, PatientUpdate
from lupus_sms.portal.auth import PortalCsrf, PortalPageError
from lupus_sms.portal.dependencies import ManagedPatient, check_id, refused
from lupus_sms.portal.pages import render
from lupus_sms.portal.timefmt import local_time
from lupus_sms.scheduling import service as scheduling
from lupus_sms.scheduling.schemas import MilestoneCreate, MilestoneUpdate

router = APIRouter()
APPOINTMENT_KINDS = ("evaluation", "consultation", "procedure", "follow-up")


def _done(patient, done: str):
    """Back to the patient page, which says what was done."""
    return redirect(f"{_page(patient)}?done={done}")


def _trail(request: Request):
    return request.state.portal.trail


def _page(patient) -> str:
    return f"/portal/patients/{patient.id}"


@router.post("/{patient_id}/pause", dependencies=[PortalCsrf])
def pause(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    clock: ClockDep,
    until: Annotated[str, Form(max_length=20)] = "",
) -> object:
    try:
        paused_until = _local_day_start(until, patient.timezone) if until else None
        change = _validated(PatientUpdate, status=PatientStatus.PAUSED, paused_until=paused_until)
        enrollment.update_patient(db, patient, data=change, now=clock.now(),
                                  trail=_trail(request), action="patient.pause")  # fmt: skip
    except LupusSmsError as exc:
        return refused(request, exc, back_to=_page(patient))
    return _done(patient, "paused")


@router.post("/{patient_id}/resume", dependencies=[PortalCsrf])
def resume(request: Request, db: DbSession, patient: ManagedPatient, clock: ClockDep) -> object:
    try:
        enrollment.update_patient(db, patient, data=PatientUpdate(status=PatientStatus.ACTIVE),
                                  now=clock.now(), trail=_trail(request),
                                  action="patient.resume")  # fmt: skip
    except LupusSmsError as exc:
        return refused(request, exc, back_to=_page(patient))
    return _done(patient, "resumed")


@router.get("/{patient_id}/unenroll")
def unenroll_form(request: Request, patient: ManagedPatient) -> object:
    """Unenrolling cannot be undone from the portal: say what it does and ask first."""
    return render(request, "unenroll.html", patient=patient)


@router.post("/{patient_id}/unenroll", dependencies=[PortalCsrf])
def unenroll(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    clock: ClockDep,
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> object:
    if confirm != "yes":  # only the confirmation page's button unenrols
        return render(request, "unenroll.html", 422, patient=patient)
    enrollment.unenroll(
        db, patient, erase=False, now=clock.now(), trail=_trail(request), source=PORTAL
    )
    return _done(patient, "unenrolled")


@router.post("/{patient_id}/appointments", dependencies=[PortalCsrf])
def add_appointment(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    clock: ClockDep,
    starts_at: Annotated[str, Form(max_length=40)] = "",
    starts_on: Annotated[str, Form(max_length=20)] = "",
    starts_time: Annotated[str, Form(max_length=10)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    location: Annotated[str, Form(max_length=400)] = "",
) -> object:
    try:
        data = _validated(
            AppointmentCreate,
            starts_at=_local_datetime(starts_at or _joined(starts_on, starts_time)),
            kind=kind,
            location=location or None,
        )
        appointments.create_appointment(
            db, patient, data=data, now=clock.now(), trail=_trail(request)
        )
    except LupusSmsError as exc:
        return refused(request, exc, back_to=_page(patient))
    return _done(patient, "appointment")


def _appointment(db: DbSession, patient: ManagedPatient, appointment_id: int) -> Anchor:
    check_id(appointment_id, "appointment")
    try:
        return appointments.get_appointment(db, patient=patient, appointment_id=appointment_id)
    except NotFoundError:
        raise PortalPageError(404, "No such appointment for this patient.") from None


PatientAppointment = Annotated[Anchor, Depends(_appointment)]


@router.get("/{patient_id}/appointments/{appointment_id}/move")
def preview_appointment_move(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    appointment: PatientAppointment,
    clock: ClockDep,
    starts_at: Annotated[str, Query(max_length=40)] = "",
    starts_on: Annotated[str, Query(max_length=20)] = "",
    starts_time: Annotated[str, Query(max_length=10)] = "",
) -> object:
    starts_at = starts_at or _joined(starts_on, starts_time)
    return _preview(request, db, patient, appointment, clock, starts_at=starts_at, cancel=False)


@router.get("/{patient_id}/appointments/{appointment_id}/cancel")
def preview_appointment_cancel(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    appointment: PatientAppointment,
    clock: ClockDep,
) -> object:
    return _preview(request, db, patient, appointment, clock, starts_at="", cancel=True)


def _preview(request, db, patient, appointment, clock, *, starts_at: str, cancel: bool):
    try:
        new_at = None
        if not cancel:  # checked as the move itself will be
            new_at = _validated(AppointmentUpdate, starts_at=_local_datetime(starts_at)).starts_at
        changes = appointments.preview_move(
            db, patient, appointment, starts_at=new_at, now=clock.now()
        )
    except LupusSmsError as exc:
        return refused(request, exc, back_to=_page(patient))
    return render(
        request,
        "anchor_preview.html",
        patient=patient,
        anchor=appointment,
        what="appointment",
        action=f"{_page(patient)}/appointments/{appointment.id}/{'cancel' if cancel else 'move'}",
        cancel=cancel,
        new_value=starts_at,
        new_label=None if cancel else local_time(_zoned(new_at, patient), patient.timezone),
        changes=changes,
        local_time=local_time,
    )


@router.post("/{patient_id}/appointments/{appointment_id}/move", dependencies=[PortalCsrf])
def move_appointment(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    appointment: PatientAppointment,
    clock: ClockDep,
    starts_at: Annotated[str, Form(max_length=40)] = "",
) -> object:
    try:
        data = _validated(AppointmentUpdate, starts_at=_local_datetime(starts_at))
        appointments.update_appointment(
            db, patient, appointment, data=data, now=clock.now(), trail=_trail(request)
        )
    except LupusSmsError as exc:
        return refused(request, exc, back_to=_page(patient))
    return _done(patient, "moved")


@router.post("/{patient_id}/appointments/{appointment_id}/cancel", dependencies=[PortalCsrf])
def cancel_appointment(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    appointment: PatientAppointment,
    clock: ClockDep,
) -> object:
    appointments.cancel_appointment(
        db, patient, appointment, now=clock.now(), trail=_trail(request)
    )
    return _done(patient, "cancelled")


@router.post("/{patient_id}/milestones", dependencies=[PortalCsrf])
def add_milestone(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    clock: ClockDep,
    kind: Annotated[str, Form(max_length=40)] = "",
    day: Annotated[str, Form(max_length=20)] = "",
) -> object:
    try:
        data = _validated(MilestoneCreate, kind=kind, date=_day(day))
        scheduling.create_milestone(
            db, patient=patient, data=data, now=clock.now(), trail=_trail(request)
        )
    except LupusSmsError as exc:
        return refused(request, exc, back_to=_page(patient))
    return _done(patient, "milestone")


def _milestone(db: DbSession, patient: ManagedPatient, milestone_id: int) -> Anchor:
    check_id(milestone_id, "milestone")
    try:
        return scheduling.get_milestone(db, patient=patient, milestone_id=milestone_id)
    except NotFoundError:
        raise PortalPageError(404, "No such milestone for this patient.") from None


PatientMilestone = Annotated[Anchor, Depends(_milestone)]


@router.get("/{patient_id}/milestones/{milestone_id}/move")
def preview_milestone_move(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    milestone: PatientMilestone,
    clock: ClockDep,
    day: Annotated[str, Query(max_length=20)] = "",
) -> object:
    return _milestone_preview(request, db, patient, milestone, clock, day=day)


@router.get("/{patient_id}/milestones/{milestone_id}/delete")
def preview_milestone_delete(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    milestone: PatientMilestone,
    clock: ClockDep,
) -> object:
    return _milestone_preview(request, db, patient, milestone, clock, day=None)


def _milestone_preview(request, db, patient, milestone, clock, *, day: str | None):
    try:
        data = None if day is None else _validated(MilestoneUpdate, date=_day(day))
        changes = scheduling.preview_milestone_move(
            db, patient=patient, anchor=milestone, data=data, now=clock.now()
        )
    except LupusSmsError as exc:
        return refused(request, exc, back_to=_page(patient))
    verb = "delete" if day is None else "move"
    return render(
        request,
        "anchor_preview.html",
        patient=patient,
        anchor=milestone,
        what="milestone",
        action=f"{_page(patient)}/milestones/{milestone.id}/{verb}",
        cancel=day is None,
        new_value=day,
        new_label=day,
        changes=changes,
        local_time=local_time,
    )


@router.post("/{patient_id}/milestones/{milestone_id}/move", dependencies=[PortalCsrf])
def move_milestone(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    milestone: PatientMilestone,
    clock: ClockDep,
    day: Annotated[str, Form(max_length=20)] = "",
) -> object:
    try:
        data = _validated(MilestoneUpdate, date=_day(day))
        scheduling.move_milestone(db, patient=patient, anchor=milestone, data=data,
                                  now=clock.now(), trail=_trail(request))  # fmt: skip
    except LupusSmsError as exc:
        return refused(request, exc, back_to=_page(patient))
    return _done(patient, "moved")


@router.post("/{patient_id}/milestones/{milestone_id}/delete", dependencies=[PortalCsrf])
def delete_milestone(
    request: Request,
    db: DbSession,
    patient: ManagedPatient,
    milestone: PatientMilestone,
    clock: ClockDep,
) -> object:
    scheduling.delete_milestone(
        db, patient=patient, anchor=milestone, now=clock.now(), trail=_trail(request)
    )
    return _done(patient, "cancelled")


def _validated(schema, **values):
    """The API's own request schema, so the portal accepts exactly what the API accepts."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())) or None
        message = f"{field}: {first['msg']}" if field else first["msg"]
        raise ValidationFailed(message, field=field) from None


def _joined(day: str, clock_time: str) -> str:
    """A date field and a 24-hour time field ("9:30" or "09:30") as one local date-time.
    The portal asks for them apart: a datetime-local input shows AM/PM in many locales."""
    clock_time = clock_time.strip()
    if re.fullmatch(r"\d:\d\d", clock_time):
        clock_time = "0" + clock_time
    return f"{day.strip()}T{clock_time}" if day.strip() or clock_time else ""


def _local_datetime(text: str) -> datetime:
    """Wall-clock time in the patient's zone (no offset), e.g. 2026-04-30T14:30."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(
            "Give a date and a 24-hour time such as 2026-04-30 and 14:30."
        ) from None
    if value.tzinfo is not None:
        raise ValidationFailed("Give the local date and time, without an offset.")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed("Give a date such as 2026-04-30.") from None


def _local_day_start(text: str, zone: str) -> datetime:
    return datetime.combine(_day(text), time(0), tzinfo=ZoneInfo(zone))


def _zoned(value: datetime, patient) -> datetime:
    return value.replace(tzinfo=ZoneInfo(patient.timezone))
