"""Logging set-up with a filter that masks phone numbers in every record, whoever logs it.

The filter masks the message and the exception text (the traceback) alike: an exception's
message can carry a number (a database's "Key (e164)=(+1202...)"). What the database says
about a failing row (PostgreSQL's DETAIL lines, which can quote a whole message) is dropped,
and engines never print statement parameters (core/db.py, `hide_parameters`).
"""

from __future__ import annotations

import logging
import re

# Phone numbers, not any run of digits: a "+" and 8 to 15 digits (separators allowed), the
# North American shapes (202) 555-0187, 202-555-0187, 1 202 555 0187, or a bare run of 10
# to 15 digits. Dates and times ("2026-11-28 04") have none of these shapes.
_SEPARATOR = r"[\s.()-]{0,2}"
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    rf"\+\d(?:{_SEPARATOR}\d){{7,14}}"
    r"|(?:1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}"
    r"|\d{10,15}"
    r")(?!\w)"
)
_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.MULTILINE)
_PARAMETERS = re.compile(r"^\[parameters: .*$", re.MULTILINE)


def mask_text(text: str) -> str:
    """Phone numbers replaced by *** and their last two digits."""

    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return f"***{digits[-2:]}"

    return _PHONE.sub(_mask, text)


def mask_exception_text(text: str) -> str:
    """A traceback with phone numbers masked and what a database quotes of its rows dropped."""
    text = _DETAIL.sub(r"\1 (hidden: it may quote patient data)", text)
    text = _PARAMETERS.sub("[parameters hidden]", text)
    return mask_text(text)


class PhoneMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        _mask_exception(record)
        return True


def _mask_exception(record: logging.LogRecord) -> None:
    """Formatters print `exc_text` when set; the exception object itself is dropped so that no
    handler formats it again unmasked."""
    if record.exc_info:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
    if record.exc_text:
        record.exc_text = mask_exception_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)


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
