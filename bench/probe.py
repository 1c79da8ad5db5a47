"""Runs inside a fresh process for one measurement, so its peak RSS is its own.

`python -m bench.probe tick --now ISO --repeat N` times scheduler ticks and captures the
claim queries to explain them; `python -m bench.probe dispatch --now ISO|live` sends the
outbox to a no-op transport until it is empty. The database is DATABASE_URL. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import threading
import time
from datetime import UTC, datetime

from sqlalchemy import event

import lupus_sms.models  # noqa: F401 - every mapper known before the first query
from lupus_sms.core.config import get_settings
from lupus_sms.core.db import get_engine, get_sessionmaker
from lupus_sms.messaging.transport import SendResult


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def capture_claims(engine) -> list[tuple[str, object]]:
    """The SQL of the claim queries a tick runs (SELECT/UPDATE ... LIMIT on a due index)."""
    seen: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if "LIMIT" in statement and ("planned_messages" in statement or "messages" in statement):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    return seen


def explain(engine, statement: str, parameters) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(prefix + statement, parameters)
        rows = cursor.fetchall()
        raw.rollback()
    finally:
        raw.close()
    return [" | ".join(str(part) for part in row) for row in rows]


def run_ticks(now: datetime, repeat: int) -> dict:
    from lupus_sms.scheduling.tick import run_tick
    from lupus_sms.worker import senders_for, tick_steps

    engine = get_engine()
    claims = capture_claims(engine)
    session_factory = get_sessionmaker()
    steps = tick_steps(senders_for(get_settings()))
    run_tick(session_factory, now, steps)  # warm caches (content, compiled statements, pool)
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        run_tick(session_factory, now, steps)
        durations.append(time.perf_counter() - started)
    step_times = time_steps(session_factory, now, steps)
    plans: dict[str, dict] = {}
    for statement, parameters in claims:
        if statement not in plans:
            plans[statement] = {"sql": statement, "plan": explain(engine, statement, parameters)}
    return {
        "ticks": repeat,
        "median_ms": round(statistics.median(durations) * 1000, 2),
        "min_ms": round(min(durations) * 1000, 2),
        "max_ms": round(max(durations) * 1000, 2),
        "peak_rss_mb": peak_rss_mb(),
        "claim_plans": list(plans.values()),
        **step_times,
    }


def time_steps(session_factory, now: datetime, steps) -> dict:
    """Each tick step's own time, and the slowest statements of one tick (what grows)."""

    engine = get_engine()
    timings: list[tuple[float, str]] = []
    started: dict[int, float] = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        timings.append((time.perf_counter() - started.pop(id(cursor), 0.0), statement))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    step_ms = {}
    for name, step in steps:
        begun = time.perf_counter()
        step(session_factory, now)
        step_ms[name] = round((time.perf_counter() - begun) * 1000, 2)
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    slowest = sorted(timings, key=lambda item: -item[0])[:3]
    return {
        "step_ms": step_ms,
        "statements_per_tick": len(timings),
        "slowest_statements": [
            {"ms": round(seconds * 1000, 2), "sql": " ".join(sql.split())[:400]}
            for seconds, sql in slowest
        ],
    }


class NoopTransport:
    """Accepts every text at once and remembers which message and when (for the counts)."""

    name = "noop"

    def __init__(self) -> None:
        self.sent: list[tuple[int, float]] = []
        self._lock = threading.Lock()

    def send(self, sms) -> SendResult:
        message_id = int(sms.status_callback.rsplit("message_id=", 1)[1])
        with self._lock:
            self.sent.append((message_id, time.time()))
            return SendResult(sid=f"SMNOOP{message_id:026d}", status="queued")


def run_dispatch(now_arg: str, idle_rounds: int, max_seconds: float) -> dict:
    from lupus_sms.scheduling.dispatch import dispatch_outbox

    settings = get_settings()
    transport = NoopTransport()
    session_factory = get_sessionmaker()
    started = time.perf_counter()
    idle = 0
    while idle < idle_rounds and time.perf_counter() - started < max_seconds:
        now = datetime.now(UTC) if now_arg == "live" else datetime.fromisoformat(now_arg)
        handed = dispatch_outbox(session_factory, now, settings=settings, transport=transport)
        idle = 0 if handed else idle + 1
        if not handed and now_arg == "live":
            time.sleep(0.02)  # the rate limiter said wait: poll like a short tick would
    return {
        "sent": len(transport.sent),
        "seconds": round(time.perf_counter() - started, 3),
        "peak_rss_mb": peak_rss_mb(),
        "message_ids": [message_id for message_id, _ in transport.sent],
        "sent_at": [round(at, 4) for _, at in transport.sent],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.probe", description=__doc__)
    parser.add_argument("mode", choices=["tick", "dispatch"])
    parser.add_argument("--now", required=True, help="ISO time, or `live` for the real clock")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--idle-rounds", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=600)
    args = parser.parse_args(argv)
    if args.mode == "tick":
        result = run_ticks(datetime.fromisoformat(args.now), args.repeat)
    else:
        result = run_dispatch(args.now, args.idle_rounds, args.max_seconds)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
