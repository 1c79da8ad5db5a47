"""Login flood, run in its own process: `python -m bench.login_flood --help`.

Unauthenticated sign-in attempts to the admin console, as fast as `--concurrency`
keep-alive connections can send them: wrong passwords for one real account and for made-up
emails, each with the CSRF token of the sign-in page (as a script that read the form once
would). Prints the statuses it got as JSON. HTTP/1.1 over asyncio streams, like
bench/loadgen.py, whose connection and recorder it uses.
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
    requests = iter(build_requests(args, args.max_requests))
    recorder = Recorder()
    deadline = time.perf_counter() + args.duration

    async def client() -> None:
        connection = await Connection.open(args.url)
        for request in requests:
            if time.perf_counter() >= deadline:
                break
            connection = await send_recorded(connection, request, time.perf_counter(), recorder)
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(args.concurrency)))
    summary = recorder.summary(time.perf_counter() - started, f"flood c={args.concurrency}")
    summary["attempts_per_second"] = round(summary["requests"] / summary["seconds"], 1)
    return summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.login_flood", description=__doc__)
    parser.add_argument("--url", required=True, help="server base URL")
    parser.add_argument("--email", required=True, help="the real account to guess at")
    parser.add_argument("--concurrency", type=int, default=64, help="connections")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds")
    parser.add_argument("--max-requests", type=int, default=200_000)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    json.dump(asyncio.run(flood(args)), sys.stdout)


if __name__ == "__main__":
    main()
