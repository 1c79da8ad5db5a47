"""Quick replies for the compose box: the service-wide defaults (content/care_team.yaml)
with a clinic's own in their place, filled in for one patient in their language.

A clinic's text is validated when it is saved (threads/templates.py), but a row written
before a rule changed must not break the compose page: one that cannot be filled in is left
out (the default of its key, if any, stays offered) and logged, never sent half-filled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.clinics.models import Clinic
from lupus_sms.core.errors import NotFoundError, ValidationFailed
from lupus_sms.enrollment.models import Patient
from lupus_sms.threads import content as care_team
from lupus_sms.threads.models import QuickReply
from lupus_sms.threads.service import patient_content, placeholder_values

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QuickReplyChoice:
    key: str
    title: str
    body: str  # filled in for the patient, in their language


def choices(db: Session, *, clinic: Clinic, patient: Patient) -> list[QuickReplyChoice]:
    """The defaults in the patient's language, each replaced by the clinic's own of the same
    key; then the clinic's other ones by title. Its Spanish text for a Spanish reader when
    it has one, else its English."""
    content = patient_content(patient)
    values = placeholder_values(clinic, patient, content)
    spanish = content.language == "es"
    found = {
        key: QuickReplyChoice(key, reply["title"], filled)
        for key, reply in care_team.quick_replies(content).items()
        if (filled := care_team.fill(reply["body"], values)) is not None
    }
    for reply in _own(db, clinic.id):
        body = (reply.body_es if spanish else None) or reply.body_en
        filled = care_team.fill(body, values)
        if filled is None:
            logger.warning("quick reply %s of clinic %s cannot be filled in", reply.id, clinic.id)
            continue
        found[reply.key] = QuickReplyChoice(reply.key, reply.title, filled)
    return list(found.values())


def render(db: Session, *, clinic: Clinic, patient: Patient, key: str) -> str:
    """The quick reply `key` filled in for the patient; NotFoundError for an unknown key."""
    for choice in choices(db, clinic=clinic, patient=patient):
        if choice.key == key:
            return choice.body
    raise NotFoundError(f"no quick reply {key!r}")


def text_to_send(
    db: Session, *, clinic: Clinic, patient: Patient, body: str | None, template: str | None
) -> str:
    """What a writer sends: their own words or a quick reply, never both (which would win?).
    An unknown quick reply is bad input (ValidationFailed), not a missing page."""
    if template is None:
        return body or ""
    if body and body.strip():
        raise ValidationFailed("Give either a body or a template, not both.", field="template")
    try:
        return render(db, clinic=clinic, patient=patient, key=template)
    except NotFoundError:
        known = ", ".join(c.key for c in choices(db, clinic=clinic, patient=patient))
        raise ValidationFailed(
            f"There is no quick reply {template!r}. This clinic has: {known}.", field="template"
        ) from None


def _own(db: Session, clinic_id: int) -> list[QuickReply]:
    query = select(QuickReply).where(QuickReply.clinic_id == clinic_id)
    return list(db.scalars(query.order_by(QuickReply.title, QuickReply.id)))
