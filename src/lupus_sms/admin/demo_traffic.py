"""Simulated weeks of demo traffic: enrolments, consent, questions, deliveries and alerts.

Patients are enrolled through the enrolment service (so invitations and planned reminders
are real rows); the texts that follow are written as the pipeline would store them. Every
outbound text ends in a terminal delivery status, so nothing demo is ever left to send
except planned reminders that are still in the future.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lupus_sms.alerts.models import Alert
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.segments import analyze
from lupus_sms.content.service import get_content
from lupus_sms.core.statuses import AlertStatus, MessageStatus, PatientStatus
from lupus_sms.enrollment import consent
from lupus_sms.enrollment.models import Patient
from lupus_sms.enrollment.schemas import PatientCreate
from lupus_sms.enrollment.service import enroll_one
from lupus_sms.messaging import statuses
from lupus_sms.messaging.models import Message
from lupus_sms.scheduling.enqueue import queue_planned
from lupus_sms.scheduling.models import PlannedMessage
from lupus_sms.scheduling.planner import replan

DAYS = 27  # the dashboard shows 28 days: fill them
PATIENTS = 36
PROGRAMS = ("ahsct", "ahsct", "msc", "evaluation")
UNKNOWN_TEXTS = (
    "can I eat sushi after the transplant",
    "how long is the hospital stay",
    "is the treatment covered by insurance",
    "can my dog sleep in my bed after",
    "when can I drive again",
    "will I lose my hair",
)
RED_FLAG_TEXTS = (("fever 101.8 and chills tonight", "fever"), ("short of breath", "breathing"))
SAFETY_REPLY = (
    "URGENT: Please call your care team now at {clinic_name}, 24/7 line {urgent_phone}. "
    "For an emergency call 911 or your local emergency number. We told your clinic."
)
# Twilio error codes the dashboard should show: unreachable, unknown number, unsubscribed.
FAILURES = (("undelivered", "30003"), ("undelivered", "30006"), ("failed", "21610"))


@dataclass(frozen=True)
class Traffic:
    patients: int
    messages: int


def simulate(db: Session, *, clinic: Clinic, now: datetime, rng: random.Random) -> Traffic:
    """Fill the clinic with DAYS of traffic ending at `now`. Flushes."""
    patients = [_enrol(db, clinic, index, now, rng) for index in range(PATIENTS)]
    stops: dict[int, datetime] = {}
    for patient, enrolled_at in patients:
        _patient_story(db, clinic, patient, enrolled_at, now, rng, stops)
    _queue_due_reminders(db, clinic, now, stops)
    for patient, _ in patients:
        if patient.id in stops:
            _opt_out(db, clinic, patient, stops[patient.id])
    count = _settle_outbox(db, clinic, rng)
    return Traffic(patients=len(patients), messages=count)


def _enrol(db, clinic, index, now, rng) -> tuple[Patient, datetime]:
    enrolled_at = now - timedelta(days=DAYS) + timedelta(hours=index * DAYS * 20 / PATIENTS)
    program = PROGRAMS[index % len(PROGRAMS)]
    procedure = enrolled_at.date() + timedelta(days=rng.randint(-5, 30))
    data = PatientCreate(
        phone=f"+1617555{2100 + index:04d}",
        consent_source="in_person",
        program=program,
        name=f"Demo Patient {index + 1}",
        procedure_date=None if program == "evaluation" else procedure,
    )
    return enroll_one(db, clinic=clinic, data=data, now=enrolled_at).patient, enrolled_at


def _patient_story(db, clinic, patient, enrolled_at, now, rng, stops) -> None:
    """YES to the invitation (most people), questions over the weeks, sometimes a STOP."""
    if rng.random() < 0.15:
        return  # never answered the invitation: stays pending
    said_yes = enrolled_at + timedelta(minutes=rng.randint(3, 600))
    yes = _inbound(db, patient, "YES", said_yes)
    consent.confirm(db, patient, now=said_yes, message_id=yes.id)
    _reply(db, yes, get_content().text("consent_confirmation", clinic_name=clinic.name), "opt_in")
    end = now - timedelta(minutes=5)
    if rng.random() < 0.2:
        end = said_yes + (now - said_yes) * rng.uniform(0.3, 0.9)
        stops[patient.id] = end
    for _ in range(rng.randint(2, 9)):
        _question(db, clinic, patient, said_yes + (end - said_yes) * rng.random(), rng)


def _question(db, clinic, patient, at, rng) -> None:
    content = get_content()
    roll = rng.random()
    if roll < 0.55:
        topic = rng.choice(content.topics)
        word = rng.choice([topic.keyword, str(topic.menu_number), topic.keyword.lower()])
        _reply(db, _inbound(db, patient, word, at), content.topic_part(topic, 0), "education")
    elif roll < 0.7:
        _reply(db, _inbound(db, patient, "MENU", at), content.menu(), "menu")
    elif roll < 0.93:
        inbound = _inbound(db, patient, rng.choice(UNKNOWN_TEXTS), at)
        _reply(db, inbound, content.text("unknown_hint"), "hint")
    else:
        _red_flag(db, clinic, patient, at, rng)


def _red_flag(db, clinic, patient, at, rng) -> None:
    text, category = rng.choice(RED_FLAG_TEXTS)
    inbound = _inbound(db, patient, text, at)
    reply = SAFETY_REPLY.format(clinic_name=clinic.name, urgent_phone="(617) 555-0199")
    _reply(db, inbound, reply, "safety")
    acknowledged = rng.random() < 0.5
    db.add(
        Alert(
            clinic_id=clinic.id,
            patient_id=patient.id,
            message_id=inbound.id,
            kind="red_flag",
            status=AlertStatus.ACKNOWLEDGED if acknowledged else AlertStatus.OPEN,
            priority="high",
            categories=category,
            text=text,
            acknowledged_at=at + timedelta(minutes=20) if acknowledged else None,
            acknowledged_by="demo-nurse@example.org" if acknowledged else None,
            created_at=at,
        )
    )


def _inbound(db, patient: Patient, body: str, at: datetime) -> Message:
    message = Message(
        direction="inbound",
        phone=patient.phone_number.e164,
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        kind="inbound",
        body=body,
        status=MessageStatus.RECEIVED,
        twilio_sid=f"SM{uuid.uuid4().hex}",
        created_at=at,
    )
    db.add(message)
    db.flush()
    return message


def _reply(db, inbound: Message, body: str, kind: str) -> Message:
    """Stored as queued, then settled with the rest of the outbox."""
    info = analyze(body)
    reply = Message(
        direction="outbound",
        phone=inbound.phone,
        clinic_id=inbound.clinic_id,
        patient_id=inbound.patient_id,
        kind=kind,
        body=body,
        status=statuses.QUEUED,
        encoding=info.encoding,
        segments=info.segments,
        in_reply_to_id=inbound.id,
        created_at=inbound.created_at + timedelta(seconds=1),
    )
    db.add(reply)
    return reply


def _queue_due_reminders(db, clinic, now, stops) -> None:
    """Reminders that fell due before now (or before the patient's STOP) were sent."""
    content = get_content()
    due = db.scalars(
        select(PlannedMessage)
        .join(Patient, Patient.id == PlannedMessage.patient_id)
        .where(Patient.clinic_id == clinic.id, PlannedMessage.status == statuses.PLANNED)
        .where(PlannedMessage.due_at <= now)
        .order_by(PlannedMessage.due_at)
    ).all()
    for planned in due:
        if planned.due_at <= stops.get(planned.patient_id, now):
            queue_planned(db, planned, planned.due_at, content)


def _opt_out(db, clinic, patient: Patient, at: datetime) -> None:
    stop = _inbound(db, patient, "STOP", at)
    _reply(db, stop, get_content().text("opt_out_confirmation"), "opt_out")
    patient.phone_number.opted_out = True
    patient.phone_number.opted_out_at = at
    patient.status = PatientStatus.OPTED_OUT
    consent.record_event(db, patient, kind="opted_out", source="sms", now=at, message_id=stop.id)
    db.flush()
    replan(db, patient_id=patient.id, now=at)


def _settle_outbox(db, clinic, rng) -> int:
    """Every queued demo text gets an outcome, with Twilio's error code when it failed."""
    db.flush()
    queued = db.scalars(
        select(Message).where(Message.clinic_id == clinic.id, Message.status == statuses.QUEUED)
    ).all()
    for message in queued:
        roll = rng.random()
        status, code = ("delivered", None) if roll < 0.88 else ("sent", None)
        if roll >= 0.92:
            status, code = rng.choice(FAILURES)
        message.status, message.error_code = status, code
        message.sent_at = message.created_at + timedelta(seconds=2)
        message.twilio_sid = f"SM{rng.getrandbits(128):032x}"
        message.next_attempt_at = None
        message.attempts = 1
        if message.planned_message_id is not None:
            db.get(PlannedMessage, message.planned_message_id).status = status
    db.flush()
    count = select(func.count()).select_from(Message).where(Message.clinic_id == clinic.id)
    return db.scalar(count)
