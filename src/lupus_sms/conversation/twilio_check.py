"""`lupus-sms twilio check`: what can be verified of the Twilio setup, and what cannot.

Through Twilio's API: the account (active, not a trial), every sender in use (the default
and each clinic's own: the number or Messaging Service exists, its incoming webhook is
ours, a service has numbers and a US A2P registration) and the keywords the A2P campaign
lists. Advanced Opt-Out's keywords and texts are not readable through the API, so they are
checked from traffic instead: an inbound COMENZAR that Twilio flagged with OptOutType was
taken by Advanced Opt-Out; one it did not flag leaves a number Twilio blocks blocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client

from lupus_sms.clinics.models import Clinic
from lupus_sms.conversation.compliance import (
    SPANISH_HELP_WORDS,
    SPANISH_OPT_IN_WORDS,
    SPANISH_OPT_OUT_WORDS,
)
from lupus_sms.core.config import Settings
from lupus_sms.messaging.models import Message

OK, WARN, FAIL, INFO = "ok", "warn", "fail", "info"
EVIDENCE_DAYS = 30
# The Spanish words the setup adds to Advanced Opt-Out, with the OptOutType Twilio sends.
# SI is left out on purpose: it is our consent YES, and Twilio would answer it too.
SPANISH_SETUP_WORDS = {
    **dict.fromkeys(sorted(SPANISH_OPT_OUT_WORDS), "STOP"),
    **dict.fromkeys(sorted(SPANISH_OPT_IN_WORDS - {"SI", "SÍ"}), "START"),
    **dict.fromkeys(sorted(SPANISH_HELP_WORDS), "HELP"),
}


@dataclass(frozen=True)
class Finding:
    status: str  # ok | warn | fail | info
    subject: str
    detail: str


def run_checks(
    settings: Settings, db: Session, *, now: datetime, http_client: HttpClient | None = None
) -> list[Finding]:
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return [no_credentials()]
    client = Client(
        settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client
    )
    try:
        findings = [_account(client, settings.twilio_account_sid)]
        if findings[0].status == FAIL:
            return findings
        expected = f"{settings.public_base_url}/twilio/sms"
        for sender in _senders(settings, db):
            findings += _sender(client, sender, expected)
    except TwilioRestException as exc:
        findings.append(Finding(FAIL, "Twilio API", f"HTTP {exc.status}: {exc.msg}"))
    except (requests.RequestException, OSError) as exc:
        findings.append(Finding(FAIL, "Twilio API", f"not reachable ({type(exc).__name__})"))
    return findings + advanced_opt_out_evidence(db, now=now)


def no_credentials() -> Finding:
    return Finding(
        FAIL,
        "credentials",
        "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set, so nothing can be checked "
        "through Twilio's API (and texts go to the console transport, not to phones). Set "
        "them, with TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER, and run this again.",
    )


def _account(client: Client, sid: str) -> Finding:
    try:
        account = client.api.v2010.accounts(sid).fetch()
    except TwilioRestException as exc:
        if exc.status in (401, 403, 404):
            return Finding(FAIL, "account", f"Twilio refused these credentials (HTTP {exc.status})")
        raise
    if account.status != "active":
        return Finding(FAIL, "account", f"{account.friendly_name}: status {account.status}")
    if account.type == "Trial":
        return Finding(
            WARN,
            "account",
            f"{account.friendly_name} is a trial account: it texts verified numbers only, "
            "with a trial prefix that breaks every segment count",
        )
    return Finding(OK, "account", f"{account.friendly_name}: active")


def _senders(settings: Settings, db: Session) -> list[str]:
    default = settings.twilio_messaging_service_sid or settings.twilio_from_number
    own = db.scalars(select(Clinic.sender).where(Clinic.sender.is_not(None))).all()
    return list(dict.fromkeys([s for s in (default, *own) if s]))


def _sender(client: Client, sender: str, expected: str) -> list[Finding]:
    if sender.startswith("MG"):
        return _service(client, sender, expected)
    found = client.incoming_phone_numbers.list(phone_number=sender, limit=1)
    if not found:
        return [Finding(FAIL, sender, "this number is not in the Twilio account")]
    return [_number_webhook(found[0], expected, subject=sender)]


def _number_webhook(number, expected: str, *, subject: str) -> Finding:
    url = (number.sms_url or "").split("#", 1)[0]
    if url != expected:
        return Finding(
            FAIL,
            subject,
            f"A message comes in: {url or '(none)'}; it should be POST {expected}",
        )
    return Finding(OK, subject, f"incoming texts reach {expected}")


def _service(client: Client, sid: str, expected: str) -> list[Finding]:
    try:
        service = client.messaging.v1.services(sid).fetch()
    except TwilioRestException as exc:
        if exc.status == 404:
            return [Finding(FAIL, sid, "no such Messaging Service in the account")]
        raise
    subject = f"{sid} ({service.friendly_name})"
    numbers = client.messaging.v1.services(sid).phone_numbers.list(limit=50)
    findings = [
        Finding(OK, subject, f"{len(numbers)} sender number(s)")
        if numbers
        else Finding(FAIL, subject, "has no sender numbers: add the clinic's number to it")
    ]
    if service.use_inbound_webhook_on_number:
        for entry in numbers:
            number = client.incoming_phone_numbers(entry.sid).fetch()
            findings.append(_number_webhook(number, expected, subject=entry.phone_number))
    else:
        url = (service.inbound_request_url or "").split("#", 1)[0]
        status = OK if url == expected else FAIL
        findings.append(Finding(status, subject, f"incoming webhook {url or '(none)'}"))
    findings += _campaign_keywords(client, sid, subject, service.us_app_to_person_registered)
    return findings


def _campaign_keywords(client: Client, sid: str, subject: str, registered) -> list[Finding]:
    """The US A2P campaign lists the keywords carriers were told about."""
    if not registered:
        return [Finding(WARN, subject, "no US A2P 10DLC campaign registered: US carriers filter")]
    campaigns = client.messaging.v1.services(sid).us_app_to_person.list(limit=5)
    listed = {
        word.strip().upper()
        for campaign in campaigns
        for words in (campaign.opt_in_keywords, campaign.opt_out_keywords, campaign.help_keywords)
        for word in words or ()
    }
    missing = [word for word in SPANISH_SETUP_WORDS if word not in listed]
    if campaigns and missing:
        return [Finding(WARN, subject, f"the A2P campaign does not list {', '.join(missing)}")]
    return [Finding(OK, subject, "US A2P campaign registered")]


def advanced_opt_out_evidence(db: Session, *, now: datetime) -> list[Finding]:
    """Which Spanish words Twilio took, from the last EVIDENCE_DAYS of inbound texts."""
    findings = [
        Finding(
            INFO,
            "Advanced Opt-Out",
            "Twilio's API does not show its keywords or texts; checked from traffic instead",
        )
    ]
    seen = _last_seen(db, since=now - timedelta(days=EVIDENCE_DAYS))
    for word, kind in SPANISH_SETUP_WORDS.items():
        flagged, unflagged = seen.get(word, (None, None))
        findings.append(_word_finding(word, kind, flagged, unflagged))
    return findings


def _word_finding(word: str, kind: str, flagged, unflagged) -> Finding:
    if unflagged and (flagged is None or unflagged > flagged):
        return Finding(
            FAIL,
            word,
            f"texted {unflagged:%Y-%m-%d} without OptOutType: Advanced Opt-Out does not know "
            f"it, so Twilio does not take it as {kind}",
        )
    if flagged:
        return Finding(OK, word, f"Twilio took it as {kind} on {flagged:%Y-%m-%d}")
    return Finding(
        WARN,
        word,
        f"not texted in {EVIDENCE_DAYS} days: from a test phone text STOP, then {word} "
        "(Twilio answers with the Advanced Opt-Out text), and run this again",
    )


def _last_seen(db: Session, *, since: datetime) -> dict[str, tuple]:
    """word -> (last time Twilio flagged it, last time it did not)."""
    body = func.upper(func.trim(Message.body))
    query = (
        select(body, Message.opt_out_type.is_not(None), func.max(Message.created_at))
        .where(
            Message.direction == "inbound",
            Message.created_at >= since,
            body.in_(list(SPANISH_SETUP_WORDS)),
        )
        .group_by(body, Message.opt_out_type.is_not(None))
    )
    seen: dict[str, list] = {}
    for word, flagged, last in db.execute(query):
        seen.setdefault(word, [None, None])[0 if flagged else 1] = last
    return {word: (times[0], times[1]) for word, times in seen.items()}
