"""`lupus-sms demo`: a demo clinic, an owner and a few weeks of simulated traffic.

A newcomer's first visit to /admin should show a living dashboard, not empty plots. Demo
rows are marked (`is_demo`, names starting with "Demo") and use fictional numbers only
(+1 617 555 xxxx). They are never mixed into real data: the fill refuses a database that
already holds a clinic, patient or message that is not demo data.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lupus_sms.admin import demo_traffic
from lupus_sms.audit.service import CLI_ACTOR, record
from lupus_sms.clinics import service as clinics
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.store import seed_if_empty
from lupus_sms.core.errors import ConflictError
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message
from lupus_sms.users import service as users
from lupus_sms.users.models import User

DEMO_CLINIC_NAME = "Demo Lupus Clinic"
DEMO_DISPLAY_NAME = "Demo Health"
DEMO_OWNER_EMAIL = "demo-owner@example.org"


@dataclass(frozen=True)
class DemoResult:
    clinic_name: str
    owner_email: str
    owner_password: str
    api_key: str
    patients: int
    messages: int


def real_data_found(db: Session) -> str | None:
    """What real data the database holds, if any (demo rows never count)."""
    demo_clinics = select(Clinic.id).where(Clinic.is_demo.is_(True))
    if db.scalar(select(Clinic.id).where(Clinic.is_demo.is_(False)).limit(1)) is not None:
        return "a clinic"
    if db.scalar(select(Patient.id).where(Patient.clinic_id.not_in(demo_clinics)).limit(1)):
        return "a patient"
    outside_demo = Message.clinic_id.is_(None) | Message.clinic_id.not_in(demo_clinics)
    if db.scalar(select(Message.id).where(outside_demo).limit(1)) is not None:
        return "a message"
    return None


def fill(db: Session, *, now: datetime, content_dir: Path, seed: int = 6) -> DemoResult:
    """Add the demo data; the caller commits. Refuses real data and a second run."""
    found = real_data_found(db)
    if found is not None:
        raise ConflictError(
            f"refusing to add demo data: this database already holds real data ({found}). "
            "Use an empty database for the demo."
        )
    if db.scalar(select(func.count()).select_from(Clinic)):
        raise ConflictError("the demo data is already here; nothing was added")
    if db.scalar(select(User.id).where(User.email == DEMO_OWNER_EMAIL)) is not None:
        raise ConflictError(f"a user {DEMO_OWNER_EMAIL} already exists; nothing was added")
    seed_if_empty(db, content_dir=content_dir, now=now)
    clinic = clinics.create_clinic(
        db,
        name=DEMO_CLINIC_NAME,
        office_phone="+16175550100",
        urgent_phone="+16175550199",
        timezone="America/New_York",
        is_demo=True,
    )
    clinic.created_at = now
    clinic.display_name = DEMO_DISPLAY_NAME  # its name says lupus: discreet texts need another
    _, api_key = clinics.create_api_key(db, clinic_id=clinic.id, label="demo")
    password = secrets.token_urlsafe(15)
    owner = users.create(
        db, email=DEMO_OWNER_EMAIL, password=password, role="owner", is_demo=True, temporary=True
    )
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not a secret
    traffic = demo_traffic.simulate(db, clinic=clinic, now=now, rng=rng)
    record(
        db,
        actor=CLI_ACTOR,
        action="demo.create",
        now=now,
        target=f"clinic:{clinic.id}",
        detail=f"demo owner user:{owner.id}, {traffic.patients} patients",
    )
    return DemoResult(
        clinic_name=clinic.name,
        owner_email=owner.email,
        owner_password=password,
        api_key=api_key,
        patients=traffic.patients,
        messages=traffic.messages,
    )
