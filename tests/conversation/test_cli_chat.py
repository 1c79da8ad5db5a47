"""`lupus-sms text`, `chat` and `db upgrade`: the same pipeline as the webhook, in a terminal."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from lupus_sms.cli import app
from lupus_sms.core.db import get_sessionmaker
from lupus_sms.core.migrations import upgrade
from lupus_sms.messaging.models import Message
from tests.helpers import discreet_content

runner = CliRunner()


@pytest.fixture
def cli_env(cli_env):
    """The chat commands migrate SQLite themselves; PostgreSQL is migrated by `db upgrade`."""
    upgrade(cli_env["DATABASE_URL"])
    return cli_env


def test_text_prints_the_reply_and_stores_both_messages(cli_env):
    result = runner.invoke(app, ["text", "AHSCT", "--from", "+1 (202) 555-0123"])
    assert result.exit_code == 0, result.output
    content = discreet_content()
    # Only the reply is on stdout (scriptable); the database in use is said on stderr.
    assert result.stdout.strip() == content.topic_part(content.by_key["ahsct"], 0)
    assert result.stderr.startswith("database: SQLite file ") or "PostgreSQL" in result.stderr
    with get_sessionmaker()() as db:
        assert db.scalar(select(func.count()).select_from(Message)) == 2
        phones = set(db.scalars(select(Message.phone)).all())
    assert phones == {"+12025550123"}


def test_chat_keeps_state_between_lines_like_texts_do(cli_env):
    result = runner.invoke(app, ["chat", "--from", "+12025550123"], input="STEPS\nMORE\nMORE\n")
    assert result.exit_code == 0, result.output
    content = discreet_content()
    steps = content.by_key["steps"]
    for index in range(3):
        assert content.topic_part(steps, index) in result.output


def test_chat_honours_stop_then_start(cli_env):
    result = runner.invoke(app, ["chat"], input="STOP\nRISKS\nSTART\nRISKS\n")
    replies = re.findall(r"bot> (.*)", result.output)
    assert replies[1] == "(no reply)", result.output
    assert "Risks" in replies[3] or "risk" in replies[3].lower()


def test_chat_says_what_help_after_stop_gets(cli_env):
    result = runner.invoke(app, ["chat"], input="STOP\nHELP\n")
    stop, help_after_stop = re.findall(r"bot> (.*)", result.output)
    assert "Twilio confirms STOP itself" in stop and help_after_stop == "(no reply)"
    assert "HELP after STOP: Twilio's own HELP answer is the only one" in result.output


def test_chat_says_when_twilio_would_still_block_a_reply(cli_env):
    result = runner.invoke(app, ["chat"], input="STOP\nCOMENZAR\n")
    replies = re.findall(r"bot> (.*)", result.output)
    assert replies[1] == discreet_content().for_language("es").text("opt_in_confirmation")
    assert "Twilio still blocks this number (error 21610)" in result.output


def test_chat_says_twilio_confirms_stop_and_start_and_what_it_would_say(cli_env):
    result = runner.invoke(app, ["chat"], input="STOP\nSTART\nPARAR\n")
    stop, start, parar = re.findall(r"bot> (.*)", result.output)
    texts = discreet_content()
    assert "Twilio confirms STOP itself" in stop
    assert texts.text("opt_out_confirmation") in stop
    assert "Twilio confirms START itself" in start
    assert texts.text("opt_in_confirmation") in start
    # A Spanish word Twilio does not know is confirmed by the service itself, in Spanish.
    assert parar == texts.for_language("es").text("opt_out_confirmation")
    with get_sessionmaker()() as db:  # nothing was sent for STOP and START
        kinds = db.scalars(select(Message.kind).where(Message.direction == "outbound")).all()
    assert kinds == ["opt_out"]


def test_an_invalid_from_number_is_a_clear_error(cli_env):
    result = runner.invoke(app, ["text", "MENU", "--from", "+1 555 123"])
    assert result.exit_code == 2
    assert "phone" in result.output.lower()


def test_db_upgrade_applies_migrations(cli_env):
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "head" in result.output
