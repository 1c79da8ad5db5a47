"""Load generator, run in its own process: `python -m bench.loadgen --help`.

It speaks HTTP/1.1 over plain asyncio streams (uvloop when installed) with keep-alive
connections, because a general-purpose client spends more CPU per request than a bare
FastAPI app does and would then measure itself. Every request is a Twilio inbound SMS with
its own MessageSid, signed as Twilio signs it, prepared before the clock starts.

Two modes:
- closed loop (`--concurrency C`): C connections send back to back; gives max throughput.
- open loop (`--rate R`): requests start on a fixed schedule whatever the server does, and
  latency counts from the scheduled start, so a slow server cannot hide its queueing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
import uuid
from collections import Counter
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator


def build_requests(args: argparse.Namespace, count: int) -> list[bytes]:
    """Signed webhook requests: distinct MessageSids, round-robin over `--phones` senders."""
    validator = RequestValidator(args.token)
    host = urlsplit(args.url).netloc
    signed_url = args.public_base_url.rstrip("/") + args.path
    run = uuid.uuid4().hex[:8]
    requests = []
    for index in range(count):
        form = {
            "MessageSid": f"SM{run}{index:024d}",
            "AccountSid": "AC" + "0" * 32,
            "From": phone(index % args.phones),
            "To": args.to,
            "Body": args.body,
            "NumMedia": "0",
        }
        signature = validator.compute_signature(signed_url, form)
        body = urlencode(form).encode()
        head = (
            f"POST {args.path} HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return requests


def phone(index: int) -> str:
    return f"+1617555{1000 + index:04d}"


class Connection:
    def __init__(self, url: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.url, self.reader, self.writer = url, reader, writer

    @classmethod
    async def open(cls, url: str) -> Connection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(url, reader, writer)

    async def send(self, request: bytes) -> int:
        """Send one request and read the whole response; returns the status code."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


class Recorder:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: Counter[str] = Counter()

    def record(self, status: int | str, seconds: float) -> None:
        self.statuses[str(status)] += 1
        self.latencies.append(seconds)

    def summary(self, elapsed: float, mode: str) -> dict:
        latencies = sorted(self.latencies)
        ok = self.statuses.get("200", 0)

        def pct(q: float) -> float | None:
            if not latencies:
                return None
            return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2)

        return {
            "mode": mode,
            "requests": len(latencies),
            "ok": ok,
            "statuses": dict(self.statuses),
            "seconds": round(elapsed, 3),
            "rps": round(ok / elapsed, 1) if elapsed else 0.0,
            "p50_ms": pct(0.50),
            "p90_ms": pct(0.90),
            "p99_ms": pct(0.99),
            "max_ms": round(latencies[-1] * 1000, 2) if latencies else None,
            "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
        }


async def send_recorded(
    connection: Connection, request: bytes, started: float, rec: Recorder
) -> Connection:
    """Send and record; returns the connection to use next (a new one after an error)."""
    try:
        status = await connection.send(request)
    except (OSError, asyncio.IncompleteReadError, ValueError) as error:
        status = type(error).__name__
        connection.close()
        connection = await Connection.open(connection.url)
    rec.record(status, time.perf_counter() - started)
    return connection


async def warm_up(url: str, requests: list[bytes]) -> int:
    """One request per sender, in order, so phone numbers and conversations exist first;
    how many were answered 200."""
    connection = await Connection.open(url)
    ok = 0
    for request in requests:
        ok += await connection.send(request) == 200
    connection.close()
    return ok


async def closed_loop(url: str, requests: list[bytes], concurrency: int, duration: float):
    recorder = Recorder()
    pending = iter(requests)
    deadline = time.perf_counter() + duration

    async def client() -> None:
        connection = await Connection.open(url)
        for request in pending:
            if time.perf_counter() >= deadline:
                break
            connection = await send_recorded(connection, request, time.perf_counter(), recorder)
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return recorder.summary(time.perf_counter() - started, f"closed c={concurrency}")


async def open_loop(url: str, requests: list[bytes], rate: float, connections: int):
    recorder = Recorder()
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await Connection.open(url))

    async def one(request: bytes, scheduled: float) -> None:
        connection = await idle.get()
        idle.put_nowait(await send_recorded(connection, request, scheduled, recorder))

    tasks = []
    started = time.perf_counter()
    for index, request in enumerate(requests):
        scheduled = started + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(request, scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    while not idle.empty():
        idle.get_nowait().close()
    return recorder.summary(elapsed, f"open rate={rate:g}/s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    parser.add_argument("--url", required=True, help="server base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--path", default="/twilio/sms")
    parser.add_argument("--token", required=True, help="Twilio auth token used to sign")
    parser.add_argument("--public-base-url", required=True, help="URL the server signs against")
    parser.add_argument("--body", default="AHSCT", help="SMS text (a topic keyword)")
    parser.add_argument("--to", default="+12025550100")
    parser.add_argument("--phones", type=int, default=200, help="distinct senders")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of measurement")
    parser.add_argument("--concurrency", type=int, default=16, help="closed-loop connections")
    parser.add_argument("--rate", type=float, help="open loop at this many requests/s")
    parser.add_argument("--connections", type=int, default=64, help="open-loop connection pool")
    parser.add_argument("--max-requests", type=int, default=80_000, help="closed-loop cap")
    parser.add_argument("--no-warmup", action="store_true")
    parser.add_argument("--warmup-only", action="store_true",
                        help="send the warm-up requests and nothing else")  # fmt: skip
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> dict:
    count = int(args.rate * args.duration) if args.rate else args.max_requests
    requests = build_requests(args, count + args.phones)
    warm, measured = requests[: args.phones], requests[args.phones :]
    warmed = await warm_up(args.url, warm) if not args.no_warmup else 0
    if args.warmup_only:
        return {"warmed_up": len(warm), "ok": warmed}
    if args.rate:
        return await open_loop(args.url, measured, args.rate, args.connections)
    return await closed_loop(args.url, measured, args.concurrency, args.duration)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    json.dump(asyncio.run(main_async(args)), sys.stdout)


if __name__ == "__main__":
    main()
