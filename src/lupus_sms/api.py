"""Mounts every domain's router. Add a domain here, not in main.py."""

from fastapi import FastAPI

from lupus_sms import health
from lupus_sms.messaging import webhooks


def include_routers(app: FastAPI) -> None:
    app.include_router(health.router)
    app.include_router(webhooks.router)
