"""Mounts every domain's router. Add a domain here, not in main.py."""

from fastapi import Depends, FastAPI

from lupus_sms import admin, health, home, metrics, portal
from lupus_sms.alerts import router as alerts_router
from lupus_sms.checkins import router as checkins_router
from lupus_sms.core.text_input import refusing_crafted_input
from lupus_sms.enrollment import router as enrollment_router
from lupus_sms.inbound import router as twilio_router
from lupus_sms.scheduling import router as scheduling_router
from lupus_sms.threads import router as threads_router

API_PREFIX = "/api/v1"  # every route under it needs a clinic API key (CurrentClinic)
# Any operation with a body can meet one that is not JSON, UTF-8 or multipart at all, or too big.
API_RESPONSES: dict[int | str, dict] = {
    400: {"description": "Malformed request body"},
    401: {"description": "Missing, unknown or revoked API key"},
    413: {"description": "Request body too large"},
}


def include_routers(app: FastAPI) -> None:
    app.include_router(home.router)
    app.include_router(health.router)
    metrics.mount(app)  # GET /metrics and the webhook timing
    app.include_router(twilio_router.router)  # Twilio's webhooks, signed by Twilio
    for router in (
        enrollment_router.router,
        scheduling_router.router,
        alerts_router.router,
        checkins_router.router,
        threads_router.router,
    ):
        app.include_router(
            router,
            prefix=API_PREFIX,
            responses=API_RESPONSES,
            dependencies=[Depends(refusing_crafted_input())],
        )
    admin.mount(app)
    portal.mount(app)
