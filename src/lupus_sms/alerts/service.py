"""Opening, notifying, listing and acknowledging alerts. Helpers flush; callers commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lupus_sms.alerts import documents
from lupus_sms.alerts.models import Alert, AlertNotification
from lupus_sms.audit.service import Trail, one_transaction, record_on
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.snapshot import ContentSnapshot
from lupus_sms.core.errors import ConflictError, NotFoundError
from lupus_sms.core.pagination import PageParams, paginate
from lupus_sms.core.statuses import AlertStatus, NotificationStatus, PatientStatus
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging import outbox
from lupus_sms.messaging.models import Message, PhoneNumber

logger = logging.getLogger(__name__)
# Enrolments whose clinic still hears from the number. An opted-out patient's red flag still
# reaches the clinic (only the SMS reply is blocked); an unenrolled or erased one does not.
ALERTABLE_STATUSES = (
    PatientStatus.PENDING_CONSENT,
    PatientStatus.ACTIVE,
    PatientStatus.PAUSED,
    PatientStatus.OPTED_OUT,
    PatientStatus.UNDELIVERABLE,
)


@dataclass(frozen=True)
class Target:
    """Who an alert is for: a clinic, and the patient there (None for an unknown number)."""

    clinic: Clinic
    patient: Patient | None


def alert_targets(
    db: Session, *, phone_number: PhoneNumber | None, clinic_id: int | None, red_flag: bool = False
) -> list[Target]:
    """Every clinic the number consented to, or only the one its `To` named (for a red flag,
    every one it consented to when the named clinic has not heard its YES).

    A clinic whose invitation the number has not answered hears nothing from it (tenancy by
    consent), with one exception, safety first: a red flag from a number that consented to
    no clinic reaches the clinics whose invitation it is answering (`red_flag`). A number
    nobody enrolled that texted a clinic's own number still reaches that clinic.
    """
    patients = _patients(db, phone_number)
    consented = [p for p in patients if p.consented]
    if not consented and red_flag:
        consented = _answering(db, patients, clinic_id)
    named = [p for p in consented if p.clinic_id == clinic_id] if clinic_id else []
    # Words sent to one clinic's own number are that clinic's alone: another clinic the number
    # consented to does not read them (and the reply does not name it), unless they are a red
    # flag, which reaches a clinic that knows the patient rather than nobody.
    chosen = named if clinic_id and not red_flag else named or consented
    clinic_ids = {p.clinic_id for p in chosen} or ({clinic_id} if clinic_id else set())
    if not clinic_ids:
        return []
    clinics = {c.id: c for c in db.scalars(select(Clinic).where(Clinic.id.in_(clinic_ids)))}
    if chosen:
        return [Target(clinics[p.clinic_id], p) for p in chosen]
    return [Target(clinic, None) for clinic in clinics.values()]


def _answering(db: Session, patients: list[Patient], clinic_id: int | None) -> list[Patient]:
    """The pending invitations a text to this sender answers: the clinic its `To` named, or
    those on the shared sender; any pending one when none of them fits."""
    pending = [p for p in patients if p.status == PatientStatus.PENDING_CONSENT]
    if not pending:
        return []
    if clinic_id:
        fitting = [p for p in pending if p.clinic_id == clinic_id]
    else:
        inviting = {p.clinic_id for p in pending}
        shared = set(
            db.scalars(select(Clinic.id).where(Clinic.id.in_(inviting), Clinic.sender.is_(None)))
        )
        fitting = [p for p in pending if p.clinic_id in shared]
    return fitting or pending


def _patients(db: Session, phone_number: PhoneNumber | None) -> list[Patient]:
    if phone_number is None or phone_number.id is None:
        return []
    stmt = (
        select(Patient)
        .where(
            Patient.phone_number_id == phone_number.id,
            Patient.status.in_(ALERTABLE_STATUSES),
            Patient.erased_at.is_(None),
        )
        .order_by(Patient.id)
    )
    return list(db.scalars(stmt).all())


def open_alert(
    db: Session,
    *,
    target: Target,
    kind: str,
    now: datetime,
    content: ContentSnapshot,
    severity: str = "routine",
    text: str | None = None,
    categories: tuple[str, ...] = (),
    message: Message | None = None,
    checkin_key: str | None = None,
) -> Alert:
    """Open an alert and notify its clinic. Red flags and `high` review items never expire
    and are re-notified until a person acknowledges them."""
    pressing = kind == "red_flag" or severity == "high"
    alert = Alert(
        clinic_id=target.clinic.id,
        patient_id=target.patient.id if target.patient else None,
        message_id=message.id if message else None,
        kind=kind,
        status=AlertStatus.OPEN,
        priority="high" if pressing else "low",
        severity=severity,
        category=categories[0] if categories else None,
        categories=",".join(categories) or None,
        text=text,
        checkin_key=checkin_key,
        expires_at=None if pressing else now + documents.expire_after(content),
        created_at=now,
        updated_at=now,
    )
    db.add(alert)
    db.flush()
    notify(db, alert=alert, clinic=target.clinic, event="alert.opened", now=now, content=content)
    logger.warning("%s alert %s opened for clinic %s", kind, alert.id, alert.clinic_id)
    return alert


def notify(
    db: Session,
    *,
    alert: Alert,
    clinic: Clinic,
    event: str,
    now: datetime,
    content: ContentSnapshot,
) -> None:
    """Queue a webhook delivery and, for red flags when the clinic wants it, an on-call SMS.

    Neither is held by quiet hours: the webhook is ours to send at once, and the on-call SMS
    is queued with kind "alert", which the dispatcher sends at any hour.
    """
    alert.notify_count += 1
    if alert.priority == "high":
        alert.next_notify_at = now + documents.renotify_after(content)
    if clinic.alert_webhook_url:
        db.add(
            AlertNotification(
                alert_id=alert.id,
                clinic_id=clinic.id,
                event=event,
                status=NotificationStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
        )
    on_call_phone = on_call_sms_number(clinic)
    if alert.kind == "red_flag" and on_call_phone:
        outbox.enqueue(
            db,
            phone=on_call_phone,
            body=_on_call_text(content, alert, clinic),
            kind="alert",
            now=now,
            clinic_id=clinic.id,
        )
    db.flush()


def on_call_sms_number(clinic: Clinic) -> str | None:
    """Where red flags are texted: the on-call SMS number when the clinic set one, else the
    urgent line if the clinic asked for that (a landline urgent line cannot take texts)."""
    if clinic.oncall_sms_number:
        return clinic.oncall_sms_number
    return clinic.urgent_phone if clinic.alert_sms_to_urgent_phone else None


def _on_call_text(content: ContentSnapshot, alert: Alert, clinic: Clinic) -> str:
    """No patient words in an SMS to a phone: the id, the kind of danger and how urgent."""
    template = (documents.safety_document(content).get("alerts") or {}).get("on_call_sms") or (
        "{program_name} {severity} ALERT for {clinic_name}: patient {patient} reported {what}."
    )
    labels = documents.category_labels(content)
    what = ", ".join(labels.get(c, c) for c in (alert.categories or "").split(",") if c)
    patient = f"#{alert.patient_id}" if alert.patient_id else "(unknown number)"
    return template.format(
        program_name=content.messages.get("program_name", ""),
        clinic_name=clinic.name,
        patient=patient,
        what=(what or "a red flag").lower(),
        severity=alert.severity.upper(),
    )


def list_alerts(
    db: Session,
    *,
    clinic_id: int,
    params: PageParams,
    status: str | None = None,
    kind: str | None = None,
    patient_id: int | None = None,
) -> tuple[list[Alert], str | None]:
    """Open alerts first (then newest first), one clinic only, filterable."""
    stmt = select(Alert).where(Alert.clinic_id == clinic_id)
    if status:
        stmt = stmt.where(Alert.status == status)
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    if patient_id:
        stmt = stmt.where(Alert.patient_id == patient_id)
    if status:
        return paginate(db, stmt, params=params, key=Alert.id)
    return _open_first(db, stmt, params)


def _open_first(db: Session, stmt, params: PageParams) -> tuple[list[Alert], str | None]:
    """Keyset pagination over (closed?, id desc): the cursor holds (rank, id)."""
    rank = case((Alert.status == AlertStatus.OPEN, 0), else_=1)
    position = params.position(2)
    if position is not None:
        after_rank, after_id = position
        stmt = stmt.where((rank > after_rank) | ((rank == after_rank) & (Alert.id < after_id)))
    stmt = stmt.order_by(rank, Alert.id.desc()).limit(params.limit + 1)
    rows = list(db.scalars(stmt).all())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    last = rows[-1]
    return rows, params.cursor_for(0 if last.status == AlertStatus.OPEN else 1, last.id)


def count_open(db: Session, *, clinic_id: int) -> int:
    """Open alerts of one clinic (one COUNT on ix_alerts_clinic_status_created)."""
    stmt = select(func.count()).where(
        Alert.clinic_id == clinic_id, Alert.status == AlertStatus.OPEN
    )
    return db.scalar(stmt) or 0


def get_alert(db: Session, *, clinic_id: int, alert_id: int) -> Alert:
    """Another clinic's alert is as unknown as one that does not exist."""
    alert = db.get(Alert, alert_id)
    if alert is None or alert.clinic_id != clinic_id:
        raise NotFoundError(f"alert {alert_id} not found")
    return alert


def acknowledge(
    db: Session,
    *,
    clinic_id: int,
    alert_id: int,
    by: str,
    note: str | None,
    now: datetime,
    trail: Trail | None = None,
) -> Alert:
    """A person has seen it: stop re-notifying and stop pending webhook retries. One use case
    for the API and the portal (whose trail audits `alert.acknowledge` with it)."""
    with one_transaction(db):
        alert = get_alert(db, clinic_id=clinic_id, alert_id=alert_id)
        if alert.status == AlertStatus.ACKNOWLEDGED:
            raise ConflictError(
                f"alert {alert_id} was already acknowledged by {alert.acknowledged_by}"
            )
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = now
        alert.acknowledged_by = by
        alert.acknowledge_note = note
        alert.next_notify_at = None
        alert.updated_at = now
        for notification in db.scalars(
            select(AlertNotification).where(
                AlertNotification.alert_id == alert.id,
                AlertNotification.status == NotificationStatus.PENDING,
            )
        ):
            notification.status = NotificationStatus.CANCELLED
        record_on(db, trail, action="alert.acknowledge", now=now, target=f"alert:{alert.id}")
    return alert
