"""`/api/v1/...` for care-team conversations: a staff message to a patient, the clinic's
conversations, assigning and closing them, and the clinic's conversation settings.

Routes only translate HTTP: the dependencies load and authorise, the services do the work.

An API key acts for its clinic, and may mark a message urgent: the clinic's integration
writes for its own staff (a nurse's "send now" in the clinic's system), who decided it, and
refusing would leave the integration no way to say what the portal lets a nurse say. The
audit entry (`api.thread.message`, kind `urgent_staff`) names the key, so the clinic can
always tell who sent a text outside the patient's hours.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, status

from lupus_sms.clinics import conversation_settings
from lupus_sms.clinics.dependencies import ApiTrail, ClinicPage, CurrentClinic
from lupus_sms.core.db import MAX_ID
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep
from lupus_sms.core.errors import ValidationFailed
from lupus_sms.core.pagination import Page, page_of, paginate
from lupus_sms.enrollment.dependencies import ValidPatient
from lupus_sms.threads import listing, quick_replies, service
from lupus_sms.threads.models import Thread
from lupus_sms.threads.schemas import (
    AssignIn,
    CloseIn,
    ConversationOut,
    ConversationSettingsIn,
    ConversationSettingsOut,
    StaffMessageIn,
    StaffMessageOut,
)

router = APIRouter(tags=["conversations"])
ConversationId = Annotated[int, Path(ge=1, le=MAX_ID)]
NOT_FOUND = {404: {"description": "No such patient or conversation for this clinic"}}
INVALID = {422: {"description": "Invalid input"}}
SEND_ERRORS = (
    NOT_FOUND
    | INVALID
    | {
        409: {
            "description": "Writing to this patient is refused now (STOP, carrier block, no YES "
            "yet, unenrolled, a sender shared by several clinics), or someone answered since "
            "`seen_version`: nothing was sent"
        }
    }
)


def assignee_filter(
    assignee: Annotated[
        str | None,
        Query(
            pattern=r"^(none|[1-9][0-9]{0,9})$",
            description="A user id, or `none` for conversations nobody is assigned (also "
            "those assigned to a user deactivated since).",
        ),
    ] = None,
) -> int | str | None:
    if assignee is None or assignee == listing.UNASSIGNED:
        return assignee
    if int(assignee) > MAX_ID:
        raise ValidationFailed("no user has this id", field="assignee")
    return int(assignee)


@router.post(
    "/patients/{patient_id}/messages",
    status_code=status.HTTP_201_CREATED,
    summary="Write to a patient (a staff message, through the outbox)",
    responses=SEND_ERRORS,
)
def send_message(
    patient: ValidPatient,
    body: StaffMessageIn,
    db: DbSession,
    clinic: CurrentClinic,
    clock: ClockDep,
    settings: SettingsDep,
    trail: ApiTrail,
) -> StaffMessageOut:
    text = quick_replies.text_to_send(
        db, clinic=clinic, patient=patient, body=body.body, template=body.template
    )
    message = service.send_staff_message(
        db,
        clinic=clinic,
        patient_id=patient.id,
        body=text,
        author=service.StaffAuthor(trail.actor, may_mark_urgent=True),
        now=clock.now(),
        settings=settings,
        urgent=body.urgent,
        seen_version=body.seen_version,
        alert_id=body.alert_id,
        trail=trail,
    )
    thread = service.thread_of_patient(db, clinic_id=clinic.id, patient_id=patient.id)
    return StaffMessageOut.of(message, conversation_id=thread.id)


@router.get(
    "/conversations",
    summary="This clinic's conversations, newest first",
    description="`status=open` lists the conversations that can still be answered: an open "
    "conversation of an unenrolled or erased patient is left out, as in the portal inbox "
    "(it is still listed without `status`). A cursor is bound to the filters it was made "
    "with.",
    responses=INVALID,
)
def list_conversations(
    db: DbSession,
    clinic: CurrentClinic,
    page: ClinicPage,
    assignee: Annotated[int | str | None, Depends(assignee_filter)],
    status: Annotated[Literal["open", "done"] | None, Query()] = None,
) -> Page[ConversationOut]:
    stmt = listing.conversations_query(clinic_id=clinic.id, status=status, assignee=assignee)
    page = page.bound_to(f"status {status} assignee {assignee}")
    rows, cursor = paginate(db, stmt, params=page, key=Thread.id)
    return page_of(ConversationOut, rows, cursor)


@router.get("/conversations/{conversation_id}", summary="One conversation", responses=NOT_FOUND)
def get_conversation(
    db: DbSession, clinic: CurrentClinic, conversation_id: ConversationId
) -> ConversationOut:
    thread = service.get_thread(db, clinic_id=clinic.id, thread_id=conversation_id)
    return ConversationOut.model_validate(thread)


@router.post(
    "/conversations/{conversation_id}/assign",
    summary="Give the conversation to a user of the clinic (null: to nobody)",
    responses=NOT_FOUND | INVALID,
)
def assign_conversation(
    db: DbSession,
    clinic: CurrentClinic,
    clock: ClockDep,
    trail: ApiTrail,
    conversation_id: ConversationId,
    body: AssignIn,
) -> ConversationOut:
    thread = service.assign(
        db,
        clinic_id=clinic.id,
        thread_id=conversation_id,
        user_id=body.user_id,
        now=clock.now(),
        trail=trail,
    )
    return ConversationOut.model_validate(thread)


@router.post(
    "/conversations/{conversation_id}/close",
    summary="Done: off the open list until the patient texts again",
    responses=NOT_FOUND | INVALID | {409: {"description": "Someone closed it already"}},
)
def close_conversation(
    db: DbSession,
    clinic: CurrentClinic,
    clock: ClockDep,
    trail: ApiTrail,
    conversation_id: ConversationId,
    body: CloseIn | None = None,
) -> ConversationOut:
    thread = service.close(
        db,
        clinic_id=clinic.id,
        thread_id=conversation_id,
        by=trail.actor.label,
        now=clock.now(),
        trail=trail,
    )
    return ConversationOut.model_validate(thread)


@router.get("/clinic/conversation-settings", summary="How this clinic's conversations run")
def get_conversation_settings(clinic: CurrentClinic) -> ConversationSettingsOut:
    return ConversationSettingsOut.model_validate(clinic)


@router.patch(
    "/clinic/conversation-settings",
    summary="Change how long conversations last and how often unanswered ones are notified",
    responses=INVALID,
)
def update_conversation_settings(
    db: DbSession, clinic: CurrentClinic, clock: ClockDep, trail: ApiTrail,
    body: ConversationSettingsIn,
) -> ConversationSettingsOut:  # fmt: skip
    conversation_settings.update(
        db, clinic=clinic, values=body.model_dump(), now=clock.now(), trail=trail
    )
    return ConversationSettingsOut.model_validate(clinic)
