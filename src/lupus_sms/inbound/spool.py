"""A durable local spool for inbound texts that could not be stored (database down or slow).

Twilio does not retry a webhook that failed unless connection overrides are set, so a text
we cannot store would be lost. Instead the webhook writes it to SPOOL_DIR, one file per
MessageSid, named by arrival: written to a temporary file, fsynced, renamed into place and
the directory fsynced, so a crash leaves the whole file or none. It answers with the
degraded reply policy (inbound/degraded.py).

`replay_spool` feeds the files, oldest first, through `handle_inbound` once the database
answers again (at start-up and every SPOOL_REPLAY_SECONDS in each web process), with the time
the text arrived. Dedupe on MessageSid makes a replay that is interrupted and repeated, or
run by two processes at once, store the text exactly once. The patient already had the
degraded answer: the real one is queued in the outbox, a safety text's too (it names the
clinic's urgent line, which the answer from memory cannot).

The files hold phone numbers and message bodies: the directory is private to the service user.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import datetime
from hashlib import sha256
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from lupus_sms.core.clock import Clock, FixedClock
from lupus_sms.core.config import Settings
from lupus_sms.core.errors import DATABASE_UNAVAILABLE
from lupus_sms.core.phones import mask_phone
from lupus_sms.inbound.degraded import degraded_reply
from lupus_sms.inbound.service import InboundResult, InboundSms, handle_inbound

logger = logging.getLogger(__name__)

_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class SpoolReplay:
    replayed: int
    remaining: int


def accept_while_database_down(
    sms: InboundSms, *, settings: Settings, clock: Clock, received_at: datetime | None = None
) -> InboundResult:
    """Spool the text durably and answer it from memory; raises OSError if even that fails.
    `received_at`: when the text came, before it waited for the database (now if not given)."""
    reply = degraded_reply(sms.body, sms.opt_out_type)
    received_at = received_at or clock.now()
    spool_inbound(
        sms,
        spool_dir=settings.spool_dir,
        received_at=received_at,
        answered=reply.kind,
        database=database_of(settings),
    )
    logger.warning("database unavailable: text from %s spooled", mask_phone(sms.from_number))
    return InboundResult(reply.body, None)


def spool_inbound(
    sms: InboundSms,
    *,
    spool_dir: Path,
    received_at: datetime,
    answered: str,
    database: str | None = None,
) -> Path:
    """Write one text to the spool durably, once per MessageSid; `database` says which
    database it belongs to (`database_of`)."""
    entry = {
        "version": 1,
        "database": database,
        "received_at": received_at.isoformat(),
        "answered": answered,
        "sms": asdict(sms),
    }
    stem = _file_stem(sms.message_sid)
    already = sorted(spool_dir.glob(f"*-{stem}.json")) if spool_dir.is_dir() else []
    if already:  # Twilio sent it again while the database was still down
        return already[0]
    # The name starts with the arrival time so that replay keeps the order texts came in,
    # even when a later text waited less for the database (another process) and was spooled
    # first; the write time breaks ties.
    arrived_ns = int(received_at.timestamp() * 1_000_000) * 1000
    path = spool_dir / f"{arrived_ns:020d}-{time.time_ns():020d}-{stem}.json"
    _write_durably(path, json.dumps(entry).encode())
    return path


def pending(spool_dir: Path) -> list[Path]:
    """Spooled texts, oldest first."""
    if not spool_dir.is_dir():
        return []
    return sorted(spool_dir.glob("*.json"))


def database_of(settings: Settings) -> str:
    """Which database a spooled text belongs to: a hash of its URL without the password.
    Two deployments sharing a spool folder (the default `./spool` of one working copy) must
    not store each other's texts."""
    url = make_url(settings.database_url).render_as_string(hide_password=True)
    return sha256(url.encode()).hexdigest()[:16]


def replay_spool(session_factory: SessionFactory, *, settings: Settings) -> SpoolReplay:
    """Store every spooled text through the normal pipeline; stop while the database is down.
    A text of another database stays where it is, and is named in the log."""
    replayed = 0
    ours = database_of(settings)
    for path in pending(settings.spool_dir):
        try:
            if not _replay_one(session_factory, path, settings, ours):
                continue
        except DATABASE_UNAVAILABLE:
            logger.warning("spool replay paused: the database is still unavailable")
            break
        except FileNotFoundError:  # another process replayed and removed it a moment ago
            continue
        except Exception:  # one bad file must not block the others; it stays for a later try
            logger.exception("spooled text %s could not be replayed", path.name)
            continue
        replayed += 1
    remaining = len(pending(settings.spool_dir))
    if replayed:
        logger.info("spool replay: %d stored, %d waiting", replayed, remaining)
    return SpoolReplay(replayed, remaining)


async def replay_periodically(session_factory: SessionFactory, *, settings: Settings) -> None:
    """Replay at start-up and every `spool_replay_seconds`, until cancelled."""
    while True:
        if pending(settings.spool_dir):
            try:
                await asyncio.to_thread(replay_spool, session_factory, settings=settings)
            except Exception:
                logger.exception("spool replay failed; trying again later")
        await asyncio.sleep(settings.spool_replay_seconds)


def _replay_one(
    session_factory: SessionFactory, path: Path, settings: Settings, database: str
) -> bool:
    """Store one spooled text; whether it was stored now (not another database's, not one
    another process stored a moment ago)."""
    entry = json.loads(path.read_text(encoding="utf-8"))
    if entry.get("database") not in (None, database):
        logger.warning(
            "spooled text %s belongs to another database; left in %s (set SPOOL_DIR per "
            "deployment)",
            path.name,
            path.parent,
        )
        return False
    received_at = datetime.fromisoformat(entry["received_at"])
    # The patient had the degraded answer; the real one follows through the outbox. After a
    # safety text that matters most: only the real one names the clinic's urgent line.
    sms = InboundSms(**(entry["sms"] | {"reply_by": "outbox"}))
    with session_factory() as db:
        result = handle_inbound(db, sms=sms, settings=settings, clock=FixedClock(received_at))
    path.unlink(missing_ok=True)  # another process may have replayed it a moment ago
    _fsync_directory(path.parent)
    return not result.duplicate


def _file_stem(message_sid: str) -> str:
    """Twilio's SIDs are safe file names; anything else is hashed (no path tricks)."""
    if _SAFE_NAME.fullmatch(message_sid):
        return message_sid
    return "sid-" + sha256(message_sid.encode()).hexdigest()[:40]


def _write_durably(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make a rename or unlink durable (POSIX); a no-op where directories cannot be opened."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
