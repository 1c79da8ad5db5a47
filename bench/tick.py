"""Scheduler tick with nothing due: small vs large enrolment, on each database.

Each size gets a fresh database filled by the bulk loader (one clinic; per patient a phone
number, an anchor and `--planned` planned messages, all in the future), then a separate
process runs `--repeat` ticks at a fixed time and reports the median, its peak RSS and the
query plans of the claim queries it ran. The small enrolment is the baseline: the target
is a large/small ratio near 1 (the cost follows due rows, not patients).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC, datetime

from bench.common import REPO_ROOT, app_env, emit, fresh_database, ratio
from bench.dataset import load_population

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgresql"], nargs="+",
                        default=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--small", type=int, default=1_000, help="patients (baseline)")
    parser.add_argument("--large", type=int, default=200_000, help="patients")
    parser.add_argument("--planned", type=int, default=25, help="planned messages per patient")
    parser.add_argument("--repeat", type=int, default=20, help="ticks timed per size")


def probe(url: str, args: list[str]) -> dict:
    command = [sys.executable, "-m", "bench.probe", *args]
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=app_env(url), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"probe failed:\n{done.stderr}")
    return json.loads(done.stdout)


def measure(kind: str, patients: int, args: argparse.Namespace) -> dict:
    with fresh_database(kind) as url:
        loaded = load_population(url, patients=patients, planned_per_patient=args.planned, now=NOW)
        result = probe(url, ["tick", "--now", NOW.isoformat(), "--repeat", str(args.repeat)])
    print(
        f"{kind:<10} patients={patients:>7} planned rows={loaded['planned_messages']:>8} "
        f"(loaded in {loaded['seconds']}s) tick median={result['median_ms']} ms "
        f"min={result['min_ms']} ms "
        f"peak RSS={result['peak_rss_mb']} MB",
        flush=True,
    )
    return {"patients": patients, "loaded": loaded, **result}


def run(args: argparse.Namespace) -> dict:
    runs = []
    for kind in args.db:
        small = measure(kind, args.small, args)
        large = measure(kind, args.large, args)
        runs.append({
            "db": kind, "small": small, "large": large,
            "large_to_small": ratio(large["median_ms"], small["median_ms"]),
            # The fastest tick is the least disturbed by other load on a shared machine.
            "large_to_small_min": ratio(large["min_ms"], small["min_ms"]),
        })  # fmt: skip
        print(
            f"{kind}: tick at {args.large} / at {args.small} = {runs[-1]['large_to_small']} "
            f"(median), {runs[-1]['large_to_small_min']} (fastest)"
        )
    report = {"benchmark": "tick", "planned_per_patient": args.planned, "runs": runs}
    emit(report, args.json)
    return report
