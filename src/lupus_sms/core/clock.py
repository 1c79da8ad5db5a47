"""Injectable time: the code asks a clock, so tests and `run-due --now` can set the instant."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that stays where it is put; `advance` moves it."""

    def __init__(self, at: datetime):
        self.at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, **timedelta_kwargs) -> None:
        from datetime import timedelta

        self.at = self.at + timedelta(**timedelta_kwargs)


system_clock = Clock()


def get_clock() -> Clock:
    """FastAPI dependency; tests override it with a FixedClock."""
    return system_clock
