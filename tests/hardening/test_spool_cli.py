"""`lupus-sms spool status|replay` on a database of its own."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from typer.testing import CliRunner

from lupus_sms.cli import app
from lupus_sms.core.config import get_settings
from lupus_sms.core.db import get_sessionmaker
from lupus_sms.inbound.service import InboundSms
from lupus_sms.inbound.spool import spool_inbound
from lupus_sms.messaging.models import Message

runner = CliRunner()


def test_operator_can_see_and_replay_the_spool(cli_env, tmp_path, monkeypatch):
    spool_dir = tmp_path / "spool"
    monkeypatch.setenv("SPOOL_DIR", str(spool_dir))
    get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    sms = InboundSms(message_sid="SMcli1", from_number="+12025550177", to_number=None, body="MENU")
    arrived = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    spool_inbound(sms, spool_dir=spool_dir, received_at=arrived, answered="degraded")

    assert "1 text(s) waiting" in runner.invoke(app, ["spool", "status"]).output
    result = runner.invoke(app, ["spool", "replay"])
    assert result.exit_code == 0, result.output
    assert "1 stored, 0 waiting" in result.output
    with get_sessionmaker()() as db:
        inbound = db.scalar(select(Message).where(Message.twilio_sid == "SMcli1"))
        assert inbound.created_at == arrived  # stored with the time it arrived, not replayed
        assert db.scalar(select(func.count()).select_from(Message)) == 2  # and its late answer
