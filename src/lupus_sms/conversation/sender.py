"""What the inbound order needs to know about the sender, loaded in one query per text.

Each handler used to ask the database for its own piece (the phone number, its enrolments,
the conversation being paged, a pending "which clinic?" question, the clinic named by `To`),
which made a keyword text cost about a dozen statements. One outer-joined SELECT answers all
of them; the rows repeat the phone number once per enrolment (a number has a handful).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import ARRAY, Integer, bindparam, func, null, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lupus_sms.clinics.models import Clinic
from lupus_sms.conversation.models import Conversation
from lupus_sms.core.rows import (
    DIALECTS,
    as_persistent,
    column_attributes,
    insert_rows,
    one_of,
    read_together,
)
from lupus_sms.enrollment.models import Patient, PendingConsentChoice
from lupus_sms.messaging.models import PhoneNumber


@dataclass(frozen=True)
class Enrolment:
    patient_id: int
    clinic_id: int
    status: str
    consented: bool  # the number said YES to this clinic (tenancy: it may hear from it)
    language: str  # the language the enrolment named


@dataclass
class Sender:
    phone_number: PhoneNumber | None
    conversation: Conversation | None = None
    pending_choice: PendingConsentChoice | None = None
    # Every patient row on the number, whatever its status (statuses may change during the
    # pipeline, the rows on the number do not).
    enrolments: list[Enrolment] = field(default_factory=list)
    clinic_id: int | None = None  # the clinic the inbound `To` names, if any
    # Set by the batched writer (inbound/batch.py): `remember_topic` puts its upsert here,
    # by phone number id, and the writer sends them all in one statement.
    topic_writes: dict[int, dict] | None = None


def load_sender(db: Session, *, e164: str, senders: list[str]) -> Sender | None:
    """The known number with everything above, or None when the number is new."""
    stmt = _SENDER_AND_CLINIC if senders else _SENDER
    params = {"e164": e164, "senders": senders} if senders else {"e164": e164}
    rows = db.execute(stmt, params).all()
    if not rows:
        return None
    phone_number, conversation, choice = rows[0][0], rows[0][1], rows[0][2]
    enrolments = [
        Enrolment(r[3], r[4], r[5], r[6] is not None, r[7]) for r in rows if r[3] is not None
    ]
    return Sender(phone_number, conversation, choice, enrolments, rows[0][8])


def senders_read(e164s: list[str], dialect: str) -> tuple:
    """The statement and parameters of `load_sender` for many numbers at once (without the
    clinic, which depends on each text's `To`: `clinics_read`), for `read_together`
    (core/rows.py); `senders_of` makes its rows into Senders."""
    return _SENDERS[dialect], {"e164s": e164s}


def numbers_held_read(e164s: list[str], dialect: str) -> tuple | None:
    """The statement and parameters that hold these numbers until the transaction ends, for
    `read_together` (core/rows.py), to run before the senders are read; None where nothing
    needs to be taken.

    Two web processes must not decide texts of one number at once. Each would read the same
    place in a topic and send the same page twice (a phone back in signal delivers its queued
    texts milliseconds apart, and Twilio may post them to different processes). On
    PostgreSQL a transaction takes an advisory lock per number first, so the second one
    reads the number's state after the first commits. The locks are taken in one statement,
    in the order of their keys, so two batches sharing numbers wait for each other and never
    deadlock. On SQLite a writing transaction already holds the whole database."""
    if dialect != "postgresql" or not e164s:
        return None
    return _HOLD_NUMBERS, {"keys": sorted({_number_key(e164) for e164 in e164s})}


def hold_numbers(db: Session, e164s: list[str]) -> None:
    """`numbers_held_read` run on its own (one text at a time)."""
    read = numbers_held_read(e164s, db.get_bind().dialect.name)
    if read is not None:
        read_together(db, [read])


def _number_key(e164: str) -> int:
    """A number's advisory lock key: 32 bits of its hash (two numbers sharing one only wait
    for each other)."""
    return int.from_bytes(hashlib.blake2b(e164.encode(), digest_size=4).digest(), signed=True)


def senders_of(db: Session, rows) -> dict[str, Sender]:
    """The Senders of `senders_read`'s rows, by number; the numbers that are new are missing.
    The objects are made by `as_persistent`, as the ORM would load them."""
    found: dict[str, Sender] = {}
    for row in rows:
        number, conversation, choice = (
            _values(row, names, start) for names, start in _SENDER_PARTS
        )
        sender = found.get(number["e164"])
        if sender is None:
            sender = found[number["e164"]] = Sender(
                as_persistent(db, PhoneNumber, number),
                conversation and as_persistent(db, Conversation, conversation),
                choice and as_persistent(db, PendingConsentChoice, choice),
            )
        patient_id, clinic_id, status, consented_at, language = row[_ENROLMENT_START:]
        if patient_id is not None:
            sender.enrolments.append(
                Enrolment(patient_id, clinic_id, status, consented_at is not None, language)
            )
    return found


def _values(row, names: list[str], start: int) -> dict | None:
    """One entity's columns of a `_SENDERS` row, by attribute; None for a missing row."""
    values = dict(zip(names, row[start : start + len(names)], strict=True))
    return values if values["id"] is not None else None


def clinics_read(senders: set[str], dialect: str) -> tuple:
    """The statement and parameters that find the clinic each of our numbers (or Messaging
    Services) belongs to, for `read_together`; `clinics_of` reads its rows."""
    return _CLINICS[dialect], {"senders": sorted(senders)}


def clinics_of(rows) -> dict[str, int]:
    """The clinic of each of our numbers in `clinics_read`'s rows; the lowest id where two
    share one, as `clinic_for_senders` picks."""
    found: dict[str, int] = {}
    for clinic_id, sender in rows:
        found.setdefault(sender, clinic_id)
    return found


def remember_topic(db: Session, sender: Sender, *, topic_key: str | None, next_part: int, now):
    """Store where the number is in a topic (MORE sends the next part): one upsert through
    Core, far cheaper than the unit of work's flush of the ORM row. The loaded row, if any,
    gets the same values without being marked changed, so it stays in step for this session."""
    values = {"topic_key": topic_key, "next_part": next_part, "updated_at": now}
    if sender.topic_writes is not None:
        sender.topic_writes[sender.phone_number.id] = values
        if sender.conversation is None:  # the number's next text in the batch pages on
            sender.conversation = Conversation(phone_number_id=sender.phone_number.id)
        for name, value in values.items():
            set_committed_value(sender.conversation, name, value)
        return
    write_topics(db, {sender.phone_number.id: values})
    if sender.conversation is not None:
        for name, value in values.items():
            set_committed_value(sender.conversation, name, value)


def write_topics(db: Session, topic_writes: dict[int, dict]) -> None:
    """Where numbers are in a topic (the upserts `remember_topic` held back for a batch, or
    one text's), in one statement."""
    if not topic_writes:
        return
    stmt = _UPSERT_CONVERSATIONS[db.get_bind().dialect.name]
    # In the numbers' order: two processes' batches that share numbers lock their rows in the
    # same order, so they wait for each other instead of deadlocking.
    rows = [{"phone_number_id": key, **topic_writes[key]} for key in sorted(topic_writes)]
    insert_rows(db, stmt, rows)
    topic_writes.clear()


def clinic_for_senders(db: Session, senders: list[str]) -> int | None:
    """A clinic with its own number (or Messaging Service) is named by the inbound `To`."""
    return db.scalar(_CLINIC, {"senders": senders}) if senders else None


def _sender_statement(clinic):
    """Built once with bound parameters: building it per text cost more than running it."""
    columns = [PhoneNumber, Conversation, PendingConsentChoice]
    numbers = PhoneNumber.e164 == bindparam("e164")
    return (
        select(*columns, Patient.id, Patient.clinic_id, Patient.status)
        .add_columns(Patient.consented_at, Patient.language, clinic)
        .outerjoin(Conversation, Conversation.phone_number_id == PhoneNumber.id)
        .outerjoin(PendingConsentChoice, PendingConsentChoice.phone_number_id == PhoneNumber.id)
        .outerjoin(Patient, Patient.phone_number_id == PhoneNumber.id)
        .where(numbers)
        .order_by(PhoneNumber.id, Patient.id)
    )


def _upsert_conversations(insert):
    """The upsert of where numbers are in a topic, without its VALUES (`insert_rows`)."""
    stmt = insert(Conversation)
    changed = {name: stmt.excluded[name] for name in ("topic_key", "next_part", "updated_at")}
    return stmt.on_conflict_do_update(index_elements=["phone_number_id"], set_=changed)


_UPSERT_CONVERSATIONS = {
    "sqlite": _upsert_conversations(sqlite_insert),
    "postgresql": _upsert_conversations(pg_insert),
}
_CLINIC = (
    select(Clinic.id)
    .where(Clinic.sender.in_(bindparam("senders", expanding=True)))
    .order_by(Clinic.id)
    .limit(1)
)
_CLINICS = {
    dialect: select(Clinic.id, Clinic.sender)
    .where(one_of(Clinic.sender, "senders", dialect))
    .order_by(Clinic.id)
    for dialect in DIALECTS
}
_SENDER = _sender_statement(null())
_SENDER_ENTITIES = (PhoneNumber, Conversation, PendingConsentChoice)
# Each entity's attribute names and where its columns start in a `_SENDERS` row; the
# enrolment's columns follow them.
_SENDER_PARTS: list[tuple[list[str], int]] = []
_ENROLMENT_START = 0
for _entity in _SENDER_ENTITIES:
    _names = [name for name, _ in column_attributes(_entity)]
    _SENDER_PARTS.append((_names, _ENROLMENT_START))
    _ENROLMENT_START += len(_names)
_SENDERS = {
    dialect: select(
        *[column for cls in _SENDER_ENTITIES for _, column in column_attributes(cls)],
        Patient.id,
        Patient.clinic_id,
        Patient.status,
        Patient.consented_at,
        Patient.language,
    )
    .outerjoin(Conversation, Conversation.phone_number_id == PhoneNumber.id)
    .outerjoin(PendingConsentChoice, PendingConsentChoice.phone_number_id == PhoneNumber.id)
    .outerjoin(Patient, Patient.phone_number_id == PhoneNumber.id)
    .where(one_of(PhoneNumber.e164, "e164s", dialect))
    .order_by(PhoneNumber.id, Patient.id)
    for dialect in DIALECTS
}
_SENDER_AND_CLINIC = _sender_statement(_CLINIC.scalar_subquery())
# The two-key form of the advisory locks, with the first key naming what is held: no other
# advisory lock of this or another application on the database can be a number's.
_NUMBER_LOCKS = 0x6C75_736D  # "lusm"
_LOCK_KEYS = (
    func.unnest(bindparam("keys", type_=ARRAY(Integer))).table_valued("key").render_derived()
)
# The keys are unnested in the order given (sorted), and the locks taken row by row.
_HOLD_NUMBERS = select(
    func.count(func.pg_advisory_xact_lock(_NUMBER_LOCKS, _LOCK_KEYS.c.key))
).select_from(_LOCK_KEYS)
