"""SMS transports: one small interface, a real Twilio implementation, a console one for
development and a recording fake for tests (the shape of httpx's transports).

TransportError
 +-- TemporaryTransportError     not sent, retry later (no connection, 429, 5xx, 30001, 63018)
 +-- PermanentTransportError     not sent, never retry (21610 unsubscribed, 21211 invalid ...)
 +-- UncertainTransportError     the request may have reached Twilio (a read timeout, a
                                 connection lost mid-call): recovery asks before resending
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from lupus_sms.core.config import Settings
from lupus_sms.core.statuses import MessageStatus

logger = logging.getLogger(__name__)

# Twilio error codes that mean "try again later": queue overflow, rate limits.
TEMPORARY_TWILIO_CODES = frozenset({20429, 30001, 63018, 20003503})
# Error codes after which the patient's own status changes.
OPTED_OUT_CODES = frozenset({21610})
UNDELIVERABLE_CODES = frozenset({21211, 21614, 21612, 21408})
# The SDK's HTTP client waits forever by default: a silent network would stall the worker's
# tick. Well below the send lease, so a slow call ends before recovery takes the row over.
HTTP_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class OutgoingSms:
    to: str
    body: str
    sender: str | None  # Messaging Service SID (MG...) or From number; None: the default
    status_callback: str | None
    validity_seconds: int | None


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str  # Twilio's status at hand-over, usually "queued" or "accepted"


@dataclass(frozen=True)
class FoundMessage:
    """A message the provider reports, used to recover a send whose outcome is unknown."""

    sid: str
    to: str
    body: str
    status: str
    created_at: datetime | None


class TransportError(Exception):
    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.code = code


class TemporaryTransportError(TransportError):
    def __init__(self, message: str, *, code: str | None = None, retry_after: float | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class PermanentTransportError(TransportError):
    pass


class UncertainTransportError(TransportError):
    """Twilio may have created the message; only a lookup can tell (scheduling/recovery.py)."""


class SmsTransport(Protocol):
    name: str
    # Whether `find_sent` can tell what went out: if not, a send whose result was lost (a
    # killed worker) can only be sent again, and the dispatcher records each send at once.
    finds_lost_sends: bool

    def send(self, sms: OutgoingSms) -> SendResult: ...

    def find_sent(self, *, to: str, since: datetime) -> list[FoundMessage] | None:
        """Messages to `to` since `since`; None when this transport cannot tell."""
        ...


class ConsoleTransport:
    """Development: prints the text on stdout (never through logging)."""

    name = "console"
    finds_lost_sends = False

    def send(self, sms: OutgoingSms) -> SendResult:
        sid = f"CONSOLE{uuid.uuid4().hex}"  # unique across processes, like Twilio's SIDs
        print(f"--- SMS to {sms.to} from {sms.sender or 'default sender'} ---\n{sms.body}\n---")
        return SendResult(sid=sid, status=MessageStatus.SENT)

    def find_sent(self, *, to: str, since: datetime) -> list[FoundMessage] | None:
        return None  # printed texts leave no record: a lost console send is simply sent again


@dataclass
class FakeTransport:
    """Records what would be sent; `fail_with` queues errors raised by the next sends."""

    name: str = "fake"
    finds_lost_sends: bool = True
    sent: list[OutgoingSms] = field(default_factory=list)
    fail_with: list[Exception] = field(default_factory=list)
    remote: list[FoundMessage] = field(default_factory=list)
    on_send: object = None  # optional callable(OutgoingSms), e.g. to simulate a crash

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, sms: OutgoingSms) -> SendResult:
        with self._lock:  # several workers may share one fake in a test
            if self.fail_with:
                raise self.fail_with.pop(0)
            if callable(self.on_send):
                self.on_send(sms)
            self.sent.append(sms)
            sid = f"SMFAKE{len(self.remote) + 1:026d}"
            self.remote.append(FoundMessage(sid, sms.to, sms.body, "queued", None))
        return SendResult(sid=sid, status=MessageStatus.QUEUED)

    def find_sent(self, *, to: str, since: datetime) -> list[FoundMessage] | None:
        return [found for found in self.remote if found.to == to]


class TwilioTransport:
    """Sends through the Twilio SDK. The SDK's own HTTP client logs request parameters (the
    number and the body) at INFO, so its logger is raised to WARNING."""

    name = "twilio"
    finds_lost_sends = True  # Twilio's message list (scheduling/recovery.py)

    def __init__(self, client: Client, *, default_sender: str | None):
        self.client = client
        self.default_sender = default_sender
        self._headers = _HeaderRecorder(client.http_client)
        client.http_client = self._headers
        logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

    @classmethod
    def from_settings(cls, settings: Settings, http_client: HttpClient | None = None):
        client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=http_client or TwilioHttpClient(timeout=HTTP_TIMEOUT_SECONDS),
        )
        sender = settings.twilio_messaging_service_sid or settings.twilio_from_number
        return cls(client, default_sender=sender)

    def send(self, sms: OutgoingSms) -> SendResult:
        sender = sms.sender or self.default_sender
        options: dict[str, object] = {"to": sms.to, "body": sms.body}
        if sender and sender.startswith("MG"):
            options["messaging_service_sid"] = sender
        else:
            options["from_"] = sender
        if sms.status_callback:
            options["status_callback"] = sms.status_callback
        if sms.validity_seconds:
            options["validity_period"] = max(1, min(36000, sms.validity_seconds))
        try:
            created = self.client.messages.create(**options)
        except TwilioRestException as exc:
            raise self._classify(exc) from None
        except (requests.RequestException, OSError) as exc:
            text = f"network error: {type(exc).__name__}"
            if _never_left(exc):
                raise TemporaryTransportError(text) from None
            raise UncertainTransportError(text) from None
        return SendResult(sid=created.sid, status=created.status or "queued")

    def find_sent(self, *, to: str, since: datetime) -> list[FoundMessage] | None:
        # Not `date_sent_after`: a message still queued at Twilio has no DateSent yet, and
        # a filter on it would miss exactly the send we are looking for (and send it again).
        # The newest 50 to the number, filtered on when Twilio accepted them, instead.
        try:
            found = self.client.messages.list(to=to, limit=50)
        except (TwilioRestException, requests.RequestException, OSError) as exc:
            raise TemporaryTransportError(f"lookup failed: {type(exc).__name__}") from None
        return [
            FoundMessage(item.sid, item.to, item.body or "", item.status, item.date_created)
            for item in found
            if item.date_created is None or item.date_created >= since
        ]

    def _classify(self, exc: TwilioRestException) -> TransportError:
        code = exc.code if isinstance(exc.code, int) else None
        text = f"Twilio HTTP {exc.status} error {code}"
        if exc.status == 429 or exc.status >= 500 or code in TEMPORARY_TWILIO_CODES:
            retry_after = _seconds(self._headers.last_header("Retry-After"))
            return TemporaryTransportError(text, code=_code(code), retry_after=retry_after)
        return PermanentTransportError(text, code=_code(code or exc.status))


class _HeaderRecorder(HttpClient):
    """Wraps the SDK's HTTP client to keep the last response's headers (Retry-After), which
    TwilioRestException drops."""

    def __init__(self, inner: HttpClient):
        super().__init__(inner.logger, is_async=False, timeout=inner.timeout)
        self.inner = inner
        self._local = threading.local()

    def request(self, *args, **kwargs):
        response = self.inner.request(*args, **kwargs)
        self._local.headers = dict(response.headers or {})
        return response

    def last_header(self, name: str) -> str | None:
        headers = getattr(self._local, "headers", {})
        return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _never_left(exc: Exception) -> bool:
    """True when no connection to Twilio was made (refused, unresolvable, connect timeout), so
    the request cannot have been received; any later failure leaves the outcome unknown."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and exc.args:
        return isinstance(getattr(exc.args[0], "reason", None), NewConnectionError)
    return False


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _code(code: int | None) -> str | None:
    return str(code) if code is not None else None


def build_transport(settings: Settings) -> SmsTransport:
    """The transport `settings` configure. Built once where a process is wired (main.py,
    worker_cli.py) and handed to the tick; nothing here keeps one."""
    if settings.sms_transport == "twilio":
        return TwilioTransport.from_settings(settings)
    return ConsoleTransport()
