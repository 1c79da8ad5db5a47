"""Two `lupus-sms run-due` processes at once on one database: every text goes out once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy.orm import sessionmaker

from lupus_sms.core.db import make_engine
from lupus_sms.core.migrations import upgrade
from tests.scheduling.support import queue_text, utc

NOW = utc(2026, 3, 10, 16, 0)


@pytest.mark.multiprocess
def test_two_worker_processes_send_each_text_once(fresh_database_url):
    upgrade(fresh_database_url)
    engine = make_engine(fresh_database_url)
    with sessionmaker(bind=engine)() as db:
        for index in range(60):
            queue_text(db, now=NOW, body=f"Notice {index:02d} from the care team")
        db.commit()
    engine.dispose()
    env = os.environ | {
        "DATABASE_URL": fresh_database_url,
        "SMS_TRANSPORT": "console",
        "TICK_BATCH_SIZE": "3",
        "SMS_SEGMENTS_PER_SECOND": "1000",
    }
    command = [
        sys.executable,
        "-c",
        "from lupus_sms.cli import main; main()",
        "run-due",
        "--now",
        NOW.isoformat(),
    ]
    workers = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    printed = [
        line for stdout, _ in outputs for line in stdout.splitlines() if line.startswith("Notice")
    ]
    assert len(printed) == 60 and len(set(printed)) == 60
