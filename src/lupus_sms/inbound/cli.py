"""`lupus-sms chat` and `lupus-sms text`: the bot in a terminal, through the real pipeline."""

from __future__ import annotations

import uuid

import typer
from sqlalchemy import select

from lupus_sms.content.discreet import DISCREET, for_privacy
from lupus_sms.content.service import get_content
from lupus_sms.conversation.compliance import HELP_WORDS
from lupus_sms.conversation.text import normalise
from lupus_sms.core.clock import system_clock
from lupus_sms.core.config import get_settings
from lupus_sms.core.errors import ValidationFailed
from lupus_sms.core.phones import normalise_phone
from lupus_sms.inbound.service import InboundSms, handle_inbound
from lupus_sms.messaging.models import PhoneNumber

LOCAL_NUMBER = "+12025550100"


def register(app: typer.Typer) -> None:
    app.command()(chat)
    app.command()(text)


def chat(
    from_: str = typer.Option("+12025550123", "--from", help="The phone number you text as."),
    to: str = typer.Option(LOCAL_NUMBER, help="The service number you text."),
) -> None:
    """Talk to the bot in the terminal, exactly as a text from FROM would be handled."""
    phone = _phone_or_exit(from_)
    typer.echo("Type a text and press Enter (MENU for topics; Ctrl-D to leave).")
    while True:
        try:
            body = input("you> ")
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            return
        reply, note = _send(phone, to, body)
        typer.echo(f"bot> {reply}")
        if note:
            typer.echo(f"     ({note})")


def text(
    body: str = typer.Argument(..., help="The text to send."),
    from_: str = typer.Option("+12025550123", "--from", help="The phone number you text as."),
    to: str = typer.Option(LOCAL_NUMBER, help="The service number you text."),
) -> None:
    """Send one text through the bot and print its reply (scriptable)."""
    typer.echo(_send(_phone_or_exit(from_), to, body)[0])


def _send(phone: str, to: str, body: str) -> tuple[str, str | None]:
    """The reply (or what a phone would get instead when the service itself sends nothing),
    and a note when a real phone would get something else."""
    from lupus_sms.core.db import get_sessionmaker

    settings = get_settings()
    sms = InboundSms(
        message_sid=f"SMlocal{uuid.uuid4().hex}", from_number=phone, to_number=to, body=body
    )
    with get_sessionmaker()() as db:
        result = handle_inbound(db, sms=sms, settings=settings, clock=system_clock)
        number = db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == phone))
        note = _note(number, body, replied=bool(result.reply_body))
    if result.reply_body:
        return result.reply_body, note
    confirmation = TWILIO_CONFIRMS.get(result.reply_kind or "")
    if confirmation is None:
        return "(no reply)", note
    word, text_key = confirmation
    # Twilio's Advanced Opt-Out texts are the same for every number: the discreet forms.
    view = get_content().for_language(spanish_word_language(body))
    text = for_privacy(view, DISCREET).text(text_key)
    explained = (
        f"(no reply from the service: in production Twilio confirms {word} itself; with "
        f'Advanced Opt-Out set up as in the README, the phone gets: "{text}")'
    )
    return explained, note


# Twilio answers these words itself (REPLY_TO_OPT_OUT_WORDS=false, the default); the console
# says so instead of printing a blank line. (reply kind -> the word family, our text's key)
TWILIO_CONFIRMS = {
    "opt_out": ("STOP", "opt_out_confirmation"),
    "opt_in": ("START", "opt_in_confirmation"),
}


def _note(number: PhoneNumber | None, body: str, *, replied: bool) -> str | None:
    if number is None:
        return None
    if not replied and number.opted_out:
        note = "this number opted out: it gets nothing from us until it texts START or COMENZAR"
        if normalise(body) in HELP_WORDS:
            note += (
                ". HELP after STOP: Twilio's own HELP answer is the only one an opted-out number "
                "can get (the Advanced Opt-Out HELP text, so set it to ours; see README)"
            )
        return note
    if replied and number.carrier_blocked_at is not None:
        return (
            "on Twilio this reply would not arrive: Twilio still blocks this number (error "
            "21610) until it takes an opt-in word, and COMENZAR or INICIAR count only where "
            "Advanced Opt-Out has them"
        )
    return None


def spanish_word_language(body: str) -> str:
    """Advanced Opt-Out answers a Spanish word with the Spanish text it is given."""
    from lupus_sms.conversation.compliance import SPANISH_WORDS
    from lupus_sms.conversation.text import normalise

    return "es" if normalise(body) in SPANISH_WORDS else "en"


def _phone_or_exit(raw: str) -> str:
    settings = get_settings()
    try:
        phone = normalise_phone(raw, settings.default_country)
    except ValidationFailed as exc:
        raise typer.BadParameter(exc.message, param_hint="--from") from None
    from lupus_sms.core.cli_database import ready_database

    ready_database()
    return phone
