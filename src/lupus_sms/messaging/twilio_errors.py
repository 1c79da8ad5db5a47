"""What Twilio's error codes mean, in a few words, for people reading the dashboard.

Only the codes an SMS service meets in practice; any other code links to Twilio's page.
"""

from __future__ import annotations

ERROR_PAGE = "https://www.twilio.com/docs/api/errors/{code}"

MEANINGS = {
    "21211": "Invalid 'To' number",
    "21408": "Sending to this region is not enabled on the account",
    "21610": "The recipient texted STOP (unsubscribed)",
    "21612": "The 'To' number cannot be reached by SMS",
    "21614": "The 'To' number is not a mobile number",
    "30001": "Queue overflow: too many messages queued for the sender",
    "30002": "Twilio account suspended",
    "30003": "Unreachable handset: phone off, no signal or cannot take SMS",
    "30004": "Message blocked by the recipient or the carrier",
    "30005": "Unknown handset: the number does not exist or is inactive",
    "30006": "Landline or unreachable carrier",
    "30007": "Filtered by the carrier as spam or against its rules",
    "30008": "Unknown error from the carrier",
    "30034": "Sent from a US number not registered for A2P 10DLC",
    "30036": "Validity period expired before delivery",
}


def meaning(code: str | None) -> str:
    if not code or code == "none":
        return "No error code given"
    return MEANINGS.get(code, "See Twilio's description")


def error_page(code: str | None) -> str | None:
    """Twilio's page for a numeric error code (None for anything else)."""
    return ERROR_PAGE.format(code=code) if code and code.isdigit() else None
