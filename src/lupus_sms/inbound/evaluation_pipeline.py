"""The red-flag evaluation through the real inbound handling (`lupus-sms safety eval`).

Each text is sent, as Twilio would deliver it, from its own enrolled and consented aHSCT
patient of one evaluation clinic (in the text's language), through `process_inbound`: the
same inbound order, alerts and replies as the webhook. What counts is what happened: a
red-flag alert was opened, and the reply was the safety reply (the 988 one for self-harm).
Everything runs inside one transaction that is rolled back, each text in a savepoint, so the
database is left as it was.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lupus_sms.alerts.evaluation import Case, Decider, Outcome
from lupus_sms.alerts.models import Alert
from lupus_sms.clinics.models import Clinic
from lupus_sms.core.clock import Clock
from lupus_sms.core.config import Settings
from lupus_sms.core.statuses import PatientStatus
from lupus_sms.enrollment import consent
from lupus_sms.enrollment.models import Patient
from lupus_sms.inbound.service import InboundSms, process_inbound
from lupus_sms.messaging.models import Message
from lupus_sms.messaging.service import get_or_create_phone_number

# Numbers of the evaluation's patients: fictional +1 617 555 01xx to 99xx lines.
_FIRST_LINE = 100
CLINIC_SENDER = "+16175550100"


def pipeline_decider(db: Session, *, settings: Settings, clock: Clock) -> Decider:
    """A decider that sends each text through the inbound order on `db` (which the caller
    rolls back: the evaluation writes nothing that stays)."""
    clinic = Clinic(
        name="Evaluation Clinic",
        office_phone="+16175550101",
        urgent_phone="+16175550199",
        timezone="America/New_York",
    )
    db.add(clinic)
    db.flush()
    clinic_id = clinic.id
    counter = iter(range(_FIRST_LINE, 10_000))

    def decide(case: Case) -> Outcome:
        phone = f"+1617555{next(counter):04d}"
        with db.begin_nested() as savepoint:
            clinic = db.get(Clinic, clinic_id)
            _patient(db, clinic, phone=phone, language=case.lang, clock=clock)
            sms = InboundSms(
                message_sid=f"SM{uuid.uuid4().hex}",
                from_number=phone,
                to_number=CLINIC_SENDER,
                body=case.text,
            )
            result = process_inbound(db, sms=sms, settings=settings, clock=clock)
            outcome = _outcome(db, phone, result.reply_message_id)
            savepoint.rollback()
        db.expunge_all()  # rows of the rolled-back text must not meet the next one's ids
        return outcome

    return decide


def _patient(db: Session, clinic: Clinic, *, phone: str, language: str, clock: Clock) -> None:
    number = get_or_create_phone_number(db, e164=phone)
    number.language = language
    patient = Patient(
        clinic_id=clinic.id,
        phone_number_id=number.id,
        timezone=clinic.timezone,
        program="ahsct",
        procedure_date=date(2026, 3, 1),
        consent_source="in_person",
        status=PatientStatus.PENDING_CONSENT,
        language=language,
    )
    db.add(patient)
    db.flush()
    consent.confirm(db, patient, now=clock.now(), message_id=None)


def _outcome(db: Session, phone: str, reply_id: int | None) -> Outcome:
    inbound = db.scalar(
        select(Message).where(Message.phone == phone, Message.direction == "inbound")
    )
    alerts = list(
        db.scalars(select(Alert).where(Alert.message_id == inbound.id, Alert.kind == "red_flag"))
    )
    reply = db.get(Message, reply_id) if reply_id else None
    kind = "other"
    if reply is not None and reply.kind == "safety":
        kind = "self_harm" if "988" in (reply.body or "") else "red_flag"
    categories = tuple(alerts[0].categories.split(",")) if alerts and alerts[0].categories else ()
    return Outcome(bool(alerts), kind, categories, categories)
