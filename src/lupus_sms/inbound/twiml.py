"""The webhook's TwiML answer, written as a string: what the SDK's MessagingResponse renders
for the same reply (tests/inbound/test_fast_path.py compares them), without building an XML
tree per text. The route and the fast path both answer with it."""

from __future__ import annotations

from xml.sax.saxutils import escape

from lupus_sms.core.config import Settings
from lupus_sms.inbound.service import InboundResult

_XML = '<?xml version="1.0" encoding="UTF-8"?>'
_EMPTY = _XML + "<Response />"
# As ElementTree writes attribute values (the SDK renders TwiML with it).
_ATTRIBUTE = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


def twiml_reply(result: InboundResult, settings: Settings) -> str:
    """The TwiML the SDK's MessagingResponse renders for the same reply, as a string."""
    if not result.reply_body:
        return _EMPTY
    text = escape(result.reply_body)
    if result.reply_message_id is None:
        return f"{_XML}<Response><Message>{text}</Message></Response>"
    action = settings.link(f"/twilio/status?message_id={result.reply_message_id}")
    return (
        f'{_XML}<Response><Message action="{escape(action, _ATTRIBUTE)}" method="POST">'
        f"{text}</Message></Response>"
    )
