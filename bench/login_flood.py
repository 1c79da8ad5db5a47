"""Login flood, run in its own process: `python -m bench.login_flood --help`.

Unauthenticated sign-in attempts to the admin console at `--rate` a second: wrong passwords
for one real account and for made-up emails, each with the CSRF token of the sign-in page (as
a script that read the form once would). Prints the statuses it got as JSON. HTTP/1.1 over
asyncio streams: bench/loadgen.py's open loop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import time
import urllib.request
from urllib.parse import urlencode, urlsplit

from bench.loadgen import Connection, Recorder, send_recorded

GRACE_SECONDS = 20.0


def csrf_pair(url: str) -> tuple[str, str]:
    """The sign-in page's CSRF cookie and token."""
    with urllib.request.urlopen(f"{url}/admin/login", timeout=10) as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())[1]
        cookie = next(
            header.split(";")[0]
            for header in page.headers.get_all("set-cookie")
            if header.startswith("lupus_admin_csrf=")
        )
    return cookie, token


def build_requests(args: argparse.Namespace, count: int) -> list[bytes]:
    cookie, token = csrf_pair(args.url)
    host = urlsplit(args.url).netloc
    requests = []
    for index in range(count):
        email = args.email if index % 2 == 0 else f"nobody{index}@flood.test"
        body = urlencode(
            {"email": email, "password": f"guess number {index}", "csrf_token": token}
        ).encode()
        head = (
            f"POST /admin/login HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return requests


async def flood(args: argparse.Namespace) -> dict:
    """Open loop: attempts start at `--rate` whatever the service answers, as an attacker's
    script would send them (a closed loop would slow down with the service). An attempt that
    finds no free connection before the end is counted as not sent; the flood stops at most
    `GRACE_SECONDS` after the end."""
    recorder = Recorder()
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(args.connections):
        idle.put_nowait(await Connection.open(args.url))
    started = time.perf_counter()
    deadline = started + args.duration

    async def one(request: bytes, scheduled: float) -> None:
        try:
            connection = await asyncio.wait_for(idle.get(), deadline - time.perf_counter())
        except TimeoutError:
            recorder.statuses["not sent"] += 1
            return
        idle.put_nowait(await send_recorded(connection, request, scheduled, recorder))

    tasks = []
    for index, request in enumerate(build_requests(args, int(args.rate * args.duration))):
        scheduled = started + index / args.rate
        if scheduled > time.perf_counter():
            await asyncio.sleep(scheduled - time.perf_counter())
        tasks.append(asyncio.create_task(one(request, scheduled)))
    _done, unfinished = await asyncio.wait(tasks, timeout=GRACE_SECONDS)
    for task in unfinished:
        task.cancel()
    if unfinished:
        recorder.statuses["unanswered at the end"] += len(unfinished)
    summary = recorder.summary(time.perf_counter() - started, f"flood rate={args.rate:g}/s")
    summary["attempts_per_second"] = round(len(recorder.latencies) / args.duration, 1)
    return summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.login_flood", description=__doc__)
    parser.add_argument("--url", required=True, help="server base URL")
    parser.add_argument("--email", required=True, help="the real account to guess at")
    parser.add_argument("--rate", type=float, default=200.0, help="attempts per second")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    json.dump(asyncio.run(flood(args)), sys.stdout)


if __name__ == "__main__":
    main()
