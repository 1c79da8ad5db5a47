"""What `lupus-sms serve --workers 2` logs: each worker process sets up logging as a single
process does (time, level, logger; access lines), and an access line never carries the
query string, where a webhook misconfigured as GET would put the number and the text."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from lupus_sms.core.migrations import upgrade
from tests.helpers import free_port

NUMBER = "16175550152"


def status_of(request: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:  # not listening yet
        return 0


def test_each_worker_logs_like_one_process_and_access_lines_drop_the_query(cli_env, tmp_path: Path):
    upgrade(cli_env["DATABASE_URL"])
    port = free_port()
    env = {**os.environ, **cli_env, "TWILIO_AUTH_TOKEN": "serve-logs-token",
           "PUBLIC_BASE_URL": "https://sms.example.test"}  # fmt: skip
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    command = [sys.executable, "-c", "from lupus_sms.cli import main; main()",
               "serve", "--workers", "2", "--no-scheduler", "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while status_of(urllib.request.Request(base + "/healthz")) != 200:
            assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
        query = f"?From=%2B{NUMBER}&Body=my+private+words"
        assert status_of(urllib.request.Request(base + "/twilio/sms" + query)) == 405
        forged = urllib.request.Request(
            base + "/twilio/sms", data=f"From=%2B{NUMBER}&Body=hi".encode(), method="POST"
        )
        assert status_of(forged) == 403
        time.sleep(0.5)  # the lines reach the file
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    text = log_path.read_text()

    assert NUMBER not in text and "private words" not in text
    lines = text.splitlines()
    assert any('"GET /twilio/sms HTTP/1.1" 405' in line for line in lines), text
    warning = [line for line in lines if "bad or missing Twilio signature" in line]
    assert warning and " WARNING lupus_sms." in warning[0], text
    assert warning[0][:4].isdigit()  # with its time: formatted, not a bare message
