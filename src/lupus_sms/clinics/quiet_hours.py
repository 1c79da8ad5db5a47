"""Quiet hours: texts go out only inside the patient's local send window (clinic setting,
default 08:00-20:00). All arithmetic is on local calendar dates, then converted to UTC, so
daylight-saving changes move the UTC instant and never the local hour.

The day is 08:00-20:00 local (`DAY_START`, `DAY_END`); the rest is the night, when we never
text (safety and compliance replies aside, scheduling/precheck.py). A clinic's window may be
narrower, never wider, and a plan's `send_at` falls inside it: both are refused otherwise
(`night_problem`), and a window stored before that rule is held inside the day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_START, DAY_END = time(8, 0), time(20, 0)
DEFAULT_START, DEFAULT_END = DAY_START, DAY_END


def night_problem(at: time, *, closes: bool = False) -> str | None:
    """Why sending cannot start (or, `closes`, stop) at local time `at`; None in the day."""
    in_day = DAY_START < at <= DAY_END if closes else DAY_START <= at < DAY_END
    if in_day:
        return None
    return (
        f"{at:%H:%M} is at night: texts go out between {DAY_START:%H:%M} and "
        f"{DAY_END:%H:%M} local time"
    )


@dataclass(frozen=True)
class SendWindow:
    timezone: str
    start: time = DEFAULT_START
    end: time = DEFAULT_END

    @classmethod
    def of(cls, timezone: str, start: str | None, end: str | None) -> SendWindow:
        begin, finish = parse_hhmm(start, DEFAULT_START), parse_hhmm(end, DEFAULT_END)
        begin, finish = max(begin, DAY_START), min(finish, DAY_END)  # never into the night
        if begin >= finish:  # a window across midnight is not supported: use the default
            begin, finish = DEFAULT_START, DEFAULT_END
        return cls(timezone, begin, finish)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, day: date, at: time) -> datetime:
        """A local wall-clock time on `day`, as a UTC instant."""
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def contains(self, instant: datetime) -> bool:
        local = instant.astimezone(self.zone)
        return self.start <= local.time() < self.end

    def next_open(self, instant: datetime) -> datetime:
        """`instant` if the window is open then, else the start of the next window."""
        local_day = instant.astimezone(self.zone).date()
        if self.contains(instant):
            return instant
        opening = self.local(local_day, self.start)
        if instant < opening:
            return opening
        return self.local(local_day + timedelta(days=1), self.start)

    def closes_after(self, instant: datetime) -> datetime:
        """When the window that is open at `instant` closes."""
        return self.local(instant.astimezone(self.zone).date(), self.end)


def parse_hhmm(value: str | None, default: time) -> time:
    if not value:
        return default
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        return default
