"""The real `lupus-sms` command with a stand-in SMS provider, for tests that kill processes.

`python -m tests.hardening.file_provider worker` (or `run-due --now ...`) runs the CLI with
the transport replaced where the command is wired (`worker_cli.senders`), so production
code has no test-only transport. The provider keeps its record of created
messages in a file (FAULT_PROVIDER_FILE, one JSON line each, flushed to disk before the send
returns), which survives a SIGKILL and answers recovery's lookups, as Twilio's message list
does. With FAULT_HANG_AT=n the n-th message created by this process is recorded and then the
call never returns: the test kills the process between the hand-over and the commit of its
result, after writing FAULT_HANG_AT's marker file `<provider file>.hanging`.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import datetime
from pathlib import Path

from lupus_sms.messaging.transport import FoundMessage, OutgoingSms, SendResult


class FileProvider:
    name = "file-provider"

    def __init__(self, path: Path, *, hang_at: int | None = None, forgets: bool = False) -> None:
        self.path, self.hang_at, self.created = path, hang_at, 0
        # With `forgets` it answers no lookups, like the console transport: a lost send can
        # only be sent again (FAULT_PROVIDER_FORGETS=1).
        self.finds_lost_sends = not forgets

    def send(self, sms: OutgoingSms) -> SendResult:
        sid = f"SM{uuid.uuid4().hex}"
        record = {"sid": sid, "to": sms.to, "body": sms.body, "pid": os.getpid()}
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(record) + "\n")
            file.flush()
            os.fsync(file.fileno())
        self.created += 1
        if self.created == self.hang_at:
            Path(f"{self.path}.hanging").write_text(sid, encoding="utf-8")
            threading.Event().wait()  # the reply never comes; the test kills the process
        return SendResult(sid=sid, status="queued")

    def find_sent(self, *, to: str, since: datetime) -> list[FoundMessage] | None:
        if not self.finds_lost_sends:
            return None
        return [
            FoundMessage(item["sid"], item["to"], item["body"], "sent", None)
            for item in read_records(self.path)
            if item["to"] == to
        ]


def read_records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def main() -> None:
    from lupus_sms import worker_cli
    from lupus_sms.cli import main as cli_main
    from lupus_sms.scheduling.jobs import Senders

    hang_at = os.environ.get("FAULT_HANG_AT")
    provider = FileProvider(
        Path(os.environ["FAULT_PROVIDER_FILE"]),
        hang_at=int(hang_at) if hang_at else None,
        forgets=os.environ.get("FAULT_PROVIDER_FORGETS") == "1",
    )
    worker_cli.senders = lambda settings: Senders(sms=provider)
    cli_main()


if __name__ == "__main__":
    main()
