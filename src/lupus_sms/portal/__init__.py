"""The clinic portal at /portal: the clinic API's powers for coordinators, nurses and clinic
admins, on the same services, as server-rendered pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request


def mount(app: FastAPI) -> None:
    """Add the portal routes, static files and the same security headers as the admin."""
    from lupus_sms.console.mounting import mount_console
    from lupus_sms.portal import (
        routes_alerts,
        routes_auth,
        routes_keys,
        routes_patients,
        routes_quick_replies,
        routes_settings,
        routes_threads,
        routes_users,
    )
    from lupus_sms.portal.auth import ACCESS
    from lupus_sms.portal.pages import message_page

    modules = (routes_auth, routes_users, routes_settings, routes_keys, routes_quick_replies,
               routes_threads)  # fmt: skip

    def _page(request: Request, status: int, title: str, message: str):
        return message_page(request, title, message, status, link="/portal")

    mount_console(
        app,
        access=ACCESS,
        routers=[module.router for module in (*modules, routes_patients, routes_alerts)],
        static=Path(__file__).parent / "static",
        static_name="portal-static",
        page=_page,
    )
