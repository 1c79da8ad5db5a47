"""Quick replies for the compose box: the service-wide defaults (content/care_team.yaml)
with a clinic's own in their place, filled in for one patient in their language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.clinics.models import Clinic
from lupus_sms.core.errors import NotFoundError, ValidationFailed
from lupus_sms.enrollment.models import Patient
from lupus_sms.threads import content as care_team
from lupus_sms.threads.models import QuickReply
from lupus_sms.threads.service import patient_content, placeholder_values


@dataclass(frozen=True)
class QuickReplyChoice:
    key: str
    title: str
    body: str  # filled in for the patient, in their language


def choices(db: Session, *, clinic: Clinic, patient: Patient) -> list[QuickReplyChoice]:
    content = patient_content(patient)
    values = placeholder_values(clinic, patient, content)
    spanish = content.language == "es"
    found = {key: (r["title"], r["body"]) for key, r in care_team.quick_replies(content).items()}
    own = db.scalars(select(QuickReply).where(QuickReply.clinic_id == clinic.id))
    for reply in own:
        found[reply.key] = (reply.title, (reply.body_es if spanish else None) or reply.body_en)
    return [
        QuickReplyChoice(key, title, body.format(**values)) for key, (title, body) in found.items()
    ]


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
