"""Reading replies to check-ins, and storing them as answers.

A check-in is open for a patient while the latest outbound message with a `checkin_key` for
them was sent (or queued, if unsent) less than the check-in's `window_hours` ago. While it is
open, a reply is read as its answer first: an option number or one of its words, or a
temperature. Option numbers mean the check-in's options then, not menu topics.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from sqlalchemy import func, select

from lupus_sms.alerts.rules import plain_words
from lupus_sms.alerts.service import ALERTABLE_STATUSES
from lupus_sms.alerts.temperatures import Temperature, find_temperatures
from lupus_sms.checkins.document import Checkin, checkins
from lupus_sms.checkins.models import CheckinAnswer
from lupus_sms.conversation.pipeline import InboundContext
from lupus_sms.core.pagination import paginate
from lupus_sms.core.statuses import CheckinAnswerStatus
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message

NUMBER_WORDS = {
    **dict.fromkeys(("one", "uno"), "1"),
    **dict.fromkeys(("two", "dos"), "2"),
    **dict.fromkeys(("three", "tres"), "3"),
    **dict.fromkeys(("four", "cuatro"), "4"),
    **dict.fromkeys(("five", "cinco"), "5"),
}
NOT_SENT = ("failed", "undelivered", "cancelled", "expired", "skipped")


# Weak keys: an entry lives only as long as the inbound Message object it belongs to.
_open_by_message: weakref.WeakKeyDictionary[Message, OpenCheckin | None] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class OpenCheckin:
    checkin: Checkin
    patient: Patient
    question: Message


@dataclass(frozen=True)
class Answer:
    option: str | None = None
    meaning: str | None = None
    temperature: Temperature | None = None


def find_open_checkin(context: InboundContext) -> OpenCheckin | None:
    """The check-in this number's reply answers, if one is open (the latest one sent).

    Three steps of one inbound pipeline ask; the answer is looked up once per message.
    """
    if context.message in _open_by_message:
        return _open_by_message[context.message]
    found = _find_open_checkin(context)
    _open_by_message[context.message] = found
    return found


def _find_open_checkin(context: InboundContext) -> OpenCheckin | None:
    if context.phone_number is None or context.phone_number.id is None:
        return None
    if not context.may_have_checkin(context.message.clinic_id):
        return None  # no patient on this number (with that clinic): nothing to look up
    defined = checkins(context.content)
    if not defined:
        return None
    longest = max(c.window for c in defined.values())
    sent = func.coalesce(Message.sent_at, Message.created_at)
    stmt = (
        select(Message, Patient)
        .join(Patient, Patient.id == Message.patient_id)
        .where(
            Patient.phone_number_id == context.phone_number.id,
            Patient.status.in_(ALERTABLE_STATUSES),
            Message.direction == "outbound",
            Message.checkin_key.is_not(None),
            Message.status.not_in(NOT_SENT),
            sent >= context.now - longest,
        )
        .order_by(sent.desc(), Message.id.desc())
    )
    if context.message.clinic_id:
        stmt = stmt.where(Patient.clinic_id == context.message.clinic_id)
    row = context.db.execute(stmt.limit(1)).first()
    if row is None:
        return None
    question, patient = row
    checkin = defined.get(question.checkin_key or "")
    sent_at = question.sent_at or question.created_at
    if checkin is None or sent_at < context.now - checkin.window:
        return None
    return OpenCheckin(checkin=checkin, patient=patient, question=question)


def read_answer(checkin: Checkin, text: str) -> Answer | None:
    """An option (by number or word) or a temperature; None when the reply is neither.

    "2", "#2", "two", "fever", "1 feeling ok" read as options; "1 but my leg hurts" does
    not (it is a message for the clinic, not an answer).
    """
    words = [NUMBER_WORDS.get(word, word) for word in plain_words(text)]
    if words and words[0] in checkin.options:
        option = checkin.options[words[0]]
        if len(words) == 1 or tuple(words[1:]) in option.words:
            return Answer(option=option.number, meaning=option.meaning)
    for option in checkin.options.values():
        if tuple(words) in option.words:
            return Answer(option=option.number, meaning=option.meaning)
    if checkin.expects_temperature or not checkin.options:
        temperatures = find_temperatures(text, expect_temperature=True)
        if temperatures:
            return Answer(temperature=max(temperatures, key=lambda t: t.celsius))
    return None


def record_answer(
    context: InboundContext,
    open_checkin: OpenCheckin,
    answer: Answer | None,
    *,
    red_flag: bool = False,
) -> CheckinAnswer:
    """Store a reply to a check-in (an unclear one too: it is what the patient said)."""
    row = CheckinAnswer(
        patient_id=open_checkin.patient.id,
        clinic_id=open_checkin.patient.clinic_id,
        checkin_key=open_checkin.checkin.key,
        question_message_id=open_checkin.question.id,
        message_id=context.message.id,
        status=CheckinAnswerStatus.ANSWERED
        if answer is not None or red_flag
        else CheckinAnswerStatus.UNCLEAR,
        option=answer.option if answer else None,
        meaning=answer.meaning if answer else None,
        temperature_c=answer.temperature.celsius if answer and answer.temperature else None,
        red_flag=red_flag,
        text=context.body,
        created_at=context.now,
        updated_at=context.now,
    )
    context.db.add(row)
    context.db.flush()
    return row


def was_reasked(context: InboundContext, open_checkin: OpenCheckin) -> bool:
    """One clear re-ask per check-in, never a loop."""
    count = context.db.scalar(
        select(func.count())
        .select_from(CheckinAnswer)
        .where(
            CheckinAnswer.question_message_id == open_checkin.question.id,
            CheckinAnswer.status == CheckinAnswerStatus.UNCLEAR,
        )
    )
    return bool(count)


def list_answers(db, *, patient_id: int, params) -> tuple[list[CheckinAnswer], str | None]:
    """A patient's check-in answers, newest first (the caller has checked the clinic)."""
    stmt = select(CheckinAnswer).where(CheckinAnswer.patient_id == patient_id)
    return paginate(db, stmt, params=params, key=CheckinAnswer.id)
