"""`lupus-sms twilio check`: the Twilio setup as far as it can be verified, and the Advanced
Opt-Out texts to set, taken from the live content."""

from __future__ import annotations

import typer

from lupus_sms.core.config import get_settings

twilio_app = typer.Typer(help="The Twilio account this service sends through.")
MARKS = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "info": "info"}
# (message name, label, the Advanced Opt-Out field it goes in)
OPT_OUT_TEXTS = (
    ("help", "HELP", "help"),
    ("opt_out_confirmation", "opt-out confirmation", "opt-out"),
    ("opt_in_confirmation", "opt-in confirmation", "opt-in"),
)
WORDS = {
    "en": "Twilio's own words",
    "es": "PARAR ALTO CANCELAR DETENER BAJA DESUSCRIBIR FIN / COMENZAR INICIAR / AYUDA",
}


def register(app: typer.Typer) -> None:
    app.add_typer(twilio_app, name="twilio")


def http_client():
    """The HTTP client the Twilio SDK uses (the SDK's default; tests put a stub here)."""
    return None


@twilio_app.command("check")
def check() -> None:
    """Report what Twilio's API says about the account, senders and Messaging Service, what
    traffic says about Advanced Opt-Out's Spanish words, and the texts to set there."""
    from lupus_sms.conversation.twilio_check import run_checks
    from lupus_sms.core.clock import system_clock
    from lupus_sms.core.db import get_sessionmaker

    settings = get_settings()
    with get_sessionmaker()() as db:
        findings = run_checks(settings, db, now=system_clock.now(), http_client=http_client())
    for finding in findings:
        typer.echo(f"{MARKS[finding.status]}  {finding.subject}: {finding.detail}")
    _print_texts()
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise typer.Exit(2)
    if any(finding.status == "fail" for finding in findings):
        raise typer.Exit(1)


def _print_texts() -> None:
    from lupus_sms.content.discreet import DISCREET, for_privacy
    from lupus_sms.content.service import get_content

    typer.echo("\nAdvanced Opt-Out texts (Messaging Service > Opt-Out Management), live now:")
    content = get_content()
    for language in ("en", "es"):
        # Twilio sends them to every number alike: the discreet forms, as the default is.
        view = for_privacy(content.for_language(language), DISCREET)
        typer.echo(f"  [{language}] keywords: {WORDS[language]}")
        for name, label, _field in OPT_OUT_TEXTS:
            typer.echo(f"    {label}: {view.text(name)}")
