"""Times as clinic staff read them: local wall-clock time with the zone named."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

# Zones most clinics pick, offered first in the time zone select.
COMMON_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
)


def local_time(value: datetime | None, zone: str) -> str:
    """e.g. "Tue 10 Mar 2026, 11:00 EDT" (the caller names the zone once on the page)."""
    if value is None:
        return "-"
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def datetime_local_value(value: datetime, zone: str) -> str:
    """The value an `<input type=datetime-local>` shows for `value` in `zone`."""
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def local_day(value: datetime, zone: str) -> str:
    """An all-day date, e.g. "Thu 30 Apr 2026"."""
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y}"
