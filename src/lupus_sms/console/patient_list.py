"""One page of a clinic's patients, searched: the list both consoles show (the portal to its
clinic's staff, the admin console to service owners, audited there).

A page is one keyset query on the patients' primary key plus one grouped query each for the
page's next planned messages and open alerts: neither grows with the clinic's size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from lupus_sms.alerts.models import SEVERITIES, SEVERITY_RANK, Alert
from lupus_sms.core.statuses import AlertStatus
from lupus_sms.enrollment import service as enrollment
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging import statuses
from lupus_sms.messaging.models import PhoneNumber
from lupus_sms.scheduling.models import PlannedMessage

LIST_PAGE = 50
SEARCH_MAX = 80
MIN_PHONE_DIGITS = 4


@dataclass(frozen=True)
class PatientRow:
    patient: Patient
    next_due_at: datetime | None
    open_alerts: int = 0
    worst_severity: str | None = None  # of its open alerts, for the list's marker


@dataclass(frozen=True)
class PatientPage:
    rows: list[PatientRow]
    next_after: int | None  # the id to continue after (keyset), None on the last page


def list_page(
    db: Session,
    *,
    clinic_id: int,
    search: str = "",
    status: str | None = None,
    after: int | None = None,
    limit: int = LIST_PAGE,
) -> PatientPage:
    """Newest enrolments first; `search` matches a name, an external id or a phone's last
    digits."""
    stmt = enrollment.list_patients_query(clinic_id=clinic_id, status=status)
    stmt = _searched(stmt, search.strip()[:SEARCH_MAX])
    if after is not None:
        stmt = stmt.where(Patient.id < after)
    patients = list(db.scalars(stmt.order_by(Patient.id.desc()).limit(limit + 1)))
    more = len(patients) > limit
    patients = patients[:limit]
    ids = [patient.id for patient in patients]
    due = next_due(db, ids)
    alerts = open_alerts(db, ids)
    rows = [
        PatientRow(patient, due.get(patient.id), *alerts.get(patient.id, (0, None)))
        for patient in patients
    ]
    return PatientPage(rows, patients[-1].id if more else None)


def _searched(stmt: Select, search: str) -> Select:
    if not search:
        return stmt
    matches = [
        func.lower(Patient.name).contains(search.lower(), autoescape=True),
        Patient.external_id == search,
    ]
    digits = re.sub(r"\D", "", search)
    if len(digits) >= MIN_PHONE_DIGITS and not re.search(r"[A-Za-z]", search):
        number_ids = select(PhoneNumber.id).where(PhoneNumber.e164.endswith(digits))
        matches.append(Patient.phone_number_id.in_(number_ids))
    return stmt.where(Patient.erased_at.is_(None), or_(*matches))


def next_due(db: Session, patient_ids: list[int]) -> dict[int, datetime]:
    """The next planned message of each patient (one grouped query for a page)."""
    if not patient_ids:
        return {}
    rows = db.execute(
        select(PlannedMessage.patient_id, func.min(PlannedMessage.due_at))
        .where(
            PlannedMessage.patient_id.in_(patient_ids),
            PlannedMessage.status == statuses.PLANNED,
        )
        .group_by(PlannedMessage.patient_id)
    )
    return {patient_id: _aware(due_at) for patient_id, due_at in rows}


def open_alerts(db: Session, patient_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Each patient's open alerts: how many, and the most urgent severity among them."""
    if not patient_ids:
        return {}
    rank = case(SEVERITY_RANK, value=Alert.severity, else_=len(SEVERITY_RANK))
    rows = db.execute(
        select(Alert.patient_id, func.count(), func.min(rank))
        .where(Alert.patient_id.in_(patient_ids), Alert.status == AlertStatus.OPEN)
        .group_by(Alert.patient_id)
    )
    return {patient_id: (count, SEVERITIES[worst]) for patient_id, count, worst in rows}


def _aware(value: datetime) -> datetime:
    # An aggregate may come back without the column type's conversion on SQLite.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
