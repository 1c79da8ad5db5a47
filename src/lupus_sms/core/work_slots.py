"""A bound on how much slow CPU work (password hashing) one process does at once.

Each Argon2 check takes a fraction of a second of CPU and 64 MiB. Unbounded, a flood of
sign-in attempts fills the thread pool and the CPU, and webhooks wait behind it. `WorkSlots`
lets `size` jobs run, lets a few more wait briefly (a clinic's morning sign-ins), and turns
the rest away at once with `Busy`, which the consoles answer 429 with Retry-After, and
`TurnAwayWhenFull` answers before the request is even read.

Waiting is a coroutine polling every few milliseconds rather than an asyncio primitive: the
slots belong to the app, and tests run one app on several event loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TypeVar

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

POLL_SECONDS = 0.01
LOW_PRIORITY = 10  # a nice value: yields the CPU to the web process's other threads
T = TypeVar("T")


class Busy(Exception):
    """Every slot is taken and the queue is full, or the wait ran out."""

    def __init__(self, retry_after: int):
        super().__init__("busy")
        self.retry_after = retry_after


class WorkSlots:
    def __init__(self, size: int, *, max_waiting: int | None = None, wait_seconds: float = 1.0):
        self.size = size
        self.max_waiting = 4 * size if max_waiting is None else max_waiting
        self.wait_seconds = wait_seconds
        self.running = 0
        self.waiting = 0

    @property
    def full(self) -> bool:
        """Every slot taken and the queue full: a new job would be turned away at once."""
        return self.running >= self.size and self.waiting >= self.max_waiting

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Run the block in a slot, or raise Busy."""
        if self.running >= self.size:
            await self._wait_for_a_slot()
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1

    async def _wait_for_a_slot(self) -> None:
        if self.full:
            raise Busy(retry_after=2)
        self.waiting += 1
        try:
            deadline = time.monotonic() + self.wait_seconds
            while self.running >= self.size:
                if time.monotonic() >= deadline:
                    raise Busy(retry_after=2)
                await asyncio.sleep(POLL_SECONDS)
        finally:
            self.waiting -= 1


async def run_at_low_priority(function: Callable[..., T], *args) -> T:
    """Run `function(*args)` in a thread of low CPU priority (nice 10 on Linux, inherited by
    the threads Argon2 starts): when the CPU is short, webhooks get it before password
    checks do. The threads are the process's, shared by every app (tests build many)."""
    loop = asyncio.get_running_loop()
    call = functools.partial(contextvars.copy_context().run, function, *args)
    return await loop.run_in_executor(_low_priority_threads(), call)


@functools.cache
def _low_priority_threads() -> ThreadPoolExecutor:
    # Sized for any number of slots; the app's WorkSlots bound how many run at once.
    return ThreadPoolExecutor(
        max_workers=32, thread_name_prefix="low-priority", initializer=_lower_priority
    )


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: as is
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOW_PRIORITY)


class TurnAwayWhenFull:
    """ASGI middleware: a POST to one of `paths` while `slots` are full is answered 429 with
    Retry-After before routing, middleware or form parsing spend anything on it, so that a
    flood of them leaves the event loop to everyone else."""

    def __init__(self, app: ASGIApp, *, slots: WorkSlots, paths: frozenset[str], body: str):
        self.app, self.slots, self.paths, self.body = app, slots, paths, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] in self.paths
            and self.slots.full
        ):
            response = PlainTextResponse(self.body, 429, headers={"Retry-After": "2"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
