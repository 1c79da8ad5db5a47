"""The foundation's inbound handlers: compliance words, keywords and MORE, and the hint."""

from __future__ import annotations

import re

from sqlalchemy import case, select, update

from lupus_sms.clinics.models import Clinic
from lupus_sms.content.menu import MENU_KEY
from lupus_sms.content.schemas import Topic
from lupus_sms.content.snapshot import ContentSnapshot
from lupus_sms.conversation.compliance import (
    HELP_WORDS,
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    SPANISH_WORDS,
    is_opt_out_wish,
    twilio_took,
)
from lupus_sms.conversation.language import MENU_WORDS, MORE_WORDS, SWITCH_WORDS
from lupus_sms.conversation.models import Conversation
from lupus_sms.conversation.pipeline import InboundContext, Reply
from lupus_sms.conversation.sender import remember_topic
from lupus_sms.conversation.text import closest_word, compact, fuzzy_confidence
from lupus_sms.core.statuses import ConsentEventKind, MessageStatus, PatientStatus
from lupus_sms.enrollment import carrier_block
from lupus_sms.enrollment.models import ConsentEvent, Patient
from lupus_sms.enrollment.planning import replan
from lupus_sms.messaging.models import Message

ACTIVE_STATUSES = (PatientStatus.PENDING_CONSENT, PatientStatus.ACTIVE, PatientStatus.PAUSED)


def handle_compliance(context: InboundContext) -> Reply | None:
    """STOP / HELP / START families, Twilio's OptOutType first, then clear wishes to stop."""
    twilio_type = (context.opt_out_type or "").upper()
    word = context.normalised
    already_out = context.phone_number is not None and context.phone_number.opted_out
    if twilio_type == "STOP" or word in OPT_OUT_WORDS:
        opt_out(context, source="sms_keyword")
        # Twilio blocks and confirms the words it knows (its own, and Advanced Opt-Out's); a
        # Spanish word it did not flag was not confirmed by anyone, so the confirmation is ours.
        took = twilio_took("STOP", word, twilio_type)
        if took and context.phone_number is not None:
            carrier_block.block(context.db, context.phone_number, now=context.now)
        wanted = (not took or context.settings.reply_to_opt_out_words) and not already_out
        return _opt_out_reply(context, wanted)
    if twilio_type == "HELP" or (not twilio_type and word in HELP_WORDS):
        body = _in_words_language(context).text("help") if context.can_reply else None
        return Reply(body, "help", exempt_from_limits=True)
    if twilio_type == "START" or word in OPT_IN_WORDS:
        opt_in(context, twilio_took=twilio_took("START", word, twilio_type))
        return None  # a pending consent question may still take this YES
    if is_opt_out_wish(word):
        opt_out(context, source="sms_request")
        # Twilio does not recognise these, so the one allowed confirmation is ours to send.
        return _opt_out_reply(context, not already_out)
    return None


def _opt_out_reply(context: InboundContext, wanted: bool) -> Reply:
    body = _in_words_language(context).text("opt_out_confirmation") if wanted else None
    return Reply(body, "opt_out", exempt_from_limits=True, confirms_opt_out=True)


def _in_words_language(context: InboundContext) -> ContentSnapshot:
    """PARAR and AYUDA are answered in Spanish, whatever the number's language: the patient
    just used that word, and a compliance answer must be understood."""
    if context.normalised in SPANISH_WORDS:
        return context.content.for_language("es")
    return context.content


def handle_opt_in_reply(context: InboundContext) -> Reply | None:
    """An opt-in word no consent question took: confirmed exactly once, by whoever took it.
    Twilio confirms the words it took; one it did not know (COMENZAR without Advanced
    Opt-Out) we confirm, when it lifted our block."""
    if context.normalised not in OPT_IN_WORDS and (context.opt_out_type or "").upper() != "START":
        return None
    ours = context.opted_in_now and not context.twilio_confirms_opt_in
    wanted = ours or context.settings.reply_to_opt_out_words
    body = _in_words_language(context).text("opt_in_confirmation") if wanted else None
    return Reply(body, "opt_in", exempt_from_limits=True)


def opt_out(context: InboundContext, *, source: str) -> None:
    phone_number = context.phone_number
    if phone_number is None:
        return
    if not phone_number.opted_out:
        phone_number.opted_out = True
        phone_number.opted_out_at = context.now
    _cancel_staff_texts(context, phone_number)
    record_consent(
        context,
        kind=ConsentEventKind.OPTED_OUT,
        source=source,
        statuses=ACTIVE_STATUSES,
        new_status=PatientStatus.OPTED_OUT,
    )


# Texts people at the clinic wrote (threads/service.py). Written for that moment of the
# conversation: a STOP ends them for good, even if START follows before they would have gone.
STAFF_TEXT_KINDS = ("staff", "staff_reply", "urgent_staff")


def _cancel_staff_texts(context: InboundContext, phone_number) -> None:
    context.db.execute(
        update(Message)
        .where(
            Message.phone == phone_number.e164,
            Message.direction == "outbound",
            Message.status == MessageStatus.QUEUED,
            Message.kind.in_(STAFF_TEXT_KINDS),
        )
        # The reason a skipped text gets too (scheduling/precheck.py): the number opted out.
        .values(
            status=MessageStatus.CANCELLED,
            status_reason=PatientStatus.OPTED_OUT,
            updated_at=context.now,
        )
        .execution_options(synchronize_session=False)
    )


def opt_in(context: InboundContext, *, twilio_took: bool) -> None:
    """Lift our block (texting an opt-in word is itself consent to be texted again), and
    Twilio's when Twilio took the word. A word Twilio did not take leaves its block: the
    consent event says so, and the patient view shows the number blocked by the carrier."""
    phone_number = context.phone_number
    if phone_number is None:
        return
    context.twilio_confirms_opt_in = twilio_took
    if twilio_took:
        carrier_block.unblock(phone_number)
    if not phone_number.opted_out:
        return
    phone_number.opted_out = False
    phone_number.opted_out_at = None
    context.opted_in_now = True
    still_blocked = phone_number.carrier_blocked_at is not None
    note = carrier_block.STILL_BLOCKED.format(word=context.normalised) if still_blocked else None
    # Texting an opt-in word is itself consent to be texted again by the clinics the number
    # had consented to; an invitation it never answered goes back to waiting for its YES.
    reopened = context.db.scalars(
        select(Patient.id).where(
            Patient.phone_number_id == phone_number.id,
            Patient.status == PatientStatus.OPTED_OUT,
            Patient.consented_at.is_not(None),
        )
    ).all()
    record_consent(
        context,
        kind=ConsentEventKind.OPTED_IN,
        source="sms_keyword",
        statuses=(PatientStatus.OPTED_OUT,),
        new_status=PatientStatus.ACTIVE,
        note=note,
    )
    # Appointments and milestones recorded while the number was opted out were not planned.
    for patient_id in reopened:
        replan(context.db, patient_id=patient_id, now=context.now)


def record_consent(
    context,
    *,
    kind: str,
    source: str,
    statuses,
    new_status: str | None,
    note: str | None = None,
    consented_only: bool = False,
) -> None:
    """A consent event for each enrolment of the number in `statuses` that may learn of it,
    and their new status. An enrolment the number has not consented to learns only the
    answer to its own invitation (a text to the sender it came from), never a STOP or START
    texted in another clinic's conversation, nor anything with `consented_only`."""
    db = context.db
    stmt = select(Patient).where(
        Patient.phone_number_id == context.phone_number.id, Patient.status.in_(statuses)
    )
    if consented_only:
        stmt = stmt.where(Patient.consented_at.is_not(None))
    patients = db.scalars(stmt).all()
    answering = _answering_invitation(context, patients)
    for patient in patients:
        if patient.consented_at is None and patient.id not in answering:
            continue  # its status follows the number; the when and how are not its to know
        db.add(
            ConsentEvent(
                phone_number_id=context.phone_number.id,
                patient_id=patient.id,
                clinic_id=patient.clinic_id,
                kind=kind,
                source=source,
                message_id=context.message.id,
                # Why (a carrier's block met elsewhere) is the number's life with the
                # clinics it consented to: an unanswered invitation gets the event only.
                note=note if patient.consented_at is not None else None,
                occurred_at=context.now,
            )
        )
    if not patients:
        db.add(
            ConsentEvent(
                phone_number_id=context.phone_number.id,
                kind=kind,
                source=source,
                message_id=context.message.id,
                note=note,
                occurred_at=context.now,
            )
        )
    if patients and new_status is not None:
        # `active` only where the number had consented (a YES); elsewhere, pending again.
        status = new_status
        if new_status == PatientStatus.ACTIVE:
            status = case(
                (Patient.consented_at.is_(None), PatientStatus.PENDING_CONSENT),
                else_=PatientStatus.ACTIVE,
            )
        db.execute(
            update(Patient)
            .where(Patient.id.in_([p.id for p in patients]))
            .values(status=status, updated_at=context.now)
        )


def _answering_invitation(context: InboundContext, patients) -> set[int]:
    """The unconsented enrolments whose invitation this text answers: it was sent to that
    clinic's own number, or to the shared sender when the clinic has none."""
    pending = [p for p in patients if p.consented_at is None]
    addressed = context.sender.clinic_id if context.sender is not None else None
    if addressed is not None or not pending:
        return {p.id for p in pending if p.clinic_id == addressed}
    on_shared = context.db.scalars(
        select(Clinic.id).where(
            Clinic.id.in_({p.clinic_id for p in pending}), Clinic.sender.is_(None)
        )
    )
    shared = set(on_shared)
    return {p.id for p in pending if p.clinic_id in shared}


def handle_keywords(context: InboundContext) -> Reply | None:
    """MENU, MORE, the language switch, menu numbers, keywords and aliases (of every
    language), then close misspellings."""
    word = compact(context.normalised)
    if word in SWITCH_WORDS:
        return _switch_language(context, SWITCH_WORDS[word])
    content = context.content
    if not word:
        return None  # "😢", "?", a photo alone: an enrolled patient's clinic reads it (review)
    if word in MENU_WORDS:
        _remember(context, MENU_KEY, 1)
        return Reply(content.menu(0), "menu")
    if word in MORE_WORDS:
        return _more(context)
    topic = content.by_number.get(int(word)) if word.isdigit() and len(word) <= 3 else None
    topic = topic or content.by_word.get(word) or _first_word_topic(context)
    if topic is not None:
        return _send_part(context, topic, 0)
    return _fuzzy(context, word)


def _switch_language(context: InboundContext, language: str) -> Reply:
    """ESPANOL / ENGLISH: the number's language from now on, confirmed in that language. The
    switch is recorded, so a clinic's later enrolment does not undo the patient's choice."""
    if context.phone_number is not None:
        context.phone_number.language = language
        record_consent(
            context,
            kind=ConsentEventKind.LANGUAGE,
            source="sms_keyword",
            statuses=ACTIVE_STATUSES,
            new_status=None,
            note=language,
            consented_only=True,
        )
    context.content = context.content.for_language(language)
    return Reply(context.content.text("language_changed"), "language")


def handle_unknown(context: InboundContext) -> Reply:
    if not compact(context.normalised):
        return Reply(context.content.text("empty"), "empty")
    return Reply(context.content.text("unknown_hint"), "hint")


def _first_word_topic(context: InboundContext) -> Topic | None:
    """ "AHSCT please" or "risks?" still find the topic by their first word; "what is ahsct?"
    and "tell me about MSC" by the word after the asking words."""
    words = context.normalised.split(" ")
    if len(words) < 2:
        return None
    asked = _ASKING_FOR_A_TOPIC.match(context.normalised.lower())
    if asked:
        return context.content.by_word.get(compact(asked["word"].upper()))
    return context.content.by_word.get(words[0])


# Only a whole text that asks for one word: "is MSC covered by insurance?" is a question for
# the clinic (review), not a request for the MSC topic.
_ASKING_FOR_A_TOPIC = re.compile(
    r"^(?:(?:what|whats|what s|what is|what are|tell me about|more about|info on|info about|"
    r"information on|information about|explain|que es|que son|qué es|qué son|hableme de|"
    r"hablame de|informacion sobre|información sobre|info sobre)\s+)"
    r"(?:the |an |a |el |la |los |las |un |una )?(?P<word>[\w-]+)\W*$"
)


def _fuzzy(context: InboundContext, word: str) -> Reply | None:
    content = context.content
    match = closest_word(word, list(content.by_word))
    if match is None:
        return None
    candidate, distance = match
    confidence = fuzzy_confidence(word, candidate, distance)
    topic = content.by_word[candidate]
    if confidence == "sure":
        return _send_part(context, topic, 0)
    if confidence == "maybe":
        return Reply(content.text("did_you_mean", keyword=topic.keyword, title=topic.title), "hint")
    return None


def _more(context: InboundContext) -> Reply:
    conversation = _conversation(context)
    if conversation is not None and conversation.topic_key == MENU_KEY:
        return _menu_page(context, conversation.next_part)
    topic = context.content.by_key.get(conversation.topic_key or "") if conversation else None
    if topic is None:
        return Reply(context.content.text("no_more"), "hint")
    if conversation.next_part >= len(topic.parts):
        return Reply(context.content.text("end_of_topic", title=topic.title), "hint")
    return _send_part(context, topic, conversation.next_part)


def _menu_page(context: InboundContext, index: int) -> Reply:
    pages = context.content.menu_pages
    if index >= len(pages):
        return Reply(context.content.text("no_more"), "hint")
    _remember(context, MENU_KEY, index + 1)
    return Reply(pages[index], "menu")


def _send_part(context: InboundContext, topic: Topic, index: int) -> Reply:
    _remember(context, topic.key, index + 1)
    return Reply(context.content.topic_part(topic, index), "education")


def _conversation(context: InboundContext) -> Conversation | None:
    if context.phone_number is None:
        return None
    if context.sender is not None:  # loaded with the phone number
        return context.sender.conversation
    return context.db.scalar(
        select(Conversation).where(Conversation.phone_number_id == context.phone_number.id)
    )


def _remember(context: InboundContext, topic_key: str | None, next_part: int) -> None:
    if context.phone_number is None:
        return
    if context.sender is not None:
        remember_topic(
            context.db, context.sender, topic_key=topic_key, next_part=next_part, now=context.now
        )
        return
    conversation = _conversation(context)
    if conversation is None:
        conversation = Conversation(phone_number_id=context.phone_number.id)
        context.db.add(conversation)
    conversation.topic_key = topic_key
    conversation.next_part = next_part
    conversation.updated_at = context.now
