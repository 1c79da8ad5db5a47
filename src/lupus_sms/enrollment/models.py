"""Patients (a phone enrolled with a clinic), consent events and anchors (appointments and
treatment milestones that reminders are planned from)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lupus_sms.core.db import PERSONAL, Base, UTCDateTime
from lupus_sms.core.models import TimestampMixin
from lupus_sms.core.statuses import PatientStatus
from lupus_sms.messaging.models import PhoneNumber

# How people read each program's code, on both consoles' pages.
PROGRAM_NAMES = {"ahsct": "aHSCT", "msc": "MSC", "evaluation": "Evaluation"}
PATIENT_STATUSES = tuple(PatientStatus)


class Patient(Base, TimestampMixin):
    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("clinic_id", "phone_number_id"),
        Index("ix_patients_clinic_status", "clinic_id", "status"),
        # The tick looks for expired pauses every few seconds: without this it reads every
        # patient (measured: the tick cost grew 15x from 1,000 to 200,000 patients).
        Index("ix_patients_status_paused_until", "status", "paused_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    phone_number_id: Mapped[int] = mapped_column(
        ForeignKey("phone_numbers.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(120))
    external_id: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64))
    program: Mapped[str] = mapped_column(String(16))  # ahsct | msc | evaluation
    procedure_date: Mapped[date | None]
    consent_source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20), default="pending_consent")
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the number consented to this clinic (its YES). Until then the clinic learns and
    # changes nothing about the number beyond this enrolment (SECURITY.md, "Tenancy").
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Loaded with the patient (one query): the API shows the phone with every patient.
    phone_number: Mapped[PhoneNumber] = relationship(lazy="joined", innerjoin=True)

    # Number-wide facts (the number's language, Twilio's block, its STOP) come from the
    # number's life with every clinic. A clinic the number has not consented to sees only
    # what its own enrolment caused or entered (SECURITY.md, "Tenancy"), so each property
    # below that reads `phone_number` answers from the enrolment until the YES.

    @property
    def spoken_language(self) -> str:
        """The language texts of this enrolment go out in: once the number consented, the
        number's (language belongs to the number; while it has none, this enrolment's);
        before, the one this enrolment named, whatever the number chose with others."""
        if not self.consented:
            return self.language or "en"
        return self.phone_number.language or self.language or "en"

    @property
    def consented(self) -> bool:
        return self.consented_at is not None

    @property
    def carrier_blocked_since(self) -> datetime | None:
        """Since when Twilio blocks texts to this number (enrollment/carrier_block.py); shown
        only to a clinic the number consented to (a pending one sees its invitation fail)."""
        if self.erased_at or not self.consented:
            return None
        return self.phone_number.carrier_blocked_at

    @property
    def privacy_level(self) -> str | None:
        """The number's privacy level (content/discreet.py), shown only to a clinic the
        number consented to."""
        if self.erased_at or not self.consented:
            return None
        return self.phone_number.privacy_level

    @property
    def phone(self) -> str | None:
        """E.164, or None once the patient's personal data has been erased."""
        return None if self.erased_at else self.phone_number.e164


class ConsentEvent(Base, TimestampMixin):
    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_number_id: Mapped[int] = mapped_column(
        ForeignKey("phone_numbers.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))  # invited|confirmed|opted_out|opted_in
    source: Mapped[str] = mapped_column(String(24))  # sms|api|front_desk|phone|twilio
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Anchor(Base, TimestampMixin):
    """An appointment or a treatment milestone; plan steps are relative to one anchor.

    `revision` grows each time the anchor moves, so planned rows for the old time and the new
    one never collide on the planned-message unique key.
    """

    __tablename__ = "anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(16))  # appointment | milestone
    kind: Mapped[str] = mapped_column(String(32))  # evaluation, consultation, ..., infusion
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    all_day: Mapped[bool] = mapped_column(default=False)
    location: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    revision: Mapped[int] = mapped_column(default=1)

    @property
    def starts_at(self) -> datetime:
        """The API's name for an appointment's time."""
        return self.at


class PendingConsentChoice(Base, TimestampMixin):
    """A YES from a number pending with several clinics on a shared sender: we asked which
    one, and the next reply (a letter or a clinic's short name) is read as the answer."""

    __tablename__ = "pending_consent_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_number_id: Mapped[int] = mapped_column(
        ForeignKey("phone_numbers.id", ondelete="CASCADE"), unique=True
    )
    # Comma-separated patient ids in the order they were offered (A, B, ...).
    patient_ids: Mapped[str] = mapped_column(String(200))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
