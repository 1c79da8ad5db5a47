"""Clinic changes a person makes in the admin console or the portal, each a use case: the
change and its audit entry are committed together (provisionally inside a request,
core/request_scope.py), and a refused change leaves nothing behind. The consoles' routes
only translate HTTP."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lupus_sms.audit.service import Actor, Trail, one_transaction, record, record_on
from lupus_sms.clinics import service
from lupus_sms.clinics import settings as clinic_settings
from lupus_sms.clinics.models import ApiKey, Clinic
from lupus_sms.clinics.settings import SettingsForm
from lupus_sms.core.config import Settings
from lupus_sms.core.errors import LupusSmsError


def create_clinic(
    db: Session,
    *,
    actor: Actor,
    now: datetime,
    name: str,
    office_phone: str,
    urgent_phone: str,
    timezone: str,
) -> Clinic:
    """Add a clinic, audited as `clinic.create`; a name another clinic has is refused."""
    try:
        service.refuse_taken_name(db, name)
        clinic = service.create_clinic(
            db, name=name, office_phone=office_phone, urgent_phone=urgent_phone, timezone=timezone
        )
    except LupusSmsError:
        db.rollback()
        raise
    _audited(db, actor, now, "clinic.create", clinic.id, clinic.name)
    return clinic


def assign_sender(
    db: Session, *, actor: Actor, now: datetime, clinic_id: int, sender: str, settings: Settings
) -> Clinic:
    """The clinic's own sender (`service.assign_sender`), audited only when it changed."""
    try:
        clinic = service.get_clinic(db, clinic_id=clinic_id)
        changed = service.assign_sender(
            db, clinic=clinic, sender=sender, service_senders=service.default_senders(settings)
        )
    except LupusSmsError:
        db.rollback()
        raise
    if changed:
        detail = clinic.sender or "the shared default sender"
        record(db, actor=actor, action="clinic.sender_changed", now=now,
               target=f"clinic:{clinic.id}", detail=detail)  # fmt: skip
    db.commit()
    return clinic


def create_api_key(
    db: Session,
    *,
    actor: Actor,
    now: datetime,
    clinic_id: int,
    label: str | None,
    action: str = "api_key.create",
) -> tuple[Clinic, str]:
    """A new key for the clinic: the clinic, and the key's plaintext (shown only once).
    Audited as `action` (the portal names its own)."""
    clinic = service.get_clinic(db, clinic_id=clinic_id)
    api_key, plaintext = service.create_api_key(db, clinic_id=clinic.id, label=label)
    _audited(db, actor, now, action, clinic.id, api_key.prefix)
    return clinic, plaintext


def revoke_api_key(
    db: Session, *, actor: Actor, now: datetime, prefix: str, action: str = "api_key.revoke"
) -> ApiKey:
    """Revoke a key at once (the integration using it stops); audited as `action`."""
    api_key = service.revoke_api_key(db, prefix=prefix, now=now)
    _audited(db, actor, now, action, api_key.clinic_id, api_key.prefix)
    return api_key


def update_settings(
    db: Session,
    *,
    clinic: Clinic,
    form: SettingsForm,
    allow_http: bool,
    trail: Trail,
    now: datetime,
) -> list[str]:
    """A clinic admin's settings form applied (`SettingsInvalid` refuses it): the
    names of the fields that changed, audited as `settings_changed` when any did."""
    with one_transaction(db):
        changed = clinic_settings.update(db, clinic=clinic, form=form, allow_http=allow_http)
        if changed:
            record_on(db, trail, action="settings_changed", now=now,
                      target=f"clinic:{clinic.id}", detail=", ".join(changed))  # fmt: skip
    return changed


def _audited(db: Session, actor: Actor, now: datetime, action: str, clinic_id: int, detail):
    record(db, actor=actor, action=action, now=now, target=f"clinic:{clinic_id}", detail=detail)
    db.commit()
