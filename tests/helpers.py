"""Small assertions shared by tests."""

from __future__ import annotations

import html
import re


def reply_text(response) -> str:
    """The text of the TwiML <Message> in a webhook response ("" when it answers nothing)."""
    assert response.status_code == 200, response.text
    bodies = re.findall(r"<Message[^>]*>(.*?)</Message>", response.text, re.S)
    return html.unescape(bodies[0]) if bodies else ""
