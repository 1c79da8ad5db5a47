"""Login flood: does a flood of sign-in attempts slow the webhook down?

For each database: the real app under uvicorn (one worker), an admin account hashed at the
production Argon2 cost, and an open-loop webhook load at `--rate` (bench/loadgen.py), measured
three times in the same run:

- alone (the baseline);
- during a login flood (bench/login_flood.py: `--flood-rate` wrong passwords a second, open
  loop, as an attacker's script sends them), with the default LOGIN_MAX_CONCURRENT_HASHES;
- during the same flood with the bound lifted (`--unbounded-slots` password checks at once),
  to show what the bound buys.

Reported: webhook p50/p99 and their ratio to the baseline, every webhook status (each must
be 200, each answered text stored), and what the flood got (401 wrong password, 429 slowed
down or busy, and how many attempts per second the service answered).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.common import (
    BENCH_AUTH_TOKEN,
    BENCH_BASE_URL,
    REPO_ROOT,
    app_env,
    emit,
    fresh_database,
    ratio,
    run_loadgen,
    uvicorn_server,
)
from lupus_sms.core.db import make_engine
from lupus_sms.messaging.models import Message
from lupus_sms.users import service as users

ADMIN_EMAIL = "owner@bench.test"
ADMIN_PASSWORD = "a quiet desk passphrase 2026"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgresql"], nargs="+",
                        default=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    parser.add_argument("--rate", type=float, default=50.0, help="webhook requests per second")
    parser.add_argument("--phones", type=int, default=50, help="distinct senders")
    parser.add_argument("--flood-rate", type=float, default=200.0, help="attempts per second")
    parser.add_argument("--unbounded-slots", type=int, default=64,
                        help="password checks at once in the unbounded run")  # fmt: skip


def add_owner(database_url: str) -> None:
    engine = make_engine(database_url)
    with Session(engine) as db:
        users.create(db, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, role="owner")
        db.commit()
    engine.dispose()


def count_inbound(database_url: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        query = select(func.count()).select_from(Message).where(Message.direction == "inbound")
        found = connection.scalar(query)
    engine.dispose()
    return found


def webhook_load(base_url: str, args: argparse.Namespace) -> dict:
    return run_loadgen([
        "--url", base_url, "--token", BENCH_AUTH_TOKEN, "--public-base-url", BENCH_BASE_URL,
        "--phones", str(args.phones), "--duration", str(args.duration), "--rate", str(args.rate),
    ])  # fmt: skip


def during_flood(base_url: str, args: argparse.Namespace) -> tuple[dict, dict]:
    """The webhook load while the flood runs (started first, ending after it)."""
    command = [
        sys.executable, "-m", "bench.login_flood", "--url", base_url, "--email", ADMIN_EMAIL,
        "--rate", str(args.flood_rate), "--duration", str(args.duration + 3),
    ]  # fmt: skip
    flood = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    time.sleep(1.5)  # the flood is at full strength before the webhook is measured
    webhook = webhook_load(base_url, args)
    output, _ = flood.communicate(timeout=args.duration + 60)
    if flood.returncode != 0:
        raise RuntimeError("the login flood failed")
    return webhook, json.loads(output)


def run_one(kind: str, args: argparse.Namespace) -> dict:
    result: dict = {"db": kind}
    with fresh_database(kind) as url:
        add_owner(url)
        configurations = {
            "alone": {},
            "flood": {},
            "flood_unbounded": {"LOGIN_MAX_CONCURRENT_HASHES": str(args.unbounded_slots)},
        }
        for name, extra in configurations.items():
            env = app_env(url, **extra)
            with uvicorn_server("lupus_sms.main:app", workers=1, env=env) as (base_url, _):
                if name == "alone":
                    result[name] = {"webhook": webhook_load(base_url, args)}
                else:
                    webhook, flood = during_flood(base_url, args)
                    result[name] = {"webhook": webhook, "flood": flood}
        answered = sum(run["webhook"]["ok"] for run in result.values() if isinstance(run, dict))
        result["stored_inbound"] = count_inbound(url)
        result["answered_200"] = answered + 3 * args.phones  # the loadgen's warm-up texts
        result["all_answered_stored"] = result["stored_inbound"] >= result["answered_200"]
    alone = result["alone"]["webhook"]
    for name in ("flood", "flood_unbounded"):
        webhook = result[name]["webhook"]
        result[name]["p99_ratio"] = ratio(webhook["p99_ms"], alone["p99_ms"])
        result[name]["p50_ratio"] = ratio(webhook["p50_ms"], alone["p50_ms"])
    return result


def summary_line(result: dict) -> str:
    def part(name: str) -> str:
        webhook = result[name]["webhook"]
        text = f"{name}: p50={webhook['p50_ms']} p99={webhook['p99_ms']} ms {webhook['statuses']}"
        if "flood" in result[name]:
            flood = result[name]["flood"]
            text += (
                f" (x{result[name]['p99_ratio']} p99; flood {flood['attempts_per_second']}/s "
                f"{flood['statuses']})"
            )
        return text

    parts = " | ".join(part(name) for name in ("alone", "flood", "flood_unbounded"))
    stored = f"stored {result['stored_inbound']}/{result['answered_200']}"
    return f"{result['db']:<10} {parts} | {stored}"


def run(args: argparse.Namespace) -> dict:
    results = [run_one(kind, args) for kind in args.db]
    for result in results:
        print(summary_line(result))
    report = {"benchmark": "logins", "runs": results}
    emit(report, args.json)
    return report
