"""Pages that identify patients: owners only, and each view leaves an audit entry."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lupus_sms.audit.models import AuditEntry
from lupus_sms.messaging.models import Message
from tests.factories import make_clinic, make_patient


@pytest.fixture
def patient(db, clock):
    clinic = make_clinic(db)
    patient = make_patient(db, clinic, phone="+12025550123", name="Jane Example")
    db.add(
        Message(
            direction="inbound",
            phone="+12025550123",
            clinic_id=clinic.id,
            patient_id=patient.id,
            body="when can I drive again",
            status="received",
            created_at=clock.now(),
        )
    )
    db.commit()
    return patient


def audit_entries(db, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_owner_sees_the_patient_list_and_the_view_is_audited(browser_for, db, patient):
    owner = browser_for("owner@example.org")
    clinics_page = owner.get("/admin/clinics").text
    assert f"/admin/clinics/{patient.clinic_id}/patients" in clinics_page
    page = owner.get(f"/admin/clinics/{patient.clinic_id}/patients")
    assert page.status_code == 200
    assert "+12025550123" in page.text and "Jane Example" in page.text
    [entry] = audit_entries(db, "patient.list")
    assert entry.actor == "owner@example.org"
    assert entry.target == f"clinic:{patient.clinic_id}"


def test_an_owner_reads_a_conversation_and_the_view_is_audited(browser_for, db, patient):
    owner = browser_for("owner@example.org")
    page = owner.get(f"/admin/patients/{patient.id}")
    assert page.status_code == 200
    assert "when can I drive again" in page.text and "+12025550123" in page.text
    [entry] = audit_entries(db, "patient.view")
    assert entry.target == f"patient:{patient.id}" and entry.actor == "owner@example.org"
    audit_page = owner.get("/admin/audit?action=patient.view").text
    assert f"patient:{patient.id}" in audit_page


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_editors_and_reviewers_get_403_on_patient_pages(browser_for, db, patient, role):
    admin = browser_for(f"{role}@example.org", role)
    for path in (f"/admin/clinics/{patient.clinic_id}/patients", f"/admin/patients/{patient.id}"):
        page = admin.get(path)
        assert page.status_code == 403
        assert "+12025550123" not in page.text and "Jane Example" not in page.text
    assert audit_entries(db, "patient.list") == [] and audit_entries(db, "patient.view") == []


def test_signed_out_visitors_are_sent_to_the_sign_in_page(admin_http, patient):
    page = admin_http.get(f"/admin/patients/{patient.id}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/admin/login"


def test_a_missing_patient_or_clinic_is_a_404_and_not_audited(browser_for, db, patient):
    owner = browser_for("owner@example.org")
    assert owner.get("/admin/patients/999999").status_code == 404
    assert owner.get("/admin/clinics/999999/patients").status_code == 404
    assert audit_entries(db, "patient.view") == [] and audit_entries(db, "patient.list") == []


def test_the_patient_list_searches_pages_and_reads_statuses_like_the_portal(browser_for, db):
    clinic = make_clinic(db)
    for index in range(52):
        make_patient(db, clinic, phone=f"+1617555{1000 + index}", name=f"Patient {index:02d}")
    make_patient(db, clinic, phone="+12025550188", name="Bo Chen", status="pending_consent")
    db.commit()
    owner = browser_for("owner@example.org")
    base = f"/admin/clinics/{clinic.id}/patients"
    first = owner.get(base).text
    assert "Bo Chen" in first and "Patient 00" not in first  # newest first, 50 a page
    assert '<span class="status status-pending_consent">pending consent</span>' in first
    next_link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = owner.get(next_link).text
    assert "Patient 00" in second and "Bo Chen" not in second and 'rel="next"' not in second
    found = owner.get(f"{base}?q=0188").text
    assert "Bo Chen" in found and "Patient 01" not in found
    pending = owner.get(f"{base}?status=pending_consent").text
    assert "Bo Chen" in pending and "Patient 01" not in pending
    assert owner.get(f"{base}?status=bogus").status_code == 422
    searches = [e.detail for e in audit_entries(db, "patient.list")]
    assert "search: 0188" in searches and len(searches) == 4
