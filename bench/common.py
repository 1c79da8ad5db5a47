"""Shared helpers: throwaway databases, uvicorn in a subprocess, the load generator, output."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from lupus_sms.core.config import normalise_database_url
from lupus_sms.core.db import make_engine
from lupus_sms.core.migrations import upgrade

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
BENCH_BASE_URL = "https://sms.bench.test"
# Where throwaway PostgreSQL databases are created (the server must allow CREATE DATABASE).
DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pg_admin_url() -> str:
    return normalise_database_url(os.environ.get("BENCH_PG_URL", DEFAULT_PG_ADMIN_URL))


@contextlib.contextmanager
def fresh_database(kind: str, *, migrate: bool = True) -> Iterator[str]:
    """A new, migrated database: a temp SQLite file, or `bench_<random>` on PostgreSQL."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="lupus-bench-") as folder:
            url = f"sqlite:///{folder}/bench.db"
            if migrate:
                upgrade(url)
            yield url
        return
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment the real app runs with in every benchmark."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        TWILIO_AUTH_TOKEN=BENCH_AUTH_TOKEN,
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_FROM_NUMBER="+12025550100",
        PUBLIC_BASE_URL=BENCH_BASE_URL,
        SMS_TRANSPORT="console",
        IN_PROCESS_SCHEDULER="false",
        # Replies are never held back, so every request takes the full path (the limit
        # query itself still runs on every text).
        REPLY_LIMIT_PER_WINDOW="1000000",
        REPEAT_REPLY_LIMIT="1000000",
    )
    env.update(extra)
    return env


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by `pid` and its child processes (Linux /proc).

    On a shared machine, throughput depends on what else runs; CPU seconds per request
    depend much less on it, so the ratio of those is the steadier figure."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(stat.parent.name) == pid or int(fields[1]) == pid:
                total += (int(fields[11]) + int(fields[12])) / tick
    return total


@contextlib.contextmanager
def uvicorn_server(app: str, *, workers: int, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """Run `uvicorn <app>` on a free loopback port until the block ends; yields
    (base URL, server pid)."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base_url, process)
        yield base_url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_healthy(base_url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(base_url + "/healthz", timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{base_url}/healthz did not answer within {timeout:.0f}s")


def run_loadgen(args: list[str]) -> dict:
    """Run bench.loadgen in its own process (it must not share a CPU core's GIL with us)."""
    command = [sys.executable, "-m", "bench.loadgen", *args]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{done.stderr}")
    return json.loads(done.stdout)


def emit(result: dict, json_path: str | None) -> None:
    """Print the result as JSON (and save it when asked), so BENCHMARKS.md can be refreshed."""
    rendered = json.dumps(result, indent=2, default=str)
    print(rendered)
    if json_path:
        Path(json_path).write_text(rendered + "\n")


def ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None
