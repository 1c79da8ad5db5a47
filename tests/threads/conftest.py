"""Conversation helpers: a clinic with its own sender, a consented patient, staff writing."""

from __future__ import annotations

import pytest

from lupus_sms.audit.service import Actor
from lupus_sms.threads import service as threads
from tests.factories import make_clinic, make_patient
from tests.scheduling.support import fake_transport, session_factory, tick  # noqa: F401

CLINIC_NUMBER = "+16175550142"
PATIENT_PHONE = "+12025550123"


@pytest.fixture
def clinic(db):
    return make_clinic(db, sender=CLINIC_NUMBER)


@pytest.fixture
def patient(db, clinic):
    patient = make_patient(db, clinic, phone=PATIENT_PHONE, name="Ana Lopez")
    db.commit()
    return patient


@pytest.fixture
def write(db, clinic, clock, settings):
    """A factory: a staff message from a nurse (or `role`) of `clinic` to the patient `to`."""

    def send(body: str, *, to, role: str = "nurse", **options):
        author = threads.StaffAuthor(Actor("nurse@example.org", None), role != "coordinator")
        return threads.send_staff_message(
            db,
            clinic=clinic,
            patient_id=to.id,
            body=body,
            author=author,
            now=clock.now(),
            settings=settings,
            **options,
        )

    return send
