"""Logging set-up with a filter that masks phone numbers in every record, whoever logs it.

The filter masks the message and the exception text (the traceback) alike: an exception's
message can carry a number (a database's "Key (e164)=(+1202...)"). What the database says
about a failing row (PostgreSQL's DETAIL lines, which can quote a whole message) is dropped,
and engines never print statement parameters (core/db.py, `hide_parameters`).
"""

from __future__ import annotations

import logging
import logging.config
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


class AccessPathFilter(logging.Filter):
    """uvicorn's access lines without the query string: a webhook misconfigured as GET would
    put the sender's number and the text into every line ("?From=%2B1617...&Body=...")."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def install_phone_masking() -> None:
    """Mask phone numbers in whatever handlers exist (the app run by a bare `uvicorn`, too)."""
    for name in (None, "uvicorn", "uvicorn.access", "uvicorn.error", "apscheduler"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, PhoneMaskingFilter) for f in handler.filters):
                handler.addFilter(PhoneMaskingFilter())
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessPathFilter) for f in access.filters):
        access.addFilter(AccessPathFilter())


def logging_config(level: str = "INFO") -> dict:
    """The logging set-up as a `dictConfig`: what `configure_logging` applies, and what
    `serve` gives uvicorn, which applies it in each --workers process (they start with
    nothing configured, and would print bare warnings and no access lines)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"phones": {"()": PhoneMaskingFilter}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "stream": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["phones"],
            },
        },
        "root": {"handlers": ["stream"], "level": level},
        "loggers": {
            # uvicorn's own loggers go to the root's handler, masked like the rest (the app
            # adds AccessPathFilter to the access lines: install_phone_masking).
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True},
            # Migration plumbing and the scheduler's per-run lines drown what an operator
            # needs.
            "alembic": {"level": "WARNING"},
            "apscheduler.executors": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(level))
