"""A bound on how much slow CPU work (password hashing) one process does at once.

Each Argon2 check takes a fraction of a second of CPU and 64 MiB. Unbounded, a flood of
sign-in attempts fills the thread pool and the CPU, and webhooks wait behind it. `WorkSlots`
lets `size` jobs run, lets a few more wait briefly (a clinic's morning sign-ins), and turns
the rest away at once with `Busy`, which the consoles answer 429 with Retry-After.

Waiting is a coroutine polling every few milliseconds rather than an asyncio primitive: the
slots belong to the app, and tests run one app on several event loops.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

POLL_SECONDS = 0.01


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
        if self.waiting >= self.max_waiting:
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
