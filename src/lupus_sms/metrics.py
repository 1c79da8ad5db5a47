"""Prometheus metrics: `GET /metrics` in the text exposition format.

Two kinds of figures:

- Counted by the process that did the work: inbound texts by outcome, outbound status
  changes, the webhook latency histogram and the tick duration. Each web or worker process
  counts its own. Prometheus adds them up across targets; to serve the whole host from one
  endpoint instead, set PROMETHEUS_MULTIPROC_DIR to an empty folder shared by the processes
  of one deployment (prometheus-client's multiprocess mode; empty it at each deployment).
  Counters move when the work is flushed, so a transaction rolled back afterwards may have
  been counted; they are for watching rates, the database is the record.
- Read from the database at scrape time with one indexed query (`ix_messages_outbox_due`
  on status, next_attempt_at): the outbox depth, how many of its rows are due, and the age
  of the oldest due one. These are the same whichever process answers the scrape.

Other domains call `count_inbound`, `count_outbound`, `observe_inbound_batch` and
`observe_tick`; the functions are
cheap (a lock and an addition) and never touch the database.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lupus_sms.core.db import UTCDateTime
from lupus_sms.core.dependencies import ClockDep, ReadOnlySession
from lupus_sms.core.errors import DATABASE_UNAVAILABLE
from lupus_sms.core.statuses import MessageStatus
from lupus_sms.messaging.models import Message

logger = logging.getLogger(__name__)

INBOUND = Counter(
    "lupus_sms_inbound_messages",
    "Inbound SMS webhooks by outcome: answered (stored, or a repeat answered again) or "
    "rejected_<http status> (403 a bad signature, 413, 422, ...).",
    ["status"],
)
OUTBOUND = Counter(
    "lupus_sms_outbound_status_changes",
    "Outbound messages that moved to a status (sent, delivered, failed, skipped, ...).",
    ["status"],
)
WEBHOOK_SECONDS = Histogram(
    "lupus_sms_webhook_seconds",
    "Time to answer an inbound SMS webhook, from the request to the TwiML reply.",
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
INBOUND_BATCH = Histogram(
    "lupus_sms_inbound_batch_texts",
    "Inbound texts committed together in one transaction (group commit): mostly 1 when "
    "quiet, growing with the load.",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
TICK_SECONDS = Histogram(
    "lupus_sms_tick_seconds",
    "Duration of one scheduler tick (all steps).",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
)


def count_inbound(status: str) -> None:
    INBOUND.labels(status=status).inc()


def count_outbound(status: str) -> None:
    OUTBOUND.labels(status=status).inc()


def observe_inbound_batch(texts: int) -> None:
    INBOUND_BATCH.observe(texts)


def observe_webhook(seconds: float) -> None:
    WEBHOOK_SECONDS.observe(seconds)


def observe_tick(seconds: float) -> None:
    """Record one tick's duration; the scheduler calls it after each tick."""
    TICK_SECONDS.observe(seconds)


@dataclass(frozen=True)
class OutboxSnapshot:
    queued: int
    due: int
    oldest_due_age_seconds: float


def outbox_snapshot(db: Session, *, now: datetime) -> OutboxSnapshot:
    """Queued rows, the due ones, and the oldest due one's age: one query on the outbox index."""
    is_due = Message.next_attempt_at <= now
    queued, due, oldest = db.execute(
        select(
            func.count(),
            func.count().filter(is_due),
            func.min(Message.next_attempt_at, type_=UTCDateTime()).filter(is_due),
        ).where(Message.status == MessageStatus.QUEUED)
    ).one()
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return OutboxSnapshot(queued=queued, due=due, oldest_due_age_seconds=age)


def render(snapshot: OutboxSnapshot | None) -> bytes:
    """The exposition text: this process's (or the host's) counters, then the outbox gauges
    (`lupus_sms_database_up` 0 and no outbox gauges while the database cannot be read)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    outbox = CollectorRegistry(auto_describe=False)
    outbox.register(_OutboxCollector(snapshot))
    return generate_latest(registry) + generate_latest(outbox)


class _OutboxCollector:
    def __init__(self, snapshot: OutboxSnapshot | None):
        self.snapshot = snapshot

    def collect(self):
        yield GaugeMetricFamily(
            "lupus_sms_database_up",
            "1 when this scrape could read the database, 0 when it could not.",
            value=0 if self.snapshot is None else 1,
        )
        if self.snapshot is None:
            return
        yield GaugeMetricFamily(
            "lupus_sms_outbox_queued", "Outbound messages queued.", value=self.snapshot.queued
        )
        yield GaugeMetricFamily(
            "lupus_sms_outbox_due", "Queued messages whose send time has come.", self.snapshot.due
        )
        yield GaugeMetricFamily(
            "lupus_sms_outbox_oldest_due_age_seconds",
            "How long the oldest due message has been waiting (0 when none is due).",
            value=self.snapshot.oldest_due_age_seconds,
        )


class WebhookMetricsMiddleware:
    """Times and counts inbound SMS webhooks by HTTP status (pure ASGI: no body buffering)."""

    def __init__(self, app, path: str = "/twilio/sms"):
        self.app, self.path = app, path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = "500"

        async def send_and_note(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = str(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            observe_webhook(time.perf_counter() - started)
            count_inbound("answered" if status == "200" else f"rejected_{status}")


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.add_middleware(WebhookMetricsMiddleware)


router = APIRouter(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
def metrics(db: ReadOnlySession, clock: ClockDep) -> Response:
    """Prometheus scrape endpoint (text format 0.0.4); not part of the API schema."""
    try:
        snapshot = outbox_snapshot(db, now=clock.now())
    except DATABASE_UNAVAILABLE:  # an outage is when the spool's and webhook's figures matter
        logger.warning("metrics: the database could not be read")
        snapshot = None
    return Response(render(snapshot), media_type=CONTENT_TYPE_LATEST)
