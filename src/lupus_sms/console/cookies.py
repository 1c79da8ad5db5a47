"""The two consoles' cookies, side by side. Names, path and CSRF salts differ, and each
cookie has its console's path, so a session of one console is never used in the other. The
admin console starts portal sessions too (a service admin opening a clinic's portal), which
is why both live here rather than in their console's package."""

from __future__ import annotations

from lupus_sms.core.signed_cookies import CookieSession

ADMIN_COOKIES = CookieSession(
    name="admin",
    session_cookie="lupus_admin_session",
    csrf_cookie="lupus_admin_csrf",
    path="/admin",
    state_key="csrf_token",
)
PORTAL_COOKIES = CookieSession(
    name="portal",
    session_cookie="lupus_portal_session",
    csrf_cookie="lupus_portal_csrf",
    path="/portal",
    state_key="portal_csrf_token",
)
