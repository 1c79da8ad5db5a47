"""Morning burst: N messages due at once, sent by 1 and then 2 worker processes.

The outbox is filled by the bulk loader (queued reminders, due a minute ago); each worker
process runs the real dispatch step (claims, pre-send checks, rate-limit reservation,
recording) against a no-op transport that only notes which message it was given. Counts:
every message handed over exactly once (no duplicate across workers, none lost) and every
row `sent` in the database. The one-worker rate is the baseline for the two-worker ratio.

A second part turns the rate limiter on (`--limit-rate` messages/s on one sender) with the
real clock and reports the achieved rate and the busiest 1-second window.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from bench.common import REPO_ROOT, app_env, emit, fresh_database, ratio
from bench.dataset import load_outbox, load_population
from lupus_sms.core.db import make_engine
from lupus_sms.messaging.models import Message

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
UNLIMITED = "1000000000"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--patients", type=int, default=5_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch", type=int, default=200, help="TICK_BATCH_SIZE per claim")
    parser.add_argument("--limit-rate", type=float, default=10.0, help="0 skips the limiter part")
    parser.add_argument("--limit-seconds", type=float, default=10.0)


def start_workers(url: str, count: int, env_extra: dict[str, str], args: list[str]):
    env = app_env(url, **env_extra)
    command = [sys.executable, "-m", "bench.probe", "dispatch", *args]
    return [
        subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(count)
    ]


def collect(processes) -> list[dict]:
    results = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise RuntimeError("a dispatch worker failed")
        results.append(json.loads(out))
    return results


def count_sent(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        sent = connection.scalar(
            select(func.count()).select_from(Message).where(Message.status == "sent")
        )
    engine.dispose()
    return sent


def burst(workers: int, args: argparse.Namespace) -> dict:
    with fresh_database(args.db) as url:
        load_population(url, patients=args.patients, planned_per_patient=0, now=NOW)
        load_outbox(url, messages=args.messages, patients=args.patients, now=NOW)
        env = {"SMS_SEGMENTS_PER_SECOND": UNLIMITED, "TICK_BATCH_SIZE": str(args.batch)}
        results = collect(start_workers(url, workers, env, ["--now", NOW.isoformat()]))
        sent_rows = count_sent(url)
    ids = Counter(i for result in results for i in result["message_ids"])
    seconds = max(result["seconds"] for result in results)
    handed = sum(ids.values())
    row = {
        "workers": workers,
        "messages": args.messages,
        "handed_to_transport": handed,
        "duplicates": sum(n - 1 for n in ids.values() if n > 1),
        "lost": args.messages - len(ids),
        "rows_sent_in_db": sent_rows,
        "seconds": seconds,
        "messages_per_second": round(handed / seconds, 1),
        "peak_rss_mb": max(result["peak_rss_mb"] for result in results),
        "per_worker": [result["sent"] for result in results],
    }
    print(
        f"{args.db} workers={workers}: {row['messages_per_second']} msg/s, "
        f"duplicates={row['duplicates']} lost={row['lost']} sent rows={sent_rows} "
        f"peak RSS={row['peak_rss_mb']} MB",
        flush=True,
    )
    return row


def limited(args: argparse.Namespace) -> dict:
    """One sender at `--limit-rate`/s, real clock, more messages than the time allows."""
    messages = int(args.limit_rate * args.limit_seconds * 2) + 50
    with fresh_database(args.db) as url:
        now = datetime.now(UTC)
        load_population(url, patients=100, planned_per_patient=0, now=now)
        load_outbox(url, messages=messages, patients=100, now=now)
        env = {"SMS_SEGMENTS_PER_SECOND": str(args.limit_rate), "TICK_SECONDS": "1",
               "TICK_BATCH_SIZE": "20"}  # fmt: skip
        run = [
            "--now",
            "live",
            "--max-seconds",
            str(args.limit_seconds),
            "--idle-rounds",
            "1000000",
        ]
        (result,) = collect(start_workers(url, 1, env, run))
    times = sorted(result["sent_at"])
    return limiter_report(times, args.limit_rate)


def limiter_report(times: list[float], target: float) -> dict:
    """Achieved rate after the first second's allowed burst, and the busiest 1-second window."""
    if len(times) < 2:
        return {"target_per_second": target, "sent": len(times)}
    start = times[0] + 1.0  # the limiter allows one tick's worth at once
    steady = [t for t in times if t >= start]
    span = times[-1] - start
    busiest, left = 0, 0
    for right, at in enumerate(steady):
        while at - steady[left] >= 1.0:
            left += 1
        busiest = max(busiest, right - left + 1)
    achieved = (len(steady) - 1) / span if span > 0 and len(steady) > 1 else 0.0
    return {
        "target_per_second": target,
        "sent": len(times),
        "first_second": sum(1 for t in times if t < start),
        "achieved_per_second_after_first_second": round(achieved, 2),
        "error_percent": round((achieved - target) / target * 100, 1),
        "busiest_1s_window_after_first_second": busiest,
    }


def run(args: argparse.Namespace) -> dict:
    rows = [burst(workers, args) for workers in args.workers]
    report: dict = {"benchmark": "burst", "db": args.db, "batch": args.batch, "runs": rows}
    if len(rows) >= 2:
        report["two_to_one"] = ratio(rows[1]["messages_per_second"], rows[0]["messages_per_second"])
    if args.limit_rate > 0:
        report["rate_limiter"] = limited(args)
        print(f"rate limiter: {report['rate_limiter']}")
    emit(report, args.json)
    return report
