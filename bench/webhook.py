"""Inbound webhook: the real app against a bare FastAPI baseline under the same uvicorn.

For each database and worker count: closed-loop max throughput and open-loop latency at a
fixed offered rate, for the baseline and for the real app (signed requests, a topic
keyword, distinct MessageSids), then the ratio. Two floors are measured too: the SDK floor
(bench/floor_app.py: signature, form and TwiML with the SDK, no storage), the ceiling any
handler reaches here, and the lean floor (bench/lean_floor_app.py: the app's own hot path,
inbound/fast_path.py, storing nothing), the ceiling of this app's handler. After
each real-app run the inbound rows are counted: every 200 answer must have its message
stored.
"""

from __future__ import annotations

import argparse

from sqlalchemy import func, select

from bench.common import (
    BENCH_AUTH_TOKEN,
    BENCH_BASE_URL,
    app_env,
    cpu_seconds,
    emit,
    fresh_database,
    ratio,
    run_loadgen,
    uvicorn_server,
)
from lupus_sms.core.db import make_engine
from lupus_sms.messaging.models import Message

REAL_APP = "lupus_sms.main:app"
BASELINE_APP = "bench.baseline_app:app"
FLOOR_APP = "bench.floor_app:app"
LEAN_FLOOR_APP = "bench.lean_floor_app:app"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgresql"], nargs="+",
                        default=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=16, help="closed-loop connections")
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop offered rate")
    # 500: the protocol. With the reply limits lifted, each sender's replies of the
    # last hour are all counted for its next text: fewer senders make that read grow faster
    # than real traffic could (30 replies an hour is the default limit).
    parser.add_argument("--phones", type=int, default=500, help="distinct senders")
    parser.add_argument("--skip-baseline", action="store_true")


def measure(server: tuple[str, int], args: argparse.Namespace, database_url: str) -> dict:
    base_url, pid = server
    common = [
        "--url", base_url, "--token", BENCH_AUTH_TOKEN, "--public-base-url", BENCH_BASE_URL,
        "--phones", str(args.phones), "--duration", str(args.duration),
    ]  # fmt: skip
    # The warm-up (one text per sender: new numbers, their first topic) is not what is
    # measured: it goes before the CPU is read, and before the clock starts.
    warm_up = run_loadgen([*common, "--warmup-only"])
    analyze_postgresql(database_url)
    cpu_before = cpu_seconds(pid)
    closed = run_loadgen([*common, "--concurrency", str(args.concurrency), "--no-warmup"])
    cpu_used = cpu_seconds(pid) - cpu_before
    closed["server_cpu_ms_per_request"] = round(cpu_used * 1000 / max(1, closed["requests"]), 3)
    opened = run_loadgen([*common, "--rate", str(args.rate), "--no-warmup"])
    return {"warm_up": warm_up, "closed": closed, "open": opened}


def analyze_postgresql(database_url: str) -> None:
    """Planner statistics for the rows the warm-up wrote, as autovacuum takes them within a
    minute on a live PostgreSQL. Without them, each connection keeps the plan it made for
    the warm-up's nearly empty tables: the reply-limit read stays a sequential scan of every
    message, its cost growing with the run (measured on 2026-12-06: 0.47 against 0.24 ms of
    server CPU a text). A live database has its statistics, so the figures are taken with
    them. SQLite's planner keeps no statistics unless asked to, so it is left as it is."""
    if not database_url.startswith("postgresql"):
        return
    engine = make_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def count_inbound(database_url: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        query = select(func.count()).select_from(Message).where(Message.direction == "inbound")
        count = connection.scalar(query)
    engine.dispose()
    return count


def run_one(kind: str, workers: int, args: argparse.Namespace) -> dict:
    result: dict = {"db": kind, "workers": workers}
    with fresh_database(kind) as url:
        env = app_env(url)
        if not args.skip_baseline:
            with uvicorn_server(BASELINE_APP, workers=workers, env=env) as server:
                result["baseline"] = measure(server, args, url)
            with uvicorn_server(FLOOR_APP, workers=workers, env=env) as server:
                result["floor"] = measure(server, args, url)
            with uvicorn_server(LEAN_FLOOR_APP, workers=workers, env=env) as server:
                result["lean_floor"] = measure(server, args, url)
        with uvicorn_server(REAL_APP, workers=workers, env=env) as server:
            result["app"] = measure(server, args, url)
        # Every request has a MessageSid of its own, so the inbound rows must be exactly the
        # texts answered 200: fewer, a text answered and lost; more, one stored unanswered.
        answered = sum(run["ok"] for run in result["app"].values())
        result["stored_inbound"] = count_inbound(url)
        result["answered_200"] = answered
        result["all_answered_stored"] = result["stored_inbound"] == answered
    result["planner_statistics"] = "ANALYZE after the warm-up" if kind == "postgresql" else None
    if "baseline" in result:
        app, base = result["app"]["closed"], result["baseline"]["closed"]
        result["throughput_ratio"] = ratio(app["rps"], base["rps"])
        result["cpu_per_request_ratio"] = ratio(
            base["server_cpu_ms_per_request"], app["server_cpu_ms_per_request"]
        )
        result["floor_ratio"] = ratio(result["floor"]["closed"]["rps"], base["rps"])
        result["lean_floor_ratio"] = ratio(result["lean_floor"]["closed"]["rps"], base["rps"])
        # The app against each floor: the share of a floor's throughput it keeps.
        result["app_to_floor"] = ratio(app["rps"], result["floor"]["closed"]["rps"])
        result["app_to_lean_floor"] = ratio(app["rps"], result["lean_floor"]["closed"]["rps"])
    return result


def summary_line(result: dict) -> str:
    app = result["app"]
    base = result.get("baseline", {"closed": {}, "open": {}})
    floors = ""
    if "floor" in result:
        sdk, lean = result["floor"]["closed"], result["lean_floor"]["closed"]
        floors = (
            f" | SDK floor {sdk['rps']:.1f} req/s, {sdk['server_cpu_ms_per_request']} ms CPU,"
            f" app/floor {result['app_to_floor']}"
            f" | lean floor {lean['rps']:.1f} req/s, {lean['server_cpu_ms_per_request']} ms CPU,"
            f" ratio {result['lean_floor_ratio']}, app/lean floor {result['app_to_lean_floor']}"
        )
    return (
        f"{result['db']:<10} workers={result['workers']} "
        f"app={app['closed']['rps']:>7.1f} req/s "
        f"baseline={base['closed'].get('rps', 0):>7.1f} req/s "
        f"ratio={result.get('throughput_ratio')} "
        f"(floor: signature+form+TwiML only, ratio={result.get('floor_ratio')}) "
        f"(CPU/request: app {app['closed']['server_cpu_ms_per_request']} ms, "
        f"baseline {base['closed'].get('server_cpu_ms_per_request')} ms, "
        f"ratio {result.get('cpu_per_request_ratio')}) | at {app['open']['mode']}: "
        f"app p50={app['open']['p50_ms']} p99={app['open']['p99_ms']} ms, "
        f"baseline p50={base['open'].get('p50_ms')} p99={base['open'].get('p99_ms')}"
        f" | stored {result['stored_inbound']}/{result['answered_200']}{floors}"
    )


def run(args: argparse.Namespace) -> dict:
    results = [run_one(kind, workers, args) for kind in args.db for workers in args.workers]
    for result in results:
        print(summary_line(result))
    report = {"benchmark": "webhook", "runs": results}
    emit(report, args.json)
    return report
