"""A worker process killed with SIGKILL mid-batch and started again.

The kill lands while the provider holds a text whose result was never recorded, with more
rows of the batch claimed but not sent and others still queued. After the lease, recovery
(scheduling/recovery.py) finds the handed-over text at the provider and records it; the
claimed ones are not there and go out once; every message ends `sent`, each created at the
provider exactly once. Runs on SQLite and PostgreSQL, each on a database of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.core.db import make_engine
from lupus_sms.core.migrations import upgrade
from lupus_sms.messaging import statuses
from lupus_sms.messaging.models import Message
from lupus_sms.scheduling.models import PlannedMessage
from tests.factories import make_clinic, make_patient
from tests.hardening.file_provider import read_records
from tests.scheduling.support import add_anchor, queue_text, utc

pytestmark = pytest.mark.multiprocess
REPO = Path(__file__).resolve().parents[2]
QUEUED_AT = utc(2026, 3, 10, 16, 0)  # in the past for the real clock: due at once
DEADLINE_SECONDS = 20


@pytest.fixture
def database(fresh_database_url: str) -> sessionmaker[Session]:
    upgrade(fresh_database_url)
    engine = make_engine(fresh_database_url)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def provider_file(tmp_path: Path) -> Path:
    return tmp_path / "provider.jsonl"


def start(command: list[str], url: str, provider: Path, **env: str) -> subprocess.Popen:
    values = os.environ | {
        "DATABASE_URL": url,
        "SMS_TRANSPORT": "console",
        "SMS_SEGMENTS_PER_SECOND": "1000",
        "TICK_BATCH_SIZE": "5",
        "FAULT_PROVIDER_FILE": str(provider),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tests.hardening.file_provider", *command],
        cwd=REPO,
        env=values,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, process: subprocess.Popen, what: str) -> None:
    """Poll a subprocess's progress, never longer than DEADLINE_SECONDS."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the worker exited before {what}: {process.stderr.read()[-2000:]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def kill_when_hanging(process: subprocess.Popen, provider: Path) -> str:
    """SIGKILL the process while the provider holds a text it never answered for; returns
    that text's SID."""
    hanging = Path(f"{provider}.hanging")
    wait_for(hanging.exists, process, "the hanging send")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=DEADLINE_SECONDS)
    process.stderr.close()
    sid = hanging.read_text(encoding="utf-8")
    hanging.unlink()
    return sid


def assert_killed_mid_batch(database, provider: Path, hung_sid: str, total: int) -> None:
    """The kill left the hung text and the rest of its batch claimed (`sending`), unsettled."""
    (hung,) = [record for record in read_records(provider) if record["sid"] == hung_sid]
    counts = statuses_of(database)
    assert sum(counts.values()) == total and set(counts) <= {"sent", "sending", "queued"}
    assert counts["sending"] >= 2 and counts["queued"] >= 1
    with database() as db:
        row = db.scalar(
            select(Message).where(Message.phone == hung["to"], Message.body == hung["body"])
        )
    assert (row.status, row.twilio_sid) == (statuses.SENDING, None)


def statuses_of(database: sessionmaker[Session]) -> Counter[str]:
    with database() as db:
        return Counter(db.scalars(select(Message.status).where(Message.direction == "outbound")))


def assert_each_sent_once(database: sessionmaker[Session], provider: Path, count: int) -> None:
    records = read_records(provider)
    created = Counter((record["to"], record["body"]) for record in records)
    assert set(created.values()) == {1}, "a text was created twice at the provider"
    sids = {(record["to"], record["body"]): record["sid"] for record in records}
    with database() as db:
        rows = list(db.scalars(select(Message).where(Message.direction == "outbound")))
    assert len(rows) == len(records) == count
    assert {row.status for row in rows} == {statuses.SENT}
    assert all(row.twilio_sid == sids[(row.phone, row.body)] for row in rows)


def test_a_worker_killed_mid_batch_and_restarted_sends_everything_once(
    database, fresh_database_url, provider_file
):
    with database() as db:
        for index in range(12):
            queue_text(db, now=QUEUED_AT, body=f"Notice {index:02d} from the care team")
        db.commit()
    # A one-second lease: the restarted worker takes the rows over on the real clock.
    lease = {"SEND_LEASE_SECONDS": "1", "TICK_SECONDS": "0.2"}
    first = start(["worker"], fresh_database_url, provider_file, FAULT_HANG_AT="3", **lease)
    hung_sid = kill_when_hanging(first, provider_file)
    assert len(read_records(provider_file)) == 3
    assert_killed_mid_batch(database, provider_file, hung_sid, 12)

    second = start(["worker"], fresh_database_url, provider_file, **lease)
    try:
        wait_for(lambda: statuses_of(database) == Counter({"sent": 12}), second, "every send")
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=DEADLINE_SECONDS)
    assert_each_sent_once(database, provider_file, 12)


def test_killed_run_due_then_ticks_past_the_lease_settle_every_planned_message(
    database, fresh_database_url, provider_file
):
    day1 = utc(2026, 3, 11, 14, 0)  # 10:00 in New York: each patient's day-1 reminder
    with database() as db:
        clinic = make_clinic(db)
        for index in range(8):
            patient = make_patient(db, clinic, phone=f"+1202555014{index}")
            add_anchor(db, patient, kind="infusion", day=date(2026, 3, 10), now=QUEUED_AT)
        db.commit()

    def run_due(at, **env) -> subprocess.Popen:
        return start(["run-due", "--now", at.isoformat()], fresh_database_url, provider_file, **env)

    hung_sid = kill_when_hanging(run_due(day1, FAULT_HANG_AT="2"), provider_file)
    assert_killed_mid_batch(database, provider_file, hung_sid, 8)
    for at in (day1 + timedelta(minutes=1), day1 + timedelta(minutes=3)):  # lease: 120 s
        process = run_due(at)
        _, errors = process.communicate(timeout=DEADLINE_SECONDS)
        assert process.returncode == 0, errors[-2000:]
    assert_each_sent_once(database, provider_file, 8)
    with database() as db:
        planned = db.scalars(select(PlannedMessage).where(PlannedMessage.step_key == "ahsct_day1"))
        assert {row.status for row in planned} == {statuses.SENT}


def test_with_a_transport_that_keeps_no_record_a_kill_repeats_at_most_one_text(
    database, fresh_database_url, provider_file
):
    """The console transport cannot be asked what it sent, so recovery can only send a lost
    text again: each send's result is committed before the next, and a kill repeats at
    most the one text that was in flight."""
    with database() as db:
        for index in range(12):
            queue_text(db, now=QUEUED_AT, body=f"Notice {index:02d} from the care team")
        db.commit()
    lease = {"SEND_LEASE_SECONDS": "1", "TICK_SECONDS": "0.2", "FAULT_PROVIDER_FORGETS": "1"}
    first = start(["worker"], fresh_database_url, provider_file, FAULT_HANG_AT="3", **lease)
    kill_when_hanging(first, provider_file)
    second = start(["worker"], fresh_database_url, provider_file, **lease)
    try:
        wait_for(lambda: statuses_of(database) == Counter({"sent": 12}), second, "every send")
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=DEADLINE_SECONDS)
    created = Counter((record["to"], record["body"]) for record in read_records(provider_file))
    assert len(created) == 12
    repeated = [text for text, count in created.items() if count > 1]
    assert len(repeated) <= 1 and max(created.values()) <= 2, created
