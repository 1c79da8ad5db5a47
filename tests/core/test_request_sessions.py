"""Every request's database session ends, on every path, on a real connection pool.

The test walks `app.routes` (API, admin, portal and the rest), so a route is covered the day
it is added. Each route is asked as everyone who can get a different answer: nobody (401, or
the sign-in redirect), a role that may not (403), its full user with ids that do not exist
(404) or are not numbers (404 too), form fields longer than they may be (422), and its full
user while the database work of the request
raises a conflict (409) or an unexpected error (500) at different depths. After each request
no connection may be checked out; at the end no transaction may be left open (SQLite: the
write lock is free; PostgreSQL: nothing idle in transaction) and a webhook text is answered
from the database, not from the spool.

A route with a new path parameter fails here until `REAL_IDS` learns to make one.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url

from lupus_sms.alerts.models import Alert
from lupus_sms.clinics.service import create_api_key, create_clinic
from lupus_sms.content.models import ContentVersion
from lupus_sms.core.errors import ConflictError
from lupus_sms.enrollment.models import Anchor
from lupus_sms.messaging.models import Message
from lupus_sms.threads.models import QuickReply, Thread
from lupus_sms.users import service as users
from lupus_sms.users.models import User
from lupus_sms.users.passwords import hash_password
from tests.conftest import TwilioWebhookClient
from tests.factories import make_patient
from tests.helpers import PASSWORD, reply_text

MISSING_ID = "999999999"
# Where the injected failure strikes: the n-th statement of the request, and what it raises.
FAULTS = ((1, ConflictError), (2, RuntimeError), (4, ConflictError), (7, RuntimeError))
TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)", re.I)


@dataclass
class World:
    ids: dict[str, int | str]
    api_key: str


def _seed(live) -> World:
    with live.session() as db:
        clinic = create_clinic(
            db,
            name="Walk Clinic",
            office_phone="+16175550100",
            urgent_phone="+16175550199",
            timezone="America/New_York",
        )
        _, api_key = create_api_key(db, clinic_id=clinic.id)
        spare_key, _ = create_api_key(db, clinic_id=clinic.id, label="to revoke")
        patient = make_patient(db, clinic, phone="+12025550123", name="Walk Patient")
        at = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
        appointment = Anchor(
            patient_id=patient.id, category="appointment", kind="consultation", at=at
        )
        milestone = Anchor(patient_id=patient.id, category="milestone", kind="infusion", at=at)
        alert = Alert(
            clinic_id=clinic.id, patient_id=patient.id, kind="red_flag", priority="high",
            status="open", text="fever 39",
        )  # fmt: skip
        conversation = Thread(clinic_id=clinic.id, patient_id=patient.id, status="open")
        quick_reply = QuickReply(clinic_id=clinic.id, key="parking", title="Parking",
                                 body_en="Park in lot B.")  # fmt: skip
        db.add_all([appointment, milestone, alert, conversation, quick_reply])
        password_hash = hash_password(PASSWORD)
        for role in ("clinic_admin", "coordinator"):
            db.add(User(email=f"{role}@walk.example.org", password_hash=password_hash, role=role,
                        clinic_id=clinic.id))  # fmt: skip
        for role in ("owner", "editor"):
            users.create(db, email=f"{role}@example.org", password=PASSWORD, role=role)
        db.commit()
        coordinator = db.scalar(select(User).where(User.role == "coordinator"))
        ids = {
            "patient_id": patient.id,
            "appointment_id": appointment.id,
            "milestone_id": milestone.id,
            "alert_id": alert.id,
            "conversation_id": conversation.id,
            "thread_id": conversation.id,
            "clinic_id": clinic.id,
            "user_id": coordinator.id,
            "prefix": spare_key.prefix,
            "token": "not-a-token",
            "key": "messages",
            "quick_reply_id": quick_reply.id,
        }
    return World(ids, api_key)


# What each path parameter is filled with; `action` depends on the route.
REAL_IDS: dict[str, Callable[[World, str], int | str]] = {
    name: (lambda world, path, name=name: world.ids[name])
    for name in ("patient_id", "appointment_id", "milestone_id", "alert_id", "clinic_id",
                 "user_id", "prefix", "token", "key", "version_id", "conversation_id",
                 "quick_reply_id", "thread_id")
}  # fmt: skip
REAL_IDS["action"] = lambda world, path: "approve" if "/versions/" in path else "reset"
NUMERIC = {"patient_id", "appointment_id", "milestone_id", "alert_id", "clinic_id", "user_id",
           "version_id", "conversation_id", "quick_reply_id", "thread_id"}  # fmt: skip

# Bodies that get past validation, so the failures strike inside the handlers.
API_BODIES = {
    ("POST", "/api/v1/patients"): {
        "phone": "+12025550155", "consent_source": "in_person", "program": "ahsct",
    },
    ("PATCH", "/api/v1/patients/{patient_id}"): {"name": "Renamed"},
    ("POST", "/api/v1/patients/{patient_id}/opt-out"): {"source": "front_desk"},
    ("POST", "/api/v1/patients/{patient_id}/appointments"): {
        "starts_at": "2026-07-01T10:00:00-04:00", "kind": "consultation",
    },
    ("PATCH", "/api/v1/patients/{patient_id}/appointments/{appointment_id}"): {
        "starts_at": "2026-07-02T10:00:00-04:00",
    },
    ("POST", "/api/v1/patients/{patient_id}/milestones"): {
        "kind": "infusion", "date": "2026-07-03",
    },
    ("PATCH", "/api/v1/patients/{patient_id}/milestones/{milestone_id}"): {"date": "2026-07-04"},
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): {"by": "Nurse Kim"},
    ("POST", "/api/v1/patients/{patient_id}/messages"): {"body": "Hello", "urgent": True},
    ("POST", "/api/v1/conversations/{conversation_id}/assign"): {"user_id": None},
    ("PATCH", "/api/v1/clinic/conversation-settings"): {"conversation_hours": 24},
}  # fmt: skip


def every_route(app) -> list[tuple[str, str]]:
    iterate = getattr(fastapi_routing, "iter_route_contexts", None)
    if iterate is not None:
        routes = [ctx for ctx in iterate(app.routes) if isinstance(ctx.original_route, APIRoute)]
    else:
        routes = [route for route in app.routes if isinstance(route, APIRoute)]
    found = [(method, route.path) for route in routes for method in sorted(route.methods)]
    consoles = {path.split("/")[1] for _, path in found}
    assert {"api", "admin", "portal", "twilio"} <= consoles, consoles
    return found


def _fill(path: str, values: Callable[[str], object]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in REAL_IDS:
            pytest.fail(f"{path}: add a value for {{{name}}} to REAL_IDS")
        return str(values(name))

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


class Fault:
    """Raises `error` at the n-th statement the app runs (transaction control not counted)."""

    def __init__(self, engine):
        self.engine, self.remaining, self.error = engine, 0, None
        event.listen(engine, "before_cursor_execute", self._count)

    def arm(self, after: int, error: type[Exception]) -> None:
        self.remaining, self.error = after, error

    def disarm(self) -> None:
        self.remaining = 0

    def _count(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.remaining <= 0 or TRANSACTION_CONTROL.match(statement):
            return
        self.remaining -= 1
        if self.remaining == 0:
            raise self.error("injected while the request's transaction is open")

    def remove(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def _identities(live, world: World) -> dict[str, dict[str, object]]:
    """Per console: (everyone who gets a different answer) -> how to send as them."""
    api = {"Authorization": f"Bearer {world.api_key}"}
    return {
        "api": {"nobody": (live.browser(), {}), "full": (live.browser(), api)},
        "portal": {
            "nobody": (live.browser(), {}),
            "limited": (live.signed_in("/portal", "coordinator@walk.example.org"), {}),
            "full": (live.signed_in("/portal", "clinic_admin@walk.example.org"), {}),
        },
        "admin": {
            "nobody": (live.browser(), {}),
            "limited": (live.signed_in("/admin", "editor@example.org"), {}),
            "full": (live.signed_in("/admin", "owner@example.org"), {}),
        },
        "other": {"nobody": (live.browser(), {}), "full": (live.browser(), {})},
    }


def _console(path: str) -> str:
    first = path.split("/")[1]
    return first if first in ("api", "portal", "admin") else "other"


def test_every_route_ends_its_session_on_every_path(live):
    world = _seed(live)
    owner = live.signed_in("/admin", "owner@example.org")
    assert owner.get("/admin/content").status_code == 200  # puts the shipped content live
    with live.session() as db:
        world.ids["version_id"] = db.scalar(select(ContentVersion.id).limit(1))
    identities = _identities(live, world)
    fault = Fault(live.engine)
    asked = 0
    try:
        for method, path in every_route(live.app):
            for label, (client, headers, url, armed, form) in _requests(
                live, world, identities, method, path
            ):
                if armed:
                    fault.arm(*armed)
                body = API_BODIES.get((method, path)) if path.startswith("/api/") else None
                response = client.request(method, url, headers=headers, json=body, data=form,
                                          follow_redirects=False)  # fmt: skip
                fault.disarm()
                asked += 1
                assert response.status_code < 500 or armed, (
                    f"{label} {method} {url}: {response.text[:300]}"
                )
                assert_console_error_is_a_page(label, method, url, response)
                checked_out = live.engine.pool.checkedout()
                assert checked_out == 0, (
                    f"{label} {method} {url} left {checked_out} connection(s) out"
                )
    finally:
        fault.remove()
    assert asked > 600
    assert_no_transaction_left_open(live)
    assert_webhook_answers_from_the_database(live)


def _requests(live, world, identities, method: str, path: str):
    """(label, (client, headers, url, fault)) for every answer this route can give."""
    who = identities[_console(path)]
    names = re.findall(r"\{(\w+)", path)
    real = _fill(path, lambda name: REAL_IDS[name](world, path))
    for label, (client, headers) in who.items():
        if label != "full":
            yield label, (client, headers, real, None, None)
    client, headers = who["full"]
    if path.endswith("/logout"):
        client = live.signed_in(path.rsplit("/", 1)[0], "owner@example.org" if "admin" in path
                                else "clinic_admin@walk.example.org")  # fmt: skip
    numeric = [name for name in names if name in NUMERIC]
    if numeric:
        missing = _fill(
            path, lambda name: MISSING_ID if name in NUMERIC else REAL_IDS[name](world, path)
        )
        malformed = _fill(
            path, lambda name: "x" if name in NUMERIC else REAL_IDS[name](world, path)
        )
        yield "missing id", (client, headers, missing, None, None)
        yield "malformed id", (_still_full(live, path, client), headers, malformed, None, None)
    over_long = _over_long_form(live.app, method, path)
    if over_long:
        yield "over-long field", (_still_full(live, path, client), headers, real, None, over_long)
    yield "full", (client, headers, real, None, None)
    for after, error in FAULTS:
        yield (
            f"{error.__name__} at statement {after}",
            (client, headers, real, (after, error), None),
        )


def _still_full(live, path: str, client):
    """A console's full user, signed in afresh: an earlier route of the walk ("sign out
    everywhere", a deactivation) may have ended the session the walk started with."""
    console = _console(path)
    if console == "admin":
        return live.signed_in("/admin", "owner@example.org")
    if console == "portal":
        return live.signed_in("/portal", "clinic_admin@walk.example.org")
    return client


def _over_long_form(app, method: str, path: str) -> dict[str, str] | None:
    """A console form with every length-limited field one character too long, or None."""
    if _console(path) not in ("admin", "portal"):
        return None
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path == path and method in route.methods:
            limits = {
                param.alias: getattr(meta, "max_length", None)
                for param in route.dependant.body_params
                for meta in param.field_info.metadata
            }
            limits = {name: size for name, size in limits.items() if size}
            return {name: "x" * (size + 1) for name, size in limits.items()} or None
    return None


def assert_console_error_is_a_page(label: str, method: str, url: str, response) -> None:
    """A console answers bad input with its own page: never FastAPI's JSON, and a malformed
    id in the address is a 404 like a missing one."""
    if _console(url) not in ("admin", "portal") or label not in ("malformed id", "over-long field"):
        return
    kind = response.headers.get("content-type", "")
    assert kind.startswith("text/html"), (
        f"{label} {method} {url}: {response.status_code} {kind} {response.headers}"
    )
    # A refusal decided before the input is read (a role that may not, 403) comes first.
    expected = {403, 404} if label == "malformed id" else {403, 404, 409, 422}
    assert response.status_code in expected, f"{label} {method} {url}: {response.status_code}"


def assert_no_transaction_left_open(live) -> None:
    url = make_url(live.url)
    if url.get_backend_name() == "sqlite":
        # Another connection takes the write lock at once: nothing holds it.
        other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()
    else:
        with live.engine.connect() as connection:
            stuck = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                )
            ).scalar()
        assert stuck == 0, f"{stuck} connection(s) idle in transaction"
    assert live.engine.pool.checkedout() == 0


def assert_webhook_answers_from_the_database(live) -> None:
    webhook = TwilioWebhookClient(live.browser())
    response = webhook.sms("MENU", from_="+12025550177", sid="SMwalk0000000000000000000000000001")
    assert reply_text(response)
    with live.session() as db:
        stored = db.scalar(
            select(Message).where(Message.twilio_sid == "SMwalk0000000000000000000000000001")
        )
    assert stored is not None, "the text was spooled, not stored: the database was not free"
    spool = live.settings.spool_dir
    assert not spool.exists() or not any(spool.iterdir()), "the text was spooled"
