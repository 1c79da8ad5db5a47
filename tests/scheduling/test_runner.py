"""The scheduler's entry points: `lupus-sms run-due`, the worker's one APScheduler job, the
heartbeat and what /healthz makes of it."""

from __future__ import annotations

import json
from datetime import date, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from lupus_sms.cli import app as cli_app
from lupus_sms.core.config import Settings
from lupus_sms.core.db import make_engine
from lupus_sms.scheduling.tick import run_tick
from lupus_sms.worker import configure, senders_for
from tests.factories import make_clinic, make_patient
from tests.scheduling.support import add_anchor, utc
from tests.transports import steps

runner = CliRunner()
NOW = utc(2026, 3, 10, 15, 0)


def test_run_due_ticks_once_at_the_given_instant(cli_env):
    assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    engine = make_engine(cli_env["DATABASE_URL"])
    with sessionmaker(bind=engine)() as db:
        patient = make_patient(db, make_clinic(db), name="Maria")
        add_anchor(db, patient, kind="infusion", day=date(2026, 3, 10), now=NOW)
        db.commit()
    engine.dispose()
    early = runner.invoke(cli_app, ["run-due", "--now", "2026-03-11T13:00:00Z"])
    assert early.exit_code == 0, early.output
    assert "SMS to" not in early.output  # day 1 is due at 10:00 EDT = 14:00Z
    result = runner.invoke(cli_app, ["run-due", "--now", "2026-03-11T14:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert "--- SMS to +12025550123" in result.output
    assert "Hi Maria" in result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["handled"]["plan_to_outbox"] == 1
    assert summary["handled"]["outbox_to_transport"] == 1


def test_run_due_refuses_a_time_without_an_offset(cli_env):
    result = runner.invoke(cli_app, ["run-due", "--now", "2026-03-11T14:00:00"])
    assert result.exit_code == 2
    assert "offset" in result.output


def test_the_worker_has_exactly_one_interval_job():
    settings = Settings(_env_file=None, tick_seconds=5)
    scheduler = configure(BackgroundScheduler(), settings, senders_for(settings))
    jobs = scheduler.get_jobs()
    assert [job.id for job in jobs] == ["tick"]
    assert jobs[0].trigger.interval == timedelta(seconds=5)
    assert jobs[0].max_instances == 1


def test_a_completed_tick_records_the_heartbeat(db, session_factory, fake_transport):
    from lupus_sms.scheduling.tick import last_tick_at

    run_tick(session_factory, NOW, steps())
    run_tick(session_factory, NOW - timedelta(minutes=5), steps())  # a late worker never goes back
    db.expire_all()
    assert last_tick_at(db) == NOW


def test_healthz_ignores_the_tick_when_no_scheduler_is_expected(client):
    body = client.get("/healthz").json()
    assert body["checks"]["scheduler"] == "not_expected"


def test_healthz_fails_when_the_expected_worker_stopped_ticking(
    client, settings, clock, session_factory, fake_transport
):
    settings.expect_worker = True
    assert client.get("/healthz").status_code == 503  # never ticked
    run_tick(session_factory, clock.now(), steps())
    ok = client.get("/healthz")
    assert ok.status_code == 200, ok.text
    assert ok.json()["scheduler"]["last_tick_age_seconds"] == 0
    clock.advance(seconds=4 * settings.tick_seconds + 1)
    stale = client.get("/healthz")
    assert stale.status_code == 503
    assert stale.json()["checks"]["scheduler"] == "stale"
