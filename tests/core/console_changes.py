"""The console changes the audit test makes: how to make one valid request per POST route of
/admin and /portal (and per audited page view), each from a fresh setup of its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from lupus_sms.alerts.models import Alert
from lupus_sms.audit.service import Actor
from lupus_sms.clinics.models import Clinic
from lupus_sms.clinics.service import create_api_key
from lupus_sms.content import versions
from lupus_sms.enrollment.models import Anchor
from lupus_sms.threads.models import QuickReply, Thread
from lupus_sms.users import clinic_users
from lupus_sms.users import service as users
from lupus_sms.users.models import User
from lupus_sms.users.passwords import hash_password
from tests.factories import make_patient
from tests.helpers import PASSWORD

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
CHANGES_NOTHING = {
    ("POST", "/admin/api/analyze"),
    ("POST", "/admin/simulator"),  # a sandbox that is always rolled back
}
NEW_PASSWORD = "another long pass phrase"
PASSWORD_CHANGE = {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}


@dataclass
class Case:
    """How to make one valid request: as whom, and (url, form data, files) from a fresh setup."""

    # admin | portal | service_admin | admin_login | portal_login | nobody, or own_admin /
    # own_portal: a browser of its own, signed in as `World.own_account` (changes to one's
    # own account end that person's sessions)
    who: str
    prepare: Callable  # (db, world) -> (url, data, files)
    method: str = "POST"


@dataclass
class World:
    clinic_id: int
    counter: int = 0
    own_account: str = ""  # whom an "own_admin" / "own_portal" case signs in as

    def next(self) -> int:
        self.counter += 1
        return self.counter


def _patient(db, world: World, **values):
    clinic = db.get(Clinic, world.clinic_id)
    return make_patient(db, clinic, phone=f"+1617555{2000 + world.next():04d}", **values)


def _anchor(db, patient, category: str, kind: str) -> Anchor:
    at = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)
    anchor = Anchor(patient_id=patient.id, category=category, kind=kind, at=at, created_at=NOW)
    db.add(anchor)
    db.flush()
    return anchor


def _clinic_user(db, world: World, role: str = "coordinator") -> User:
    email = f"person{world.next()}@walk.example.org"
    user = User(
        email=email, password_hash=hash_password(PASSWORD), role=role, clinic_id=world.clinic_id
    )
    db.add(user)
    db.flush()
    return user


def _admin_user(db, world: World) -> User:
    return users.create(
        db, email=f"staff{world.next()}@example.org", password=PASSWORD, role="editor"
    )


def _own_account(console: str, path: str, data: dict):
    def prepare(db, world):
        user = _admin_user(db, world) if console == "admin" else _clinic_user(db, world)
        world.own_account = user.email
        return path, data, None

    return prepare


def _patient_page(action: str, data: dict | None = None):
    def prepare(db, world):
        patient = _patient(db, world)
        return f"/portal/patients/{patient.id}/{action}", dict(data or {}), None

    return prepare


def _anchor_change(category: str, kind: str, action: str, data: dict):
    def prepare(db, world):
        patient = _patient(db, world)
        anchor = _anchor(db, patient, category, kind)
        plural = "appointments" if category == "appointment" else "milestones"
        return f"/portal/patients/{patient.id}/{plural}/{anchor.id}/{action}", data, None

    return prepare


def _saved_twice(db, world):
    """A content item with an earlier version to restore."""
    key = "document:checkins"
    live = versions.history(db, key=key)[0]
    editor = Actor("editor@example.org")
    versions.save(
        db,
        key=key,
        body=live.body + "# edited\n",
        note="edit",
        actor=editor,
        now=NOW,
        review_required=False,
    )
    return f"/admin/content/versions/{live.id}/restore", {}, None


def _content_edit(db, world):
    key = "document:checkins"
    body = versions.history(db, key=key)[0].body + f"# edit {world.next()}\n"
    return f"/admin/content/edit/{key}", {"body": body, "note": "a small edit"}, None


def _portal_settings(db, world):
    clinic = db.get(Clinic, world.clinic_id)
    data = {
        "office_phone": f"+1617555{3000 + world.next():04d}",
        "urgent_phone": clinic.urgent_phone,
        "timezone": clinic.timezone,
        "send_window_start": clinic.send_window_start,
        "send_window_end": clinic.send_window_end,
        "display_name": "Riverside Health",  # the clinic's name says lupus: one is required
    }
    return "/portal/settings", data, None


def _import(db, world):
    csv = f"phone,consent_source,program\n+1617555{4000 + world.next():04d},in_person,ahsct\n"
    return "/portal/patients/import", {}, {"file": ("patients.csv", csv, "text/csv")}


def _acknowledge(db, world):
    patient = _patient(db, world)
    alert = Alert(
        clinic_id=world.clinic_id,
        patient_id=patient.id,
        kind="red_flag",
        priority="high",
        status="open",
        text="fever",
        created_at=NOW,
    )
    db.add(alert)
    db.flush()
    return f"/portal/alerts/{alert.id}/acknowledge", {"note": "called back"}, None


def _thread(db, world) -> Thread:
    patient = _patient(db, world)
    thread = Thread(clinic_id=world.clinic_id, patient_id=patient.id, status="open",
                    waiting_since=NOW, created_at=NOW)  # fmt: skip
    db.add(thread)
    db.flush()
    return thread


def _thread_assign(db, world):
    thread, colleague = _thread(db, world), _clinic_user(db, world, "nurse")
    return f"/portal/alerts/threads/{thread.id}/assign", {"user_id": str(colleague.id)}, None


def _login(email: str):
    return lambda db, world: ("", {"email": email, "password": PASSWORD}, None)


def _admin_reset(db, world):
    token = users.issue_reset_token(db, user=_admin_user(db, world), now=NOW)
    return f"/admin/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, None


def _portal_link(db, world):
    path = clinic_users.issue_link(db, user=_clinic_user(db, world), now=NOW)
    return path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, None


def _portal_invitation(db, world):
    _, path = clinic_users.invite(
        db,
        clinic_id=world.clinic_id,
        role="nurse",
        now=NOW,
        email=f"invited{world.next()}@walk.example.org",
    )
    return path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, None


QUICK_REPLY = {"title": "Parking", "body_en": "Hi {first_name}, park in lot B."}


def _quick_reply(action: str):
    """A clinic quick reply to change or delete."""

    def prepare(db, world):
        key = f"parking_{world.next()}"
        reply = QuickReply(clinic_id=world.clinic_id, key=key, title="Parking", body_en="Lot B.")
        db.add(reply)
        db.flush()
        path = f"/portal/settings/quick-replies/{reply.id}" + (f"/{action}" if action else "")
        return path, {**QUICK_REPLY, "key": key}, None

    return prepare


def _key_prefix(db, world) -> str:
    api_key, _ = create_api_key(db, clinic_id=world.clinic_id, label="spare")
    return api_key.prefix


CASES: dict[tuple[str, str], Case] = {
    ("POST", "/admin/login"): Case("admin_login", _login("owner@example.org")),
    ("POST", "/admin/reset/{token}"): Case("nobody", _admin_reset),
    ("POST", "/admin/content/edit/{key:path}"): Case("admin", _content_edit),
    ("POST", "/admin/content/versions/{version_id}/{action}"): Case("admin", _saved_twice),
    ("POST", "/admin/users"): Case(
        "admin", lambda db, w: ("/admin/users", {"email": f"new{w.next()}@example.org"}, None)
    ),
    ("POST", "/admin/users/{user_id}/{action}"): Case(
        "admin", lambda db, w: (f"/admin/users/{_admin_user(db, w).id}/deactivate", {}, None)
    ),
    ("POST", "/admin/clinics"): Case(
        "admin",
        lambda db, w: (
            "/admin/clinics",
            {
                "name": f"Clinic {w.next()}",
                "office_phone": "+16175550100",
                "urgent_phone": "+16175550199",
                "timezone": "America/New_York",
            },
            None,
        ),
    ),
    ("POST", "/admin/clinics/{clinic_id}/sender"): Case(
        "admin",
        lambda db, w: (
            f"/admin/clinics/{w.clinic_id}/sender",
            {"sender": f"+1617555{6000 + w.next():04d}"},
            None,
        ),
    ),
    ("POST", "/admin/clinics/{clinic_id}/keys"): Case(
        "admin", lambda db, w: (f"/admin/clinics/{w.clinic_id}/keys", {"label": "EHR"}, None)
    ),
    ("POST", "/admin/keys/{prefix}/revoke"): Case(
        "admin", lambda db, w: (f"/admin/keys/{_key_prefix(db, w)}/revoke", {}, None)
    ),
    ("POST", "/admin/clinics/{clinic_id}/portal"): Case(
        "admin", lambda db, w: (f"/admin/clinics/{w.clinic_id}/portal", {}, None)
    ),
    ("GET", "/admin/clinics/{clinic_id}/patients"): Case(
        "admin", lambda db, w: (f"/admin/clinics/{w.clinic_id}/patients", None, None), "GET"
    ),
    ("GET", "/admin/patients/{patient_id}"): Case(
        "admin", lambda db, w: (f"/admin/patients/{_patient(db, w).id}", None, None), "GET"
    ),
    ("GET", "/admin/audit.csv"): Case(
        "admin", lambda db, w: ("/admin/audit.csv", None, None), "GET"
    ),
    ("POST", "/portal/login"): Case("portal_login", _login("clinic_admin@walk.example.org")),
    ("POST", "/portal/invite/{token}"): Case("nobody", _portal_invitation),
    ("POST", "/portal/reset/{token}"): Case("nobody", _portal_link),
    ("POST", "/portal/users"): Case(
        "portal", lambda db, w: ("/portal/users", {"email": f"in{w.next()}@walk.example.org"}, None)
    ),
    ("POST", "/portal/users/{user_id}/role"): Case(
        "portal",
        lambda db, w: (f"/portal/users/{_clinic_user(db, w).id}/role", {"role": "nurse"}, None),
    ),
    ("POST", "/portal/users/{user_id}/active"): Case(
        "portal",
        lambda db, w: (f"/portal/users/{_clinic_user(db, w).id}/active", {"active": "false"}, None),
    ),
    ("POST", "/portal/users/{user_id}/link"): Case(
        "portal", lambda db, w: (f"/portal/users/{_clinic_user(db, w).id}/link", {}, None)
    ),
    ("POST", "/portal/settings"): Case("portal", _portal_settings),
    ("POST", "/portal/keys"): Case("portal", lambda db, w: ("/portal/keys", {"label": "x"}, None)),
    ("POST", "/portal/keys/{prefix}/revoke"): Case(
        "portal",
        lambda db, w: (f"/portal/keys/{_key_prefix(db, w)}/revoke", {"confirm": "yes"}, None),
    ),
    ("POST", "/portal/settings/quick-replies"): Case(
        "portal",
        lambda db, w: (
            "/portal/settings/quick-replies",
            {**QUICK_REPLY, "key": f"lot_{w.next()}"},
            None,
        ),
    ),
    ("POST", "/portal/settings/quick-replies/{quick_reply_id}"): Case("portal", _quick_reply("")),
    ("POST", "/portal/settings/quick-replies/{quick_reply_id}/delete"): Case(
        "portal", _quick_reply("delete")
    ),
    ("POST", "/portal/patients/{patient_id}/pause"): Case("portal", _patient_page("pause")),
    ("POST", "/portal/patients/{patient_id}/resume"): Case(
        "portal",
        lambda db, w: (f"/portal/patients/{_patient(db, w, status='paused').id}/resume", {}, None),
    ),
    ("POST", "/portal/patients/{patient_id}/privacy"): Case(
        "portal", _patient_page("privacy", {"level": "detailed"})
    ),
    ("POST", "/portal/patients/{patient_id}/unenroll"): Case(
        "portal", _patient_page("unenroll", {"confirm": "yes"})
    ),
    ("POST", "/portal/patients/{patient_id}/appointments"): Case(
        "portal",
        lambda db, w: (
            f"/portal/patients/{_patient(db, w).id}/appointments",
            {"starts_at": "2026-04-30T10:30", "kind": "consultation"},
            None,
        ),
    ),
    ("POST", "/portal/patients/{patient_id}/appointments/{appointment_id}/move"): Case(
        "portal",
        _anchor_change("appointment", "consultation", "move", {"starts_at": "2026-05-02T10:30"}),
    ),
    ("POST", "/portal/patients/{patient_id}/appointments/{appointment_id}/cancel"): Case(
        "portal", _anchor_change("appointment", "consultation", "cancel", {})
    ),
    ("POST", "/portal/patients/{patient_id}/milestones"): Case(
        "portal",
        lambda db, w: (
            f"/portal/patients/{_patient(db, w).id}/milestones",
            {"kind": "discharge", "day": "2026-05-20"},
            None,
        ),
    ),
    ("POST", "/portal/patients/{patient_id}/milestones/{milestone_id}/move"): Case(
        "portal", _anchor_change("milestone", "discharge", "move", {"day": "2026-06-03"})
    ),
    ("POST", "/portal/patients/{patient_id}/milestones/{milestone_id}/delete"): Case(
        "portal", _anchor_change("milestone", "discharge", "delete", {})
    ),
    ("POST", "/portal/patients/new"): Case(
        "portal",
        lambda db, w: (
            "/portal/patients/new",
            {
                "phone": f"+1617555{5000 + w.next():04d}",
                "program": "ahsct",
                "consent_source": "in_person",
                "language": "en",
            },
            None,
        ),
    ),
    ("POST", "/portal/patients/import"): Case("portal", _import),
    ("POST", "/portal/alerts/{alert_id}/acknowledge"): Case("portal", _acknowledge),
    ("POST", "/portal/alerts/threads/{thread_id}/done"): Case(
        "portal", lambda db, w: (f"/portal/alerts/threads/{_thread(db, w).id}/done", {}, None)
    ),
    ("POST", "/portal/alerts/threads/{thread_id}/assign"): Case("portal", _thread_assign),
    ("POST", "/portal/patients/{patient_id}/messages"): Case(
        "portal", _patient_page("messages", {"body": "Hello from the clinic.", "seen_version": "0"})
    ),
    ("POST", "/admin/account/password"): Case(
        "own_admin", _own_account("admin", "/admin/account/password", PASSWORD_CHANGE)
    ),
    ("POST", "/admin/logout"): Case("own_admin", _own_account("admin", "/admin/logout", {})),
    ("POST", "/portal/logout"): Case("own_portal", _own_account("portal", "/portal/logout", {})),
    ("POST", "/admin/account/sign-out-everywhere"): Case(
        "own_admin", _own_account("admin", "/admin/account/sign-out-everywhere", {})
    ),
    ("POST", "/portal/account/password"): Case(
        "own_portal", _own_account("portal", "/portal/account/password", PASSWORD_CHANGE)
    ),
    ("POST", "/portal/account/sign-out-everywhere"): Case(
        "own_portal", _own_account("portal", "/portal/account/sign-out-everywhere", {})
    ),
    ("POST", "/portal/users/{user_id}/unlock"): Case(
        "portal", lambda db, w: (f"/portal/users/{_clinic_user(db, w).id}/unlock", {}, None)
    ),
    ("GET", "/portal/patients/{patient_id}"): Case(
        "service_admin", lambda db, w: (f"/portal/patients/{_patient(db, w).id}", None, None), "GET"
    ),
}
