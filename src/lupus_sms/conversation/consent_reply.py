"""Inbound step 4 ("pending"): a consent YES, and the answer to "which clinic?".

Which enrolments a YES can confirm depends on where it was sent: a clinic's own number (the
inbound message's `clinic_id`) confirms only that clinic; the shared default sender confirms
the clinics without a number of their own. One pending clinic is confirmed at once; with
several we ask which, by letter (A, B, ...) or clinic name. Digits are not used: they already
mean menu topics and check-in answers.
"""

from __future__ import annotations

import string

from sqlalchemy import select

from lupus_sms.clinics.display_name import invitation_name, name_in_texts
from lupus_sms.clinics.models import Clinic
from lupus_sms.conversation.compliance import OPT_IN_WORDS
from lupus_sms.conversation.pipeline import InboundContext, Reply
from lupus_sms.conversation.text import normalise
from lupus_sms.core.statuses import ConsentEventKind, PatientStatus
from lupus_sms.enrollment import consent
from lupus_sms.enrollment.models import ConsentEvent, Patient, PendingConsentChoice

LETTERS = string.ascii_uppercase
# The words that accept an invitation, as it asks ("Reply YES"); the other opt-in words
# (START, UNSTOP...) lift a STOP.
CONSENT_WORDS = frozenset({"YES", "SI", "SÍ"})
# "A for X or B for Y", "X and Y", in the number's language.
JOINING_WORDS = {"en": ("for", "or", "and"), "es": ("para", "o", "y")}


def handle_pending_consent(context: InboundContext) -> Reply | None:
    if context.phone_number is None or not context.can_reply:
        return None
    if _is_opt_in(context):
        return _on_yes(context)
    return _on_choice(context)


def _is_opt_in(context: InboundContext) -> bool:
    return context.normalised in OPT_IN_WORDS or (context.opt_out_type or "").upper() == "START"


def _on_yes(context: InboundContext) -> Reply | None:
    # START after STOP has already made the enrolments the number had consented to active
    # again (compliance step); they are confirmed in the same reply. A number resuming its
    # clinics that way has not answered another clinic's invitation: only YES (SI) does.
    reactivated = _reactivated_now(context) if context.opted_in_now else []
    pending = _pending(context)
    if context.normalised not in CONSENT_WORDS:
        if pending:
            return _ask_for_yes(context, reactivated, pending)
        pending = []
    if len(pending) <= 1:
        _forget_choice(context)
        for patient in pending:
            consent.confirm(context.db, patient, now=context.now, message_id=context.message.id)
        if reactivated and not pending and _twilio_confirms(context):
            # START after STOP, taken by Twilio: its confirmation is the one the number gets.
            context.message.patient_id = reactivated[0].id if len(reactivated) == 1 else None
            return Reply(None, "opt_in", exempt_from_limits=True)
        return _confirmation(context, reactivated + pending) if reactivated or pending else None
    _remember_choice(context, pending)
    question = context.content.text("consent_which_clinic", choices=_choices(context, pending))
    if reactivated:
        question = f"{_confirmation(context, reactivated).body} {question}"
    return Reply(question, "consent_question")


def _ask_for_yes(
    context: InboundContext, reactivated: list[Patient], pending: list[Patient]
) -> Reply:
    """START, UNSTOP, COMENZAR... lift a STOP; they do not answer an invitation, which asks
    for YES. An invitation still waiting (or never sent, the number being blocked then) is
    repeated, in its enrolment's language, and the reply is filed with it. What the word
    resumed elsewhere is confirmed without naming those clinics: they are not this
    invitation's business, nor it theirs."""
    language = pending[0].language or context.content.language
    content = context.content.for_language(language)
    _and = JOINING_WORDS.get(language, JOINING_WORDS["en"])[2]
    invitation = content.text(
        "consent_invitation",
        clinic_name=f" {_and} ".join(_clinic_names(context, pending, discreet=True)),
    )
    if reactivated and not _twilio_confirms(context):
        invitation = f"{content.text('opt_in_confirmation')} {invitation}"
    context.message.patient_id = pending[0].id if len(pending) == 1 else None
    return Reply(invitation, "consent_invitation", exempt_from_limits=True)


def _on_choice(context: InboundContext) -> Reply | None:
    choice = _pending_choice(context)
    if choice is None:
        return None
    offered = _offered(context, choice)
    picked = _pick(context.normalised, offered)
    if picked is None:
        return None  # not an answer: the text goes on to keywords; the question stays open
    consent.confirm(context.db, picked, now=context.now, message_id=context.message.id)
    context.message.patient_id = picked.id
    remaining = [patient for patient in offered if patient.id != picked.id]
    if remaining:
        choice.patient_ids = ",".join(str(patient.id) for patient in remaining)
    else:
        context.db.delete(choice)
    return _confirmation(context, [picked])


def _pending_choice(context: InboundContext) -> PendingConsentChoice | None:
    if context.sender is not None:  # loaded with the phone number, no query of its own
        return context.sender.pending_choice
    return context.db.scalar(
        select(PendingConsentChoice).where(
            PendingConsentChoice.phone_number_id == context.phone_number.id
        )
    )


def _pending(context: InboundContext) -> list[Patient]:
    stmt = (
        select(Patient)
        .join(Clinic, Clinic.id == Patient.clinic_id)
        .where(
            Patient.phone_number_id == context.phone_number.id,
            Patient.status == PatientStatus.PENDING_CONSENT,
        )
        .order_by(Patient.id)
    )
    addressed = _addressed_clinic_id(context)
    if addressed is not None:
        stmt = stmt.where(Patient.clinic_id == addressed)
    else:
        stmt = stmt.where(Clinic.sender.is_(None))
    return list(context.db.scalars(stmt).all())


def _addressed_clinic_id(context: InboundContext) -> int | None:
    """The clinic whose own number the text was sent to (None: the shared sender). The
    message's `clinic_id` may instead name the one clinic the number consented to."""
    if context.sender is not None:
        return context.sender.clinic_id
    return context.message.clinic_id


def _reactivated_now(context: InboundContext) -> list[Patient]:
    """Enrolments the compliance step moved back to active because of this very message."""
    stmt = (
        select(Patient)
        .join(ConsentEvent, ConsentEvent.patient_id == Patient.id)
        .where(
            ConsentEvent.message_id == context.message.id,
            ConsentEvent.kind == ConsentEventKind.OPTED_IN,
            Patient.status == PatientStatus.ACTIVE,
        )
        .order_by(Patient.id)
    )
    context.db.flush()
    return list(context.db.scalars(stmt).unique().all())


def _twilio_confirms(context: InboundContext) -> bool:
    return context.twilio_confirms_opt_in and not context.settings.reply_to_opt_out_words


def _confirmation(context: InboundContext, patients: list[Patient]) -> Reply:
    if len(patients) == 1:
        context.message.patient_id = patients[0].id
    names = _clinic_names(context, patients)
    _for, _or, _and = _joining_words(context)
    body = context.content.text("consent_confirmation", clinic_name=f" {_and} ".join(names))
    return Reply(body, "consent_confirmation", exempt_from_limits=True)


def _clinic_names(
    context: InboundContext, patients: list[Patient], *, discreet: bool = False
) -> list[str]:
    """The clinics as the reply names them: neutrally in a discreet one and an invitation."""
    names: list[str] = []
    for patient in patients:
        clinic = context.db.get(Clinic, patient.clinic_id)
        name = invitation_name(clinic, context.content) if discreet else None
        name = name or name_in_texts(clinic, context.content)
        if name not in names:
            names.append(name)
    return names


def _choices(context: InboundContext, patients: list[Patient]) -> str:
    clinics = [context.db.get(Clinic, patient.clinic_id) for patient in patients]
    names = [invitation_name(clinic, context.content) for clinic in clinics]
    _for, _or, _and = _joining_words(context)
    parts = [f"{LETTERS[index]} {_for} {name}" for index, name in enumerate(names)]
    return ", ".join(parts[:-1]) + f" {_or} " + parts[-1]


def _joining_words(context: InboundContext) -> tuple[str, str, str]:
    return JOINING_WORDS.get(context.content.language, JOINING_WORDS["en"])


def _remember_choice(context: InboundContext, patients: list[Patient]) -> None:
    choice = context.db.scalar(
        select(PendingConsentChoice).where(
            PendingConsentChoice.phone_number_id == context.phone_number.id
        )
    )
    if choice is None:
        choice = PendingConsentChoice(phone_number_id=context.phone_number.id)
        context.db.add(choice)
    choice.patient_ids = ",".join(str(patient.id) for patient in patients[: len(LETTERS)])
    choice.asked_at = context.now


def _forget_choice(context: InboundContext) -> None:
    choice = context.db.scalar(
        select(PendingConsentChoice).where(
            PendingConsentChoice.phone_number_id == context.phone_number.id
        )
    )
    if choice is not None:
        context.db.delete(choice)


def _offered(context: InboundContext, choice: PendingConsentChoice) -> list[Patient]:
    """The offered enrolments still pending, in the order they were offered."""
    ids = [int(value) for value in choice.patient_ids.split(",") if value]
    patients = {p.id: p for p in context.db.scalars(select(Patient).where(Patient.id.in_(ids)))}
    return [
        patients[i]
        for i in ids
        if i in patients and patients[i].status == PatientStatus.PENDING_CONSENT
    ]


def _pick(answer: str, offered: list[Patient]) -> Patient | None:
    """A letter ("B", "b)") or the clinic's name, or its first word when that is unique."""
    if not offered:
        return None
    if len(answer) == 1 and answer in LETTERS[: len(offered)]:
        return offered[LETTERS.index(answer)]
    return _by_name(answer, offered)


def _by_name(answer: str, offered: list[Patient]) -> Patient | None:
    from sqlalchemy.orm import object_session

    db = object_session(offered[0])
    names = {p.id: normalise(db.get(Clinic, p.clinic_id).name) for p in offered}
    exact = [p for p in offered if names[p.id] == answer]
    if len(exact) == 1:
        return exact[0]
    first_word = [p for p in offered if names[p.id].split(" ")[0] == answer]
    return first_word[0] if len(first_word) == 1 else None
