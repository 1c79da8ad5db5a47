"""Clinics (tenants) and their API keys. Helpers flush; the caller commits."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lupus_sms.clinics.models import ApiKey, Clinic
from lupus_sms.content.limits import LONGEST_CLINIC_NAME
from lupus_sms.content.segments import is_gsm7
from lupus_sms.core.config import Settings
from lupus_sms.core.errors import (
    AuthenticationError,
    ConflictError,
    LupusSmsError,
    NotFoundError,
    ValidationFailed,
)
from lupus_sms.core.phones import normalise_phone
from lupus_sms.core.timezones import validate_timezone

KEY_PREFIX = "lsk_"
# lsk_<8 visible chars>_<secret>: the visible part identifies a key in lists and logs.
_KEY_SHAPE = re.compile(r"^lsk_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{20,128})$")
_MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_VISIBLE_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"  # no 0/o/1/l: read aloud safely


def create_clinic(
    db: Session,
    *,
    name: str,
    office_phone: str,
    urgent_phone: str,
    timezone: str,
    country: str = "US",
    sender: str | None = None,
    is_demo: bool = False,
    service_senders: Iterable[str] = (),
) -> Clinic:
    """Validate and add a clinic (`sender`: see `assign_sender`)."""
    country = (country or "US").upper()
    clinic = Clinic(
        name=validate_clinic_name(name),
        office_phone=normalise_phone(office_phone, country),
        urgent_phone=normalise_phone(urgent_phone, country),
        timezone=validate_timezone(timezone),
        country=country,
        sender=validate_sender(db, sender, country=country, service_senders=service_senders),
        is_demo=is_demo,
    )
    db.add(clinic)
    db.flush()
    return clinic


def assign_sender(
    db: Session, *, clinic: Clinic, sender: str | None, service_senders: Iterable[str]
) -> bool:
    """The clinic's own Twilio number or Messaging Service (None: the shared default).

    Only service owners call this (admin console, CLI): the sender decides which clinic an
    inbound text and a consent reply are filed under, so a clinic taking a sender others use
    would hear their patients. Texts already received keep the clinic they were filed under.
    True when it changed."""
    value = validate_sender(
        db, sender, country=clinic.country, service_senders=service_senders, clinic_id=clinic.id
    )
    changed = clinic.sender != value
    clinic.sender = value
    db.flush()
    return changed


def validate_sender(
    db: Session,
    sender: str | None,
    *,
    country: str,
    service_senders: Iterable[str],
    clinic_id: int | None = None,
) -> str | None:
    """A sender belongs to at most one clinic and is never the service's default sender
    (`TWILIO_FROM_NUMBER`, `TWILIO_MESSAGING_SERVICE_SID`), which every clinic without its
    own shares."""
    value = _validate_sender(sender, country)
    if value is None:
        return None
    if value in _normalised(service_senders, country):
        raise ValidationFailed(
            "this is the service's default sender, which clinics without their own share",
            field="sender",
        )
    taken = select(Clinic.id).where(Clinic.sender == value)
    if clinic_id is not None:
        taken = taken.where(Clinic.id != clinic_id)
    if db.scalar(taken):
        raise ConflictError("another clinic already uses this sender", field="sender")
    return value


def _normalised(senders: Iterable[str], country: str) -> set[str]:
    found = set()
    for sender in senders:
        try:
            found.add(_validate_sender(sender, country))
        except LupusSmsError:
            found.add(sender.strip())  # a malformed setting still matches itself
    return found


def default_senders(settings: Settings) -> tuple[str, ...]:
    """The service's own senders (settings), which no clinic may take as its own."""
    return tuple(
        s for s in (settings.twilio_from_number, settings.twilio_messaging_service_sid) if s
    )


def refuse_taken_name(db: Session, name: str) -> None:
    """A new clinic's name must be another's in no letter case: a form sent twice must not make
    two clinics nobody can tell apart (ConflictError naming the one that has it)."""
    wanted = validate_clinic_name(name).lower()
    taken = db.scalar(select(Clinic).where(func.lower(Clinic.name) == wanted).limit(1))
    if taken is not None:
        raise ConflictError(
            f"clinic {taken.id} is already named {taken.name!r}; choose another name",
            field="name",
        )


def validate_clinic_name(name: str) -> str:
    """The name goes into texts: GSM-7 only, or every text becomes UCS-2 (fewer chars each),
    and no longer than the longest name every text is checked with (content/limits.py)."""
    name = " ".join((name or "").split())
    if not name or len(name) > LONGEST_CLINIC_NAME:
        raise ValidationFailed(
            f"clinic name must be 1 to {LONGEST_CLINIC_NAME} characters, as patients see it in "
            "every text (use the short name they know)",
            field="name",
        )
    if not is_gsm7(name):
        raise ValidationFailed(
            "clinic name must use plain SMS (GSM-7) characters, e.g. no curly quotes or emoji",
            field="name",
        )
    return name


def _validate_sender(sender: str | None, country: str) -> str | None:
    if not sender:
        return None
    sender = sender.strip()
    if _MESSAGING_SERVICE_SID.match(sender):
        return sender
    return normalise_phone(sender, country)


def get_clinic(db: Session, *, clinic_id: int) -> Clinic:
    """The clinic, or NotFoundError."""
    clinic = db.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFoundError(f"clinic {clinic_id} not found")
    return clinic


def create_api_key(db: Session, *, clinic_id: int, label: str | None = None) -> tuple[ApiKey, str]:
    """A new key for the clinic; the plaintext is returned once and never stored."""
    visible = "".join(secrets.choice(_VISIBLE_ALPHABET) for _ in range(8))
    plaintext = f"{KEY_PREFIX}{visible}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey(
        clinic_id=clinic_id,
        prefix=f"{KEY_PREFIX}{visible}",
        key_hash=hash_key(plaintext),
        label=label,
    )
    db.add(api_key)
    db.flush()
    return api_key, plaintext


def hash_key(plaintext: str) -> str:
    """The stored form of an API key (SHA-256 hex)."""
    # A plain SHA-256 is enough here: the key carries 256 random bits, so neither brute force
    # nor rainbow tables are possible, and a slow hash (Argon2) would cost every API request.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def revoke_api_key(db: Session, *, prefix: str, now: datetime) -> ApiKey:
    """Revoke by visible prefix (`lsk_abcd2345`); revoking twice keeps the first time."""
    api_key = db.scalar(select(ApiKey).where(ApiKey.prefix == prefix.strip()))
    if api_key is None:
        raise NotFoundError(f"no API key with prefix {prefix}")
    if api_key.revoked_at is None:
        api_key.revoked_at = now
    db.flush()
    return api_key


def list_api_keys(db: Session, *, clinic_id: int) -> list[ApiKey]:
    """The clinic's API keys, revoked ones included."""
    return list(db.scalars(select(ApiKey).where(ApiKey.clinic_id == clinic_id)).all())


KEY_USE_RESOLUTION = timedelta(hours=1)


def authenticate_key(db: Session, *, token: str | None) -> ApiKey:
    """The live key a bearer token is; AuthenticationError if missing, unknown or revoked."""
    match = _KEY_SHAPE.match(token or "")
    if match is None:
        raise AuthenticationError("missing or malformed API key")
    api_key = db.scalar(select(ApiKey).where(ApiKey.prefix == f"{KEY_PREFIX}{match.group(1)}"))
    if api_key is None or not hmac.compare_digest(api_key.key_hash, hash_key(token)):
        raise AuthenticationError("unknown API key")
    if api_key.revoked_at is not None:
        raise AuthenticationError("this API key has been revoked")
    return api_key


def record_key_use(api_key: ApiKey, *, now: datetime) -> bool:
    """Sets `last_used_at` to the hour: enough to tell a key in use from a forgotten one
    before revoking it, without a write on every API request. True when it changed."""
    last = api_key.last_used_at
    if last is not None and now - last < KEY_USE_RESOLUTION:
        return False
    api_key.last_used_at = now
    return True
