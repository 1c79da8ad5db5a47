"""IANA time zone names, checked against the installed tz database."""

from __future__ import annotations

import zoneinfo
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
