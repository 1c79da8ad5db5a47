"""The ASGI application: `uvicorn lupus_sms.main:app` or `lupus-sms serve`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime

from fastapi import FastAPI

import lupus_sms.models  # noqa: F401 - every mapper must be known before the first query
from lupus_sms.api import include_routers
from lupus_sms.api_docs import documented_app
from lupus_sms.console.signin import BUSY, PASSWORD_PATHS
from lupus_sms.content.service import get_content, read_only_session, use_database_content
from lupus_sms.core.body_limit import BodySizeLimit
from lupus_sms.core.config import Settings, get_settings
from lupus_sms.core.db import get_engine
from lupus_sms.core.errors import install_error_handlers
from lupus_sms.core.logging import install_phone_masking
from lupus_sms.core.relative_redirects import RelativeRedirects
from lupus_sms.core.request_scope import DatabaseRequestScope, roll_back_handled_errors
from lupus_sms.core.work_slots import TurnAwayWhenFull, WorkSlots
from lupus_sms.inbound.fast_path import InboundFastPath
from lupus_sms.scheduling.jobs import Senders
from lupus_sms.worker import senders_for, start_background

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, senders: Senders | None = None) -> FastAPI:
    """The app, wired: what its scheduler sends through (`senders`, default: as `settings`
    configure it) and where its content comes from are chosen here, in sight."""
    settings = settings or get_settings()
    settings.check_startable()
    # /docs and /redoc work without a public CDN (api_docs.py).
    app = documented_app(
        title="lupus-sms",
        version="0.1.0",
        description="SMS education, consent, reminders and safety escalation for lupus "
        "stem-cell treatment programmes.",
        lifespan=_lifespan(settings),
    )
    app.state.senders = senders or senders_for(settings)
    install_error_handlers(app)
    install_phone_masking()
    # Replies, pages and the admin read the live content from the database (content/ YAML
    # while it holds none): chosen here, where the app is wired, not by mounting a console.
    use_database_content(read_only_session)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body_bytes)
    include_routers(app)
    # Every handler and error page runs inside the request's database scope, which ends
    # before the response is sent.
    roll_back_handled_errors(app)
    app.add_middleware(DatabaseRequestScope, engine=get_engine)
    # Password checks at once in this process; more wait briefly or get 429 (console/signin.py),
    # answered before anything else runs when even the queue is full (the outermost layer).
    slots = app.state.password_slots = WorkSlots(settings.login_max_concurrent_hashes)
    app.add_middleware(TurnAwayWhenFull, slots=slots, paths=PASSWORD_PATHS, body=BUSY)
    # The router's trailing-slash redirects name the request's Host: made paths instead.
    app.add_middleware(RelativeRedirects)
    # Inbound texts skip the layers above, which have nothing to do for them, and the
    # routing: the same answers, less work per text (inbound/fast_path.py).
    app.add_middleware(InboundFastPath, owner=app)
    if not settings.signatures_required:
        logger.warning(
            "UNSIGNED WEBHOOKS ACCEPTED: no TWILIO_AUTH_TOKEN and the console transport. "
            "This is a local toy; set Twilio credentials before exposing it."
        )
    return app


def _lifespan(settings: Settings):
    """Background work of each web process: replaying texts spooled while the database was down,
    and (unless --no-scheduler) the scheduler tick."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from lupus_sms.core.db import get_sessionmaker
        from lupus_sms.inbound.spool import replay_periodically

        await _load_content()
        task = None
        if settings.spool_replay_seconds > 0:
            replay = replay_periodically(lambda: get_sessionmaker()(), settings=settings)
            task = asyncio.create_task(replay)
        scheduler = None
        if settings.in_process_scheduler:  # `serve` without --no-scheduler
            scheduler = start_background(settings, app.state.senders)
        app.state.scheduler_running = scheduler is not None
        app.state.scheduler_started_at = scheduler and datetime.now(UTC)  # healthz grace
        yield
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    return lifespan


async def _load_content() -> None:
    """Read and check the content before the first request: the first text after a start
    would otherwise wait for it (about half a second). A failure here is not fatal: the first
    request tries again, and says what is wrong."""
    try:
        await asyncio.to_thread(get_content)
    except Exception:
        logger.exception("content could not be loaded at start; the first request retries")


def __getattr__(name: str):
    # `lupus_sms.main:app` builds the app on first use, so importing the module has no effects.
    if name == "app":
        app = globals()["app"] = create_app()  # built once, however often it is looked up
        return app
    raise AttributeError(name)
