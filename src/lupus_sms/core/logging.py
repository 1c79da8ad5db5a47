"""Logging set-up with a filter that masks phone numbers in every record, whoever logs it."""

from __future__ import annotations

import logging
import re

# E.164 and common US formats: +12025550123, (202) 555-0123, 202-555-0123, 12025550123.
_PHONE = re.compile(r"\+?\d[\d\s().-]{8,}\d")


def mask_text(text: str) -> str:
    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return f"***{digits[-2:]}" if len(digits) >= 9 else match.group(0)

    return _PHONE.sub(_mask, text)


class PhoneMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_phone_masking() -> None:
    """Mask phone numbers in whatever handlers exist (the app run by a bare `uvicorn`, too)."""
    for name in (None, "uvicorn", "uvicorn.access", "uvicorn.error", "apscheduler"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, PhoneMaskingFilter) for f in handler.filters):
                handler.addFilter(PhoneMaskingFilter())


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PhoneMaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "apscheduler"):
        for existing in logging.getLogger(name).handlers:
            existing.addFilter(PhoneMaskingFilter())
    # Migration plumbing and the scheduler's per-run lines drown what an operator needs.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
