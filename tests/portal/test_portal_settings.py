"""The settings and API keys pages: validation, write-only secret, audit, tenant isolation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lupus_sms.audit.models import AuditEntry
from lupus_sms.clinics.models import ApiKey, Clinic
from tests.factories import make_clinic

VALID = {
    "office_phone": "(617) 555-0123",
    "urgent_phone": "+1 617 555 0188",
    "timezone": "America/Chicago",
    "send_window_start": "09:00",
    "send_window_end": "19:30",
    "alert_webhook_url": "https://ehr.example.org/hooks/lupus",
    "oncall_sms_number": "+1 202 555 0144",
    "new_webhook_secret": "whsec-0123456789abcdef",
    "display_name": "Riverside Health",
}


def _clinic(db, clinic_id: int) -> Clinic:
    db.expire_all()
    return db.get(Clinic, clinic_id)


def test_a_clinic_admin_saves_every_setting_and_it_is_audited(db, portal_client):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")

    page = admin.post("/portal/settings", VALID)

    assert page.status_code == 200 and "Saved:" in page.text
    saved = _clinic(db, clinic.id)
    assert (saved.office_phone, saved.urgent_phone) == ("+16175550123", "+16175550188")
    assert (saved.timezone, saved.send_window_start, saved.send_window_end) == (
        "America/Chicago",
        "09:00",
        "19:30",
    )
    assert saved.alert_webhook_url == VALID["alert_webhook_url"]
    assert saved.alert_webhook_secret == VALID["new_webhook_secret"]
    assert saved.oncall_sms_number == "+12025550144"
    [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "portal.settings_changed"))
    assert entry.actor == admin.user.email and entry.target == f"clinic:{clinic.id}"
    assert "alert_webhook_secret" in entry.detail and "office_phone" in entry.detail
    assert VALID["new_webhook_secret"] not in entry.detail


def test_the_webhook_secret_is_write_only(db, portal_client):
    clinic = make_clinic(db, alert_webhook_secret="whsec-existing-secret-value")
    admin = portal_client(clinic, "clinic_admin")

    page = admin.get("/portal/settings").text
    assert re.search(r'id="secret-state">set<', page)
    assert "whsec-existing-secret-value" not in page

    kept = admin.post("/portal/settings", {**VALID, "new_webhook_secret": ""})
    assert kept.status_code == 200
    assert _clinic(db, clinic.id).alert_webhook_secret == "whsec-existing-secret-value"
    removed = admin.post(
        "/portal/settings",
        {
            **VALID,
            "alert_webhook_url": "",
            "new_webhook_secret": "",
            "remove_webhook_secret": "true",
        },
    )
    assert removed.status_code == 200 and 'id="secret-state">not set<' in removed.text
    assert _clinic(db, clinic.id).alert_webhook_secret is None


def test_invalid_settings_are_422_with_field_messages_and_change_nothing(db, portal_client):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")
    before = {c.name: getattr(clinic, c.name) for c in Clinic.__table__.columns}

    page = admin.post(
        "/portal/settings",
        {
            **VALID,
            "office_phone": "12",
            "timezone": "Mars/Olympus_Mons",
            "send_window_start": "19:00",
            "send_window_end": "09:00",
            "alert_webhook_url": "http://ehr.example.org/hook",
            "oncall_sms_number": "+1 800 555 0100",
            "new_webhook_secret": "short",
        },
    )

    assert page.status_code == 422
    errors = dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]+)</p>', page.text))
    assert set(errors) == {
        "office_phone",
        "timezone",
        "send_window_end",
        "alert_webhook_url",
        "oncall_sms_number",
        "new_webhook_secret",
    }
    assert "https://" in errors["alert_webhook_url"]
    assert "end after it starts" in errors["send_window_end"]
    assert 'aria-invalid="true"' in page.text
    after = _clinic(db, clinic.id)
    assert {c.name: getattr(after, c.name) for c in Clinic.__table__.columns} == before
    assert not db.scalars(
        select(AuditEntry).where(AuditEntry.action == "portal.settings_changed")
    ).all()


def test_a_clinic_admin_sees_the_sender_but_cannot_change_it(db, portal_client):
    """Taking the service's shared sender would file other clinics' patients' replies under
    this clinic: only service owners assign senders (admin console or CLI)."""
    clinic = make_clinic(db, sender="+16175550142")
    admin = portal_client(clinic, "clinic_admin")
    page = admin.get("/portal/settings").text
    assert "(617) 555-0142" in page or "+16175550142" in page
    assert 'name="sender"' not in page
    shared = portal_client(make_clinic(db, name="Harbor Clinic"), "clinic_admin")
    for sender in ("+12025550100", "MG" + "a" * 32):  # the default sender, a service
        assert shared.post("/portal/settings", {**VALID, "sender": sender}).status_code == 200
    db.expire_all()
    assert {c.name: c.sender for c in db.scalars(select(Clinic))} == {
        clinic.name: "+16175550142",
        "Harbor Clinic": None,
    }


def test_a_webhook_needs_a_secret(db, portal_client):
    admin = portal_client(make_clinic(db), "clinic_admin")
    page = admin.post("/portal/settings", {**VALID, "new_webhook_secret": ""})
    assert page.status_code == 422 and "needs a secret" in page.text


def test_http_webhooks_are_allowed_only_when_the_service_itself_runs_on_http(
    db, portal_client, settings
):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")
    settings.public_base_url = "http://localhost:8000"
    plain = {**VALID, "alert_webhook_url": "http://ehr.example.org:9000/hook"}
    assert admin.post("/portal/settings", plain).status_code == 200
    assert _clinic(db, clinic.id).alert_webhook_url == "http://ehr.example.org:9000/hook"


def test_keys_are_created_shown_once_and_revoked(db, portal_client, client):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")

    page = admin.post("/portal/keys", {"label": "EHR sync"})

    plaintext = re.search(r'id="secret">(lsk_[^<]+)<', page.text)[1]
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert "never" in admin.get("/portal/keys").text  # not used yet
    assert client.get("/api/v1/alerts", headers=headers).status_code == 200
    listing = admin.get("/portal/keys").text
    assert "EHR sync" in listing and plaintext not in listing
    # Its last use, to the hour, in clinic time like every other time in the portal.
    assert re.search(r'class="last-used">Tue 10 Mar 2026, 11:00 EDT<', listing)
    assert "UTC" not in listing
    prefix = plaintext[:12]
    # Revoking cannot be undone: a page asks first, and only its button revokes.
    assert "Revoke the key" in admin.get(f"/portal/keys/{prefix}/revoke").text
    assert admin.post(f"/portal/keys/{prefix}/revoke").status_code == 422
    confirmed = admin.post(f"/portal/keys/{prefix}/revoke", {"confirm": "yes"}, page="/portal/keys")
    assert confirmed.status_code == 303
    assert client.get("/api/v1/alerts", headers=headers).status_code == 401
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.detail == prefix)).all()
    assert sorted(actions) == ["portal.api_key_created", "portal.api_key_revoked"]


def test_a_clinic_admin_cannot_see_or_revoke_another_clinics_keys_or_settings(db, portal_client):
    clinic_a = make_clinic(db)
    clinic_b = make_clinic(
        db, name="Harbor Clinic", office_phone="+16175550155", alert_webhook_url="https://b.example"
    )
    admin_a = portal_client(clinic_a, "clinic_admin")
    admin_b = portal_client(clinic_b, "clinic_admin")
    key_b = re.search(r'id="secret">(lsk_[^<]+)<', admin_b.post("/portal/keys").text)[1]
    prefix_b = key_b[:12]

    assert prefix_b not in admin_a.get("/portal/keys").text
    settings_a = admin_a.get("/portal/settings").text
    assert "Harbor Clinic" not in settings_a and "+16175550155" not in settings_a
    assert admin_a.get(f"/portal/keys/{prefix_b}/revoke").status_code == 404
    assert admin_a.post(f"/portal/keys/{prefix_b}/revoke", {"confirm": "yes"}).status_code == 404
    db.expire_all()
    assert db.scalar(select(ApiKey).where(ApiKey.prefix == prefix_b)).revoked_at is None
    admin_a.post("/portal/settings", VALID)
    assert _clinic(db, clinic_b.id).office_phone == "+16175550155"


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost:8443/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.20/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://0x7f000001/hook",
        "https://2130706433/hook",
        "https://internal.clinic.test/hook",
        "https://mixed.clinic.test/hook",
        "https://nowhere.invalid/hook",
    ],
)
def test_a_webhook_to_a_host_that_is_not_public_is_refused(db, portal_client, fake_dns, url):
    fake_dns.names["internal.clinic.test"] = ["10.0.0.8"]
    fake_dns.names["mixed.clinic.test"] = ["93.184.215.14", "192.168.1.9"]
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")

    page = admin.post("/portal/settings", {**VALID, "alert_webhook_url": url})

    assert page.status_code == 422
    errors = dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]+)</p>', page.text))
    assert (
        "public" in errors["alert_webhook_url"] or "cannot be found" in errors["alert_webhook_url"]
    )
    assert _clinic(db, clinic.id).alert_webhook_url is None


def test_plain_http_webhooks_are_refused_outside_development(db, portal_client, settings):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")
    settings.public_base_url = "http://localhost:8000"
    settings.environment = "production"
    page = admin.post("/portal/settings", {**VALID, "alert_webhook_url": "http://ehr.example.org/"})
    assert page.status_code == 422 and "https://" in page.text
    assert _clinic(db, clinic.id).alert_webhook_url is None


@pytest.mark.parametrize(
    ("start", "end", "refused"),
    [
        ("00:00", "23:59", {"send_window_start", "send_window_end"}),
        ("07:30", "18:00", {"send_window_start"}),
        ("09:00", "21:00", {"send_window_end"}),
    ],
)
def test_a_send_window_reaching_into_the_night_is_refused(db, portal_client, start, end, refused):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")
    window = {"send_window_start": start, "send_window_end": end}
    page = admin.post("/portal/settings", {**VALID, **window})
    assert page.status_code == 422
    errors = dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]+)</p>', page.text))
    assert set(errors) == refused
    assert all("between 08:00 and 20:00" in errors[field] for field in refused)
    after = _clinic(db, clinic.id)
    assert (after.send_window_start, after.send_window_end) == ("08:00", "20:00")


def test_the_whole_day_is_still_a_valid_window(db, portal_client):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")
    window = {"send_window_start": "08:00", "send_window_end": "20:00"}
    saved = admin.post("/portal/settings", {**VALID, **window})
    assert saved.status_code == 200 and "Saved" in saved.text


def test_the_clinic_admin_sets_how_long_conversations_stay_open(db, portal_client):
    clinic = make_clinic(db)
    admin = portal_client(clinic, "clinic_admin")
    conversation = {"conversation_hours": "48", "conversation_renotify_minutes": "30"}

    saved = admin.post("/portal/settings", VALID | conversation)
    refused = admin.post("/portal/settings", VALID | {"conversation_hours": "0"})

    assert saved.status_code == 200 and "conversation hours" in saved.text
    stored = _clinic(db, clinic.id)
    assert (stored.conversation_hours, stored.conversation_renotify_minutes) == (48, 30)
    assert refused.status_code == 422 and "from 1 to 336" in refused.text
    assert _clinic(db, clinic.id).conversation_hours == 48
