"""The batched inbound writer alone, in process: CPU per text by batch size.

`handle_inbound_batch` (inbound/group_commit.py) as the webhook's writer calls it, on a
fresh migrated database with its senders already known (one text each first), for batches
of 1 text (the baseline: a lone text pays a whole transaction) and larger ones, all texts
the topic keyword AHSCT from distinct senders. No HTTP, no event loop: what a text costs
the writer itself, the part of the webhook's CPU that the database work decides. The
figure is the process's CPU time per text, the least of `--rounds` rounds.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
import uuid

from bench.common import app_env, emit, fresh_database, ratio


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgresql"], nargs="+",
                        default=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 8, 16])
    parser.add_argument("--texts", type=int, default=800, help="texts per round and size")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--phones", type=int, default=500, help="distinct senders")


def run_one(kind: str, args: argparse.Namespace) -> dict:
    with fresh_database(kind) as url:
        os.environ.update(app_env(url))
        from lupus_sms.core import db as db_module
        from lupus_sms.core.clock import get_clock
        from lupus_sms.core.config import get_settings
        from lupus_sms.inbound.group_commit import handle_inbound_batch
        from lupus_sms.inbound.service import InboundSms

        get_settings.cache_clear()
        db_module.get_engine.cache_clear()
        db_module.get_sessionmaker.cache_clear()
        settings, clock = get_settings(), get_clock()
        senders = itertools.cycle([f"+1617555{1000 + n:04d}" for n in range(args.phones)])

        def write(count: int) -> None:
            texts = [
                InboundSms(f"SM{uuid.uuid4().hex}", next(senders), "+12025550100", "AHSCT")
                for _ in range(count)
            ]
            scope = db_module.get_sessionmaker()
            results = handle_inbound_batch(scope, texts=texts, settings=settings, clock=clock)
            assert all(getattr(result, "reply_body", None) for result in results), results

        for _ in range(args.phones):  # every sender known, as after the webhook's warm-up
            write(1)
        found: dict[str, float] = {}
        for _ in range(args.rounds):
            for size in args.sizes:
                started = time.process_time()
                for _ in range(max(1, args.texts // size)):
                    write(size)
                per_text = (time.process_time() - started) / (max(1, args.texts // size) * size)
                found[str(size)] = min(found.get(str(size), per_text), per_text)
        db_module.get_engine().dispose()
    baseline = found[str(args.sizes[0])]
    return {
        "db": kind,
        "cpu_us_per_text": {size: round(value * 1e6) for size, value in found.items()},
        "ratio_to_first_size": {size: ratio(value, baseline) for size, value in found.items()},
    }


def run(args: argparse.Namespace) -> dict:
    results = [run_one(kind, args) for kind in args.db]
    for result in results:
        sizes = ", ".join(
            f"batch of {size}: {cpu} µs ({result['ratio_to_first_size'][size]})"
            for size, cpu in result["cpu_us_per_text"].items()
        )
        print(f"{result['db']:<10} CPU per text, {sizes}")
    report = {"benchmark": "writer", "runs": results}
    emit(report, args.json)
    return report
