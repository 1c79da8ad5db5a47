"""/portal/patients/{id}/messages: a text to the patient from the patient page's compose box.

The route translates the form; threads/service.py decides who may be written to, when the
text goes and who answered first, and commits the message with its audit entry (the
portal's trail names who wrote it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from lupus_sms.console.pages import redirect
from lupus_sms.core.db import MAX_ID
from lupus_sms.core.dependencies import ClockDep, DbSession, SettingsDep
from lupus_sms.core.errors import LupusSmsError, NotFoundError, ValidationFailed
from lupus_sms.portal.auth import PortalContext, PortalCsrf
from lupus_sms.portal.dependencies import MessageWriter, WrittenToPatient, refused
from lupus_sms.threads import quick_replies
from lupus_sms.threads import service as threads

router = APIRouter(prefix="/portal/patients", include_in_schema=False)
# Room for a full message (threads.service.MAX_BODY) typed with Windows line ends; the
# service refuses anything longer than a text may be, with its own words.
MAX_FORM_BODY = 2 * threads.MAX_BODY


@router.post("/{patient_id}/messages", dependencies=[PortalCsrf])
def send_message(
    request: Request,
    db: DbSession,
    portal: MessageWriter,
    patient: WrittenToPatient,
    clock: ClockDep,
    settings: SettingsDep,
    seen_version: Annotated[int, Form(ge=0, le=MAX_ID)],
    body: Annotated[str, Form(max_length=MAX_FORM_BODY)] = "",
    template: Annotated[str, Form(max_length=40)] = "",
    alert_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    urgent: Annotated[bool, Form()] = False,
) -> object:
    page = f"/portal/patients/{patient.id}"
    back = f"{page}?alert={alert_id}" if alert_id else page
    try:
        message = threads.send_staff_message(
            db,
            clinic=portal.clinic,
            patient_id=patient.id,
            body=_typed(body) or _template_text(db, portal, patient, template),
            author=threads.StaffAuthor(portal.actor, portal.can("messages.urgent")),
            now=clock.now(),
            settings=settings,
            urgent=urgent,
            seen_version=seen_version,
            alert_id=alert_id,
            trail=portal.trail,
        )
    except LupusSmsError as exc:
        label = "Back to the conversation"
        return refused(request, exc, back_to=f"{back}#conversation", link_label=label,
                       draft=_typed(body) or None)  # fmt: skip
    return redirect(f"{page}?sent={message.id}#conversation")


def _typed(body: str) -> str:
    """What was typed, with the line ends a browser sends (CRLF) as the patient's phone
    counts them: one character each, as the compose box's counter did."""
    return body.replace("\r\n", "\n").strip()


def _template_text(db, portal: PortalContext, patient, template: str) -> str:
    """A quick reply chosen without writing: its text, filled in for the patient (in the
    browser the picker has already put it in the box)."""
    if not template:
        return ""
    try:
        return quick_replies.render(db, clinic=portal.clinic, patient=patient, key=template)
    except NotFoundError:
        raise ValidationFailed("Choose a quick reply from the list.") from None
