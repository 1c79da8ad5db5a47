"""IANA time zone names, checked against the installed tz database, and local wall-clock
times turned into instants."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from functools import lru_cache

from lupus_sms.core.errors import ValidationFailed


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    # Checking the list (not ZoneInfo(name)) also refuses paths such as "../etc/passwd" and
    # directory names such as "America", which ZoneInfo reports with varying exceptions.
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(name: str, *, field: str = "timezone") -> str:
    """Return `name` if it is an IANA zone such as America/New_York, else ValidationFailed."""
    if not isinstance(name, str) or name not in _known_zones():
        raise ValidationFailed(
            f"{name!r} is not an IANA time zone such as America/New_York", field=field
        )
    return name


def local_to_utc(value: datetime, zone_name: str, *, field: str) -> datetime:
    """`value` in UTC; without an offset it is wall-clock time in `zone_name`.

    A wall time the zone's clocks skip (02:30 on the night daylight saving starts in New York)
    is refused: zoneinfo would quietly move it by the gap, and a visit an hour off is worse
    than a question. A repeated hour (the night it ends) means its first occurrence."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    zone = zoneinfo.ZoneInfo(zone_name)
    instant = value.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != value:
        raise ValidationFailed(
            f"{value:%Y-%m-%d %H:%M} does not exist in {zone_name}: the clocks skip it "
            "(daylight saving); give a time before or after the change",
            field=field,
        )
    return instant
