"""A web process reads and checks its content when it starts, not when the first text
arrives (that text would wait about half a second for it)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

from fastapi.testclient import TestClient

from lupus_sms.content import service as content_service
from lupus_sms.content.service import set_content_source
from lupus_sms.content.snapshot import ContentError


def test_content_is_read_before_the_first_request(app):
    reads = []
    source = content_service._source

    def counting(current):
        reads.append(current)
        return source(current)

    set_content_source(counting)
    with TestClient(app) as client:
        assert len(reads) == 1  # at start, before any request
        answer = client.post("/twilio/sms", data={})  # unsigned: refused, content untouched
        assert answer.status_code == 403
    assert len(reads) == 1


def test_content_that_cannot_be_read_at_start_does_not_stop_the_service(app, caplog):
    def broken(current):
        raise ContentError("content/topics.yaml: not valid")

    set_content_source(broken)
    with caplog.at_level(logging.ERROR), TestClient(app) as client:
        assert client.get("/healthz").status_code in (200, 503)
    assert "content could not be loaded at start" in caplog.text


def test_the_first_command_on_a_new_sqlite_file_logs_no_content_error(tmp_path):
    """The command reads content before it migrates the new file: that is no error."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/new.db", "SMS_TRANSPORT": "console"}
    command = [sys.executable, "-c", "from lupus_sms.cli import main; main()", "clinic", "create",
               "Riverside Clinic", "--phone", "+16175550100", "--urgent-phone", "+16175550199",
               "--timezone", "America/New_York"]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "clinic 1 created" in done.stdout
    assert "content unavailable" not in done.stdout + done.stderr
