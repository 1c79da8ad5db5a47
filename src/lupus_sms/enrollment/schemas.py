"""Request and response bodies of the patients API (the contract integrations rely on)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints

from lupus_sms.core.dates import CalendarDate, NearDateTime

Program = Literal["ahsct", "msc", "evaluation"]
ConsentSource = Literal["in_person", "written", "phone", "web"]
Language = Literal["en", "es"]
PrivacyLevel = Literal["discreet", "detailed"]
PatientStatus = Literal[
    "pending_consent", "active", "paused", "opted_out", "unenrolled", "undeliverable"
]
AppointmentKind = Literal["evaluation", "consultation", "procedure", "follow-up"]
OptOutSource = Literal["phone", "front_desk", "written", "web", "email"]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
# Enough for any IANA name; the value itself is checked against the tz database.
TimezoneName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]


class _Input(BaseModel):
    # Unknown fields are a 422, so a typo ("procedure_day") is not silently dropped.
    model_config = ConfigDict(extra="forbid")


class PatientCreate(_Input):
    phone: str = Field(max_length=40, examples=["(202) 555-0123"])
    consent_source: ConsentSource
    program: Program
    name: ShortText | None = None
    external_id: ShortText | None = None
    language: Language = "en"
    timezone: TimezoneName | None = Field(None, description="IANA zone; the clinic's if absent.")
    procedure_date: CalendarDate | None = Field(
        None,
        description="aHSCT infusion day or MSC treatment day; may be in the past "
        "(1900-01-01 to 2100-12-31).",
    )


class PatientUpdate(_Input):
    """Only the fields sent change. `status` may be `paused` (optionally `paused_until`) or
    `active` to resume a paused patient; other statuses come from consent and DELETE."""

    name: ShortText | None = None
    external_id: ShortText | None = None
    language: Language | None = None
    timezone: TimezoneName | None = None
    program: Program | None = None
    procedure_date: CalendarDate | None = None
    consent_source: ConsentSource | None = None
    status: Literal["paused", "active"] | None = None
    paused_until: NearDateTime | None = Field(
        None, description="With status=paused: resume automatically at this time."
    )


class PatientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    phone: str | None = Field(description="E.164; null once erased.")
    name: str | None
    external_id: str | None
    language: str = Field(
        validation_alias=AliasChoices("spoken_language", "language"),
        description="The language texts go out in: the phone number's (the patient's own "
        "ESPANOL / ENGLISH, else the language of an enrolment the patient said YES to, else "
        "the first keyword's), en or es; while the number has none, the enrolment's. Until "
        "the number consented to this clinic (replied YES), the enrolment's own, whatever the "
        "number chose with another clinic.",
    )
    timezone: str
    program: Program
    procedure_date: date | None
    consent_source: ConsentSource
    status: PatientStatus
    paused_until: datetime | None
    carrier_blocked_since: datetime | None = Field(
        description="Set while Twilio blocks texts to this number (error 21610: it opted out "
        "with Twilio, e.g. texted STOP, and Twilio has taken no opt-in word since). Nothing "
        "planned is sent meanwhile, whatever `status` says; the patient can text START. "
        "Null until the number consented to this clinic: a pending enrolment sees its own "
        "invitation's failure in its messages instead."
    )
    privacy_level: PrivacyLevel | None = Field(
        default=None,
        description="discreet (the default: clinic-initiated texts name no illness, "
        "treatment or drug, and use the clinic's neutral display name) or detailed. It "
        "belongs to the phone number, like its language: the patient texts PRIVATE or "
        "DETAILS (PRIVADO, DETALLES), or a clinic records a choice made in person "
        "(POST .../privacy). Null until the number consented to this clinic.",
    )
    created_at: datetime


class ConsentEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str = Field(
        description=(
            "invited, confirmed, opted_out, opted_in, unenrolled, language (the patient "
            "texted ESPANOL or ENGLISH; the note says which), privacy (the number's privacy "
            "level changed, by text or recorded by the clinic; the note says which level), "
            "or carrier_blocked (Twilio "
            "refused a text with error 21610; the note says why and what to do)"
        )
    )
    source: str
    occurred_at: datetime
    message_id: int | None
    note: str | None


class PrivacyIn(_Input):
    """A privacy level the patient chose in person, recorded by a clinic it consented to."""

    level: PrivacyLevel
    note: str | None = Field(default=None, max_length=500)


class OptOutIn(_Input):
    source: OptOutSource
    occurred_at: NearDateTime | None = Field(None, description="When it was given; now if absent.")
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class AppointmentCreate(_Input):
    starts_at: NearDateTime = Field(
        description="ISO 8601; without an offset it is local time in the patient's time zone. "
        "Within 10 years of today."
    )
    kind: AppointmentKind
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class AppointmentUpdate(_Input):
    starts_at: NearDateTime | None = None
    kind: AppointmentKind | None = None
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class AppointmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    starts_at: datetime
    kind: AppointmentKind
    location: str | None
    status: Literal["scheduled", "cancelled"]


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    direction: Literal["inbound", "outbound"]
    body: str | None
    status: str
    error_code: str | None
    created_at: datetime
    sent_at: datetime | None


class ImportRowOut(BaseModel):
    line: int = Field(description="Line number in the file (the header is line 1).")
    result: Literal["created", "updated", "unchanged", "error"]
    patient_id: int | None = None
    status: PatientStatus | None = None
    error: str | None = None


class ImportResultOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    failed: int
    rows: list[ImportRowOut]
