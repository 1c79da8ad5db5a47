"""What the inbound order needs to know about the sender, loaded in one query per text.

Each handler used to ask the database for its own piece (the phone number, its enrolments,
the conversation being paged, a pending "which clinic?" question, the clinic named by `To`),
which made a keyword text cost about a dozen statements. One outer-joined SELECT answers all
of them; the rows repeat the phone number once per enrolment (a number has a handful).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, null, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from lupus_sms.clinics.models import Clinic
from lupus_sms.conversation.models import Conversation
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


def load_senders(db: Session, *, e164s: list[str]) -> dict[str, Sender]:
    """`load_sender` for many numbers in one query (without the clinic, which depends on each
    text's `To`: `clinics_by_sender`); the numbers that are new are missing."""
    found: dict[str, Sender] = {}
    for row in db.execute(_SENDERS, {"e164s": e164s}):
        sender = found.get(row[0].e164)
        if sender is None:
            sender = found[row[0].e164] = Sender(row[0], row[1], row[2])
        if row[3] is not None:
            sender.enrolments.append(Enrolment(row[3], row[4], row[5], row[6] is not None, row[7]))
    return found


def clinics_by_sender(db: Session, senders: set[str]) -> dict[str, int]:
    """The clinic each of our numbers (or Messaging Services) belongs to; the lowest id where
    two share one, as `clinic_for_senders` picks."""
    if not senders:
        return {}
    found: dict[str, int] = {}
    for clinic_id, sender in db.connection().execute(_CLINICS, {"senders": list(senders)}):
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
    stmt = _UPSERT_CONVERSATION[db.get_bind().dialect.name]
    db.connection().execute(stmt, {"phone_number_id": sender.phone_number.id, **values})
    if sender.conversation is not None:
        for name, value in values.items():
            set_committed_value(sender.conversation, name, value)


def write_topics(db: Session, topic_writes: dict[int, dict]) -> None:
    """The upserts `remember_topic` held back for a batch, in one statement."""
    if not topic_writes:
        return
    stmt = _UPSERT_CONVERSATIONS[db.get_bind().dialect.name]
    rows = [{"phone_number_id": key, **values} for key, values in topic_writes.items()]
    db.connection().execute(stmt, rows).all()
    topic_writes.clear()


def clinic_for_senders(db: Session, senders: list[str]) -> int | None:
    """A clinic with its own number (or Messaging Service) is named by the inbound `To`."""
    return db.scalar(_CLINIC, {"senders": senders}) if senders else None


def _sender_statement(clinic, *, many: bool = False):
    """Built once with bound parameters: building it per text cost more than running it."""
    columns = [PhoneNumber, Conversation, PendingConsentChoice]
    if many:
        numbers = PhoneNumber.e164.in_(bindparam("e164s", expanding=True))
    else:
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


def _upsert_conversation(insert):
    stmt = insert(Conversation).values(
        phone_number_id=bindparam("phone_number_id"),
        topic_key=bindparam("topic_key"),
        next_part=bindparam("next_part"),
        updated_at=bindparam("updated_at"),
    )
    changed = {name: stmt.excluded[name] for name in ("topic_key", "next_part", "updated_at")}
    return stmt.on_conflict_do_update(index_elements=["phone_number_id"], set_=changed)


_UPSERT_CONVERSATION = {
    "sqlite": _upsert_conversation(sqlite_insert),
    "postgresql": _upsert_conversation(pg_insert),
}
# With RETURNING, SQLAlchemy sends many rows as one multi-row statement ("insertmanyvalues")
# where psycopg's executemany would send one statement per row.
_UPSERT_CONVERSATIONS = {
    name: upsert.returning(Conversation.phone_number_id)
    for name, upsert in _UPSERT_CONVERSATION.items()
}
_CLINIC = (
    select(Clinic.id)
    .where(Clinic.sender.in_(bindparam("senders", expanding=True)))
    .order_by(Clinic.id)
    .limit(1)
)
_CLINICS = (
    select(Clinic.id, Clinic.sender)
    .where(Clinic.sender.in_(bindparam("senders", expanding=True)))
    .order_by(Clinic.id)
)
_SENDER = _sender_statement(null())
_SENDERS = _sender_statement(null(), many=True)
_SENDER_AND_CLINIC = _sender_statement(_CLINIC.scalar_subquery())
