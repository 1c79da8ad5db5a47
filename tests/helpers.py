"""Small assertions shared by tests."""

from __future__ import annotations

import html
import re
import socket


def discreet_content():
    """The live content as a number with the default privacy level reads it."""
    from lupus_sms.content.discreet import DISCREET, for_privacy
    from lupus_sms.content.service import get_content

    return for_privacy(get_content(), DISCREET)


def reply_text(response) -> str:
    """The text of the TwiML <Message> in a webhook response ("" when it answers nothing)."""
    assert response.status_code == 200, response.text
    bodies = re.findall(r"<Message[^>]*>(.*?)</Message>", response.text, re.S)
    return html.unescape(bodies[0]) if bodies else ""


PASSWORD = "correct horse battery staple"


class ConsoleBrowser:
    """One browser of a server-rendered console (/admin or /portal): its own cookies, and the
    form's CSRF token added to every post. Subclasses name the console."""

    console = ""
    default_page = ""  # where `post` reads a CSRF token unless told another page

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str | None = None) -> str:
        page = self.client.get(path or f"{self.console}/login")
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, page.text[:500]
        return match.group(1)

    def login(self, email: str, password: str = PASSWORD):
        token = self.csrf()
        return self.client.post(
            f"{self.console}/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=False,
        )

    def post(self, path: str, data: dict | None = None, *, page: str | None = None):
        token = self.csrf(page or self.default_page)
        return self.client.post(
            path, data={**(data or {}), "csrf_token": token}, follow_redirects=False
        )

    def get(self, path: str, **kwargs):
        kwargs.setdefault("follow_redirects", self.console == "/admin")
        return self.client.get(path, **kwargs)


def free_port() -> int:
    """A loopback port nothing listens on, for a server a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
