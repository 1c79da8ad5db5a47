"""PostgreSQL round trips: a batch's statements one after another, against psycopg's
pipeline mode (all sent, then all results read).

The batched inbound writer sends about seven statements per batch, each waiting for its
answer. Pipeline mode saves the waits, but psycopg's pipeline machinery costs CPU of its
own. This measures both ways on the same connection, in alternating rounds, for statements
shaped like a batch's (small indexed reads that return a few rows): wall time and the
client's CPU per batch, and pipelined/sequential. On a local server the wait is a few tens
of microseconds, so the answer here says little about a database across a network, where
each wait is the network's round trip.
"""

from __future__ import annotations

import argparse
import statistics
import time

import psycopg
from sqlalchemy.engine import make_url

from bench.common import emit, pg_admin_url, ratio

STATEMENT = "SELECT g, 'x' || g FROM generate_series(1, %s) AS g"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--statements", type=int, nargs="+", default=[3, 7])
    parser.add_argument("--rows", type=int, default=8, help="rows each statement returns")
    parser.add_argument("--batches", type=int, default=2000, help="batches per round")
    parser.add_argument("--rounds", type=int, default=5)


def sequential(connection: psycopg.Connection, statements: int, rows: int) -> None:
    for _ in range(statements):
        connection.execute(STATEMENT, (rows,)).fetchall()


def pipelined(connection: psycopg.Connection, statements: int, rows: int) -> None:
    with connection.pipeline():
        cursors = [connection.execute(STATEMENT, (rows,)) for _ in range(statements)]
    for cursor in cursors:
        cursor.fetchall()


def measure(connection, way, statements: int, args) -> tuple[float, float]:
    """(wall µs, client CPU µs) per batch for one round."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.batches):
        way(connection, statements, args.rows)
    count = args.batches
    return (time.perf_counter() - wall) * 1e6 / count, (time.process_time() - cpu) * 1e6 / count


def run(args: argparse.Namespace) -> dict:
    url = make_url(pg_admin_url())
    conninfo = f"host={url.host} port={url.port or 5432} user={url.username} dbname={url.database}"
    if url.password:
        conninfo += f" password={url.password}"
    runs = []
    with psycopg.connect(conninfo, autocommit=True) as connection:
        for statements in args.statements:
            found: dict[str, list[tuple[float, float]]] = {"sequential": [], "pipelined": []}
            for _ in range(args.rounds):  # alternating, so both see the same machine
                for name, way in (("sequential", sequential), ("pipelined", pipelined)):
                    found[name].append(measure(connection, way, statements, args))
            result = {"statements": statements, "rows": args.rows}
            for name, rounds in found.items():
                result[f"{name}_wall_us"] = round(statistics.median(r[0] for r in rounds), 1)
                result[f"{name}_cpu_us"] = round(statistics.median(r[1] for r in rounds), 1)
            result["wall_ratio"] = ratio(result["pipelined_wall_us"], result["sequential_wall_us"])
            result["cpu_ratio"] = ratio(result["pipelined_cpu_us"], result["sequential_cpu_us"])
            runs.append(result)
            print(
                f"{statements} statements of {args.rows} rows: sequential "
                f"{result['sequential_wall_us']} µs ({result['sequential_cpu_us']} µs CPU), "
                f"pipelined {result['pipelined_wall_us']} µs ({result['pipelined_cpu_us']} µs "
                f"CPU); pipelined/sequential wall {result['wall_ratio']}, "
                f"CPU {result['cpu_ratio']}"
            )
    report = {"benchmark": "pg-pipeline", "runs": runs}
    emit(report, args.json)
    return report
