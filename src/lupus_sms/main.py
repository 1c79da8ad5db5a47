"""The ASGI application: `uvicorn lupus_sms.main:app` or `lupus-sms serve`."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from lupus_sms.api import include_routers
from lupus_sms.core.config import get_settings
from lupus_sms.core.errors import install_error_handlers

logger = logging.getLogger(__name__)


def create_app() -> FastAPI:
    settings = get_settings()
    settings.check_startable()
    app = FastAPI(
        title="lupus-sms",
        version="0.1.0",
        description="SMS education, consent, reminders and safety escalation for lupus "
        "stem-cell treatment programmes.",
    )
    install_error_handlers(app)
    include_routers(app)
    if not settings.signatures_required:
        logger.warning(
            "UNSIGNED WEBHOOKS ACCEPTED: no TWILIO_AUTH_TOKEN and the console transport. "
            "This is a local toy; set Twilio credentials before exposing it."
        )
    return app


def __getattr__(name: str):
    # `lupus_sms.main:app` builds the app on first use, so importing the module has no effects.
    if name == "app":
        return create_app()
    raise AttributeError(name)
