"""Clinic alert webhooks: signed JSON POSTs, retried with backoff until the receiver says 2xx.

Signature header, for the clinic's receiver::

    X-Lupus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>

where the HMAC key is the clinic's `alert_webhook_secret` (UTF-8) and the signed message is
``f"{t}.".encode() + raw_request_body``. To verify: recompute the HMAC over the raw body as
received (before parsing JSON), compare with `hmac.compare_digest`, and refuse timestamps
more than a few minutes old so a captured request cannot be replayed. `verify_signature`
below is the reference implementation. `X-Lupus-Delivery` is the same on every retry of one
delivery: receivers may use it to ignore repeats.

A delivery is about an alert (`{"event": "alert.*", "sent_at", "alert": {...}}`) or about
something a domain above this one owns (a conversation: `conversation.*`). That domain
registers how its events read (`register_document`, at import of its package), so this
module delivers them without reading its tables; the document is built when it is sent, so
it says how things stand then and never outlives an erasure.

Delivery is driven by the scheduler tick with an explicit `now`: a due row is leased by
moving its `next_attempt_at` forward in its own committed transaction, then posted, then
recorded. Only public addresses are posted to, with no redirects and https outside
development (core/egress.py). The HTTP transport is the tick's to give
(`transport`: None is the network; httpx.MockTransport in tests).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from lupus_sms.alerts import documents
from lupus_sms.alerts.models import Alert, AlertNotification
from lupus_sms.alerts.schemas import AlertOut
from lupus_sms.clinics.models import Clinic
from lupus_sms.content.service import get_content
from lupus_sms.core import egress
from lupus_sms.core.config import get_settings
from lupus_sms.core.statuses import NotificationStatus

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Lupus-Signature"
DELIVERY_HEADER = "X-Lupus-Delivery"
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10.0
BATCH = 50


# (session, delivery) -> the event's fields beside "event" and "sent_at". What a delivery is
# about is never gone when it is sent: its row goes with it (ON DELETE CASCADE).
DocumentBuilder = Callable[[Session, AlertNotification], dict]
_documents: dict[str, DocumentBuilder] = {}


def register_document(family: str, build: DocumentBuilder) -> None:
    """How the events `<family>.*` read (a domain above this one registers its own)."""
    _documents[family] = build


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str, header: str, body: bytes, *, now: datetime, tolerance_seconds: int = 300
) -> bool:
    """The receiver's check: a valid HMAC over this exact body, signed recently."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)


def deliver_due(
    session_factory: sessionmaker[Session],
    now: datetime,
    *,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Post every due webhook delivery once, through `transport` (None: the network);
    returns how many were attempted."""
    with session_factory() as db:
        due_ids = list(
            db.scalars(
                select(AlertNotification.id)
                .where(
                    AlertNotification.status == NotificationStatus.PENDING,
                    AlertNotification.next_attempt_at <= now,
                )
                .order_by(AlertNotification.next_attempt_at)
                .limit(BATCH)
            )
        )
    return sum(
        _deliver_one(session_factory, notification_id, now, transport)
        for notification_id in due_ids
    )


def _deliver_one(
    session_factory: sessionmaker[Session],
    notification_id: int,
    now: datetime,
    transport: httpx.BaseTransport | None,
) -> int:
    if not _lease(session_factory, notification_id, now):
        return 0  # another worker has it
    with session_factory() as db:  # read, then let go of the database before the network call
        notification = db.get(AlertNotification, notification_id)
        request = _request(db.get(Clinic, notification.clinic_id), notification, now, db)
    status_code, error = _send(request, transport)
    with session_factory() as db:
        notification = db.get(AlertNotification, notification_id)
        _record(notification, status_code, error, now)
        db.commit()
    return 1


def _record(
    notification: AlertNotification, status_code: int | None, error: str | None, now: datetime
) -> None:
    notification.attempts += 1
    notification.last_status_code = status_code
    notification.last_error = error
    if notification.status != NotificationStatus.PENDING:
        return  # acknowledged meanwhile: the retries were cancelled
    if status_code is not None and 200 <= status_code < 300:
        notification.status = NotificationStatus.DELIVERED
        notification.delivered_at = now
        notification.next_attempt_at = None
        return
    wait = documents.retry_delay(get_content(), notification.attempts)
    notification.next_attempt_at = now + wait
    logger.warning(
        "alert webhook %s to clinic %s failed (%s); retry in %ss",
        notification.id,
        notification.clinic_id,
        error or status_code,
        int(wait.total_seconds()),
    )


def _lease(session_factory: sessionmaker[Session], notification_id: int, now: datetime) -> bool:
    """Claim the row with a conditional UPDATE, committed before any network call."""
    with session_factory() as db:
        result = db.execute(
            update(AlertNotification)
            .where(
                AlertNotification.id == notification_id,
                AlertNotification.status == NotificationStatus.PENDING,
                AlertNotification.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + LEASE)
        )
        db.commit()
        return result.rowcount == 1


def _request(
    clinic: Clinic, notification: AlertNotification, now: datetime, db: Session
) -> httpx.Request | None:
    if not clinic.alert_webhook_url:
        return None
    body = _body(db, notification, now)
    headers = {
        "Content-Type": "application/json",
        DELIVERY_HEADER: str(notification.id),
        SIGNATURE_HEADER: sign(clinic.alert_webhook_secret or "", body, int(now.timestamp())),
    }
    return httpx.Request("POST", clinic.alert_webhook_url, content=body, headers=headers)


def _send(
    request: httpx.Request | None, transport: httpx.BaseTransport | None
) -> tuple[int | None, str | None]:
    """Post to a public address only (core/egress.py), following no redirect."""
    if request is None:
        return None, "no webhook URL configured"
    allow_http = get_settings().plain_http_webhooks_allowed
    try:
        response = egress.send(
            request, allow_http=allow_http, timeout=TIMEOUT_SECONDS, transport=transport
        )
    except egress.EgressRefused as exc:
        return None, f"refused: {exc}"[:300]
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    return response.status_code, None if response.is_success else f"HTTP {response.status_code}"


def _body(db: Session, notification: AlertNotification, now: datetime) -> bytes:
    if notification.alert_id is not None:
        return payload(db.get(Alert, notification.alert_id), notification.event, now)
    family = notification.event.split(".", 1)[0]
    build = _documents.get(family)
    if build is None:  # a package that never registered: a bug, retried once it is fixed
        raise LookupError(f"no document registered for {notification.event} events")
    fields = build(db, notification)
    return _encoded({"event": notification.event, "sent_at": now.isoformat(), **fields})


def payload(alert: Alert, event: str, now: datetime) -> bytes:
    document = {
        "event": event,
        "sent_at": now.isoformat(),
        "alert": AlertOut.model_validate(alert).model_dump(mode="json"),
    }
    return _encoded(document)


def _encoded(document: dict) -> bytes:
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
