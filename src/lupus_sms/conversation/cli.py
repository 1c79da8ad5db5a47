"""`lupus-sms chat` and `lupus-sms text`: the bot in a terminal, through the real pipeline."""

from __future__ import annotations

import uuid

import typer

from lupus_sms.content.service import get_content
from lupus_sms.conversation.service import InboundSms, handle_inbound
from lupus_sms.core.clock import system_clock
from lupus_sms.core.config import get_settings
from lupus_sms.core.errors import ValidationFailed
from lupus_sms.core.phones import normalise_phone

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
        typer.echo(f"bot> {_send(phone, to, body)}")


def text(
    body: str = typer.Argument(..., help="The text to send."),
    from_: str = typer.Option("+12025550123", "--from", help="The phone number you text as."),
    to: str = typer.Option(LOCAL_NUMBER, help="The service number you text."),
) -> None:
    """Send one text through the bot and print its reply (scriptable)."""
    typer.echo(_send(_phone_or_exit(from_), to, body))


def _send(phone: str, to: str, body: str) -> str:
    """The reply, or what a phone would get instead when the service itself sends nothing."""
    from lupus_sms.core.db import get_sessionmaker

    settings = get_settings()
    sms = InboundSms(
        message_sid=f"SMlocal{uuid.uuid4().hex}", from_number=phone, to_number=to, body=body
    )
    with get_sessionmaker()() as db:
        result = handle_inbound(db, sms=sms, settings=settings, clock=system_clock)
    if result.reply_body:
        return result.reply_body
    confirmation = TWILIO_CONFIRMS.get(result.reply_kind or "")
    if confirmation is None:
        return "(no reply)"
    word, text_key = confirmation
    text = get_content().for_language(spanish_word_language(body)).text(text_key)
    return (
        f"(no reply from the service: in production Twilio confirms {word} itself; with "
        f'Advanced Opt-Out set up as in the README, the phone gets: "{text}")'
    )


# Twilio answers these words itself (REPLY_TO_OPT_OUT_WORDS=false, the default); the console
# says so instead of printing a blank line. (reply kind -> the word family, our text's key)
TWILIO_CONFIRMS = {
    "opt_out": ("STOP", "opt_out_confirmation"),
    "opt_in": ("START", "opt_in_confirmation"),
}


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
