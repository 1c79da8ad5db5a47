"""A console action is one use case: its change and its audit entry are committed together by
the use case itself, outside any request too (the command line, a job), and a failure in
either leaves neither behind and the session usable. The API calls the same use cases
without a trail and writes no entry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from lupus_sms.audit.models import AuditEntry
from lupus_sms.audit.service import Actor, Trail
from lupus_sms.clinics.service import create_clinic
from lupus_sms.core.errors import LupusSmsError
from lupus_sms.enrollment import appointments
from lupus_sms.enrollment import service as enrollment
from lupus_sms.enrollment.models import Anchor, Patient
from lupus_sms.enrollment.schemas import AppointmentCreate, PatientUpdate
from tests.core.test_audit_with_change import FailingAudit
from tests.factories import make_patient

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
TRAIL = Trail(Actor("nurse@clinic.example.org", None), "portal.", "clinic:1")
BOOKING = AppointmentCreate(starts_at=datetime(2026, 4, 2, 9, 30), kind="consultation")


@pytest.fixture
def patient_id(live) -> int:
    with live.session() as db:
        clinic = create_clinic(
            db,
            name="Use Case Clinic",
            office_phone="+16175550100",
            urgent_phone="+16175550199",
            timezone="America/New_York",
        )
        patient = make_patient(db, clinic, phone="+16175552001")
        db.commit()
        return patient.id


def _counts(live) -> tuple[int, int]:
    with live.session() as db:
        anchors = db.scalar(select(func.count()).select_from(Anchor))
        return anchors, db.scalar(select(func.count()).select_from(AuditEntry))


def test_a_failed_audit_write_leaves_no_change_and_the_session_usable(live, patient_id):
    before = _counts(live)
    failing = FailingAudit(live.engine)
    failing.on = True
    try:
        with live.session() as db:
            patient = db.get(Patient, patient_id)
            with pytest.raises(RuntimeError):
                appointments.create_appointment(db, patient, data=BOOKING, now=NOW, trail=TRAIL)
            failing.on = False
            assert db.scalar(select(func.count()).select_from(Anchor)) == before[0]
            enrollment.update_patient(db, patient, data=PatientUpdate(status="paused"),
                                      now=NOW, trail=TRAIL, action="patient.pause")  # fmt: skip
    finally:
        failing.remove()
    assert _counts(live) == (before[0], before[1] + 1)


def test_the_change_and_its_entry_are_committed_by_the_use_case(live, patient_id):
    before = _counts(live)
    with live.session() as db:
        patient = db.get(Patient, patient_id)
        anchor = appointments.create_appointment(db, patient, data=BOOKING, now=NOW, trail=TRAIL)
        anchor_id = anchor.id
    # Another session, with no commit from this test: the use case committed both.
    assert _counts(live) == (before[0] + 1, before[1] + 1)
    with live.session() as db:
        entry = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.target) == ("portal.appointment.add", f"patient:{patient_id}")
        assert db.get(Anchor, anchor_id).kind == "consultation"


def test_a_refused_change_leaves_nothing_and_raises_the_domain_error(live, patient_id):
    with live.session() as db:
        patient = db.get(Patient, patient_id)
        enrollment.unenroll(db, patient, erase=False, now=NOW, trail=TRAIL)
    before = _counts(live)
    with live.session() as db:
        patient = db.get(Patient, patient_id)
        with pytest.raises(LupusSmsError) as refused:
            appointments.create_appointment(db, patient, data=BOOKING, now=NOW, trail=TRAIL)
        assert refused.value.status_code == 409
    assert _counts(live) == before


def test_the_api_calls_the_same_use_case_and_writes_no_entry(live, patient_id):
    before = _counts(live)
    with live.session() as db:
        patient = db.get(Patient, patient_id)
        appointments.create_appointment(db, patient, data=BOOKING, now=NOW)
    assert _counts(live) == (before[0] + 1, before[1])
