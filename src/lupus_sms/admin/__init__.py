"""The admin console at /admin: server-rendered pages, a little plain JavaScript."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request


def mount(app: FastAPI) -> None:
    """Add the admin routes, static files, security headers and the live content source."""
    from lupus_sms.admin import (
        routes_account,
        routes_auth,
        routes_content,
        routes_export,
        routes_oversight,
        routes_patients,
    )
    from lupus_sms.admin.auth import ACCESS
    from lupus_sms.admin.pages import render
    from lupus_sms.console.mounting import mount_console

    modules = (routes_auth, routes_account, routes_content, routes_export, routes_oversight)

    def _page(request: Request, status: int, title: str, message: str):
        return render(request, "message.html", status, title=title, message=message, link="/admin")

    mount_console(
        app,
        access=ACCESS,
        routers=[module.router for module in (*modules, routes_patients)],
        static=Path(__file__).parent / "static",
        static_name="admin-static",
        page=_page,
    )
