"""Sign-in, sessions, CSRF, roles and the security headers of the admin (throttling, server-side
sessions and session-bound CSRF of both consoles: tests/signin/)."""

from __future__ import annotations

from tests.admin.conftest import PASSWORD, AdminClient


def test_pages_need_a_signed_in_user(admin_http):
    response = admin_http.get("/admin/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"


def test_login_sets_a_hardened_session_cookie_and_logout_ends_it(admin_http, make_user):
    make_user("owner@example.org")
    admin = AdminClient(admin_http)
    response = admin.login("Owner@Example.org")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    assert admin.get("/admin/dashboard").status_code == 200
    assert admin.post("/admin/logout").status_code == 303
    assert admin.get("/admin/dashboard", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_and_audited(admin_http, make_user):
    make_user("owner@example.org")
    admin = AdminClient(admin_http)
    response = admin.login("owner@example.org", "not the password")
    assert response.status_code == 401
    assert "wrong email or password" in response.text
    assert admin.login("owner@example.org").status_code == 303
    assert "user.login_failed" in admin.get("/admin/audit").text


def test_forms_without_the_csrf_token_are_refused(admin_http, make_user):
    make_user("owner@example.org")
    admin = AdminClient(admin_http)
    admin.login("owner@example.org")
    response = admin_http.post("/admin/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    response = admin_http.post("/admin/login", data={"email": "x@example.org", "password": "y"})
    assert response.status_code == 403


def test_security_headers_and_no_inline_script(admin_http):
    response = admin_http.get("/admin/login")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text and "onclick" not in response.text


def test_admin_routes_stay_out_of_the_public_api_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/admin")]


def test_an_editor_cannot_manage_users_or_clinics(browser_for):
    editor = browser_for("editor@example.org", "editor")
    assert editor.get("/admin/users").status_code == 403
    assert editor.get("/admin/clinics").status_code == 403
    assert editor.get("/admin/content").status_code == 200


def test_deactivation_ends_sessions_and_reset_link_works_once(browser_for, admin_http):
    owner = browser_for("owner@example.org")
    editor = browser_for("editor@example.org", "editor")
    target = owner.get("/admin/users").text
    assert "editor@example.org" in target
    user_id = _user_id(owner, "editor@example.org")
    assert owner.post(f"/admin/users/{user_id}/deactivate", page="/admin/users").status_code == 303
    assert editor.get("/admin/content", follow_redirects=False).status_code == 303
    owner.post(f"/admin/users/{user_id}/activate", page="/admin/users")
    page = owner.post(f"/admin/users/{user_id}/reset", page="/admin/users")
    link = page.text.split('id="secret">')[1].split("<")[0]
    path = link.replace("https://sms.example.test", "")
    fresh = AdminClient(admin_http)
    token = fresh.csrf(path)
    new = "a brand new passphrase"
    response = admin_http.post(path, data={"password": new, "confirm": new, "csrf_token": token})
    assert "Your password is set" in response.text
    assert admin_http.get(path).status_code == 404  # one time only
    assert fresh.login("editor@example.org", new).status_code == 303
    assert fresh.login("editor@example.org", PASSWORD).status_code == 401


def test_the_last_owner_cannot_be_deactivated(browser_for):
    owner = browser_for("owner@example.org")
    user_id = _user_id(owner, "owner@example.org")
    response = owner.post(f"/admin/users/{user_id}/deactivate", page="/admin/users")
    assert response.status_code == 409
    assert owner.get("/admin/dashboard").status_code == 200


def test_owner_creates_a_clinic_and_a_key_then_revokes_it(browser_for):
    owner = browser_for("owner@example.org")
    data = {
        "name": "North Clinic",
        "office_phone": "+16175550111",
        "urgent_phone": "+16175550112",
        "timezone": "America/Chicago",
    }
    assert owner.post("/admin/clinics", data, page="/admin/clinics").status_code == 303
    page = owner.get("/admin/clinics").text
    clinic_id = page.split('action="/admin/clinics/')[1].split("/")[0]
    shown = owner.post(f"/admin/clinics/{clinic_id}/keys", {"label": "EHR"}, page="/admin/clinics")
    key = shown.text.split('id="secret">')[1].split("<")[0]
    assert key.startswith("lsk_")
    prefix = key.rsplit("_", 1)[0] if key.count("_") == 2 else key[:12]
    assert owner.post(f"/admin/keys/{prefix}/revoke", page="/admin/clinics").status_code == 303
    assert "revoked" in owner.get("/admin/clinics").text
    audit = owner.get("/admin/audit?action=api_key").text
    assert "api_key.create" in audit and "api_key.revoke" in audit


def test_a_clinic_name_taken_in_any_case_is_refused(browser_for):
    owner = browser_for("owner@example.org")
    data = {"name": "North Clinic", "office_phone": "+16175550111",
            "urgent_phone": "+16175550112", "timezone": "America/Chicago"}  # fmt: skip
    assert owner.post("/admin/clinics", data, page="/admin/clinics").status_code == 303
    again = owner.post("/admin/clinics", data | {"name": "north  CLINIC"}, page="/admin/clinics")
    assert again.status_code == 409
    assert "already named &#39;North Clinic&#39;" in again.text
    assert owner.get("/admin/clinics").text.count("<h2>North Clinic") == 1


def test_an_owner_cannot_deactivate_their_own_account(browser_for):
    owner = browser_for("owner@example.org")
    other = browser_for("second-owner@example.org")
    user_id = _user_id(owner, "owner@example.org")
    response = owner.post(f"/admin/users/{user_id}/deactivate", page="/admin/users")
    assert response.status_code == 409 and "another owner must" in response.text
    assert owner.get("/admin/dashboard").status_code == 200
    assert other.post(f"/admin/users/{user_id}/deactivate", page="/admin/users").status_code == 303


def test_signing_out_is_audited(browser_for):
    leaving = browser_for("owner@example.org")
    staying = browser_for("second-owner@example.org")
    assert leaving.post("/admin/logout", page="/admin/dashboard").status_code == 303
    log = staying.get("/admin/audit?action=user.logout").text
    assert "<td>owner@example.org</td><td>user.logout</td>" in log


def _user_id(admin: AdminClient, email: str) -> str:
    page = admin.get("/admin/users").text
    row = page.split(f"<tr><td>{email}</td>")[1]
    return row.split('action="/admin/users/')[1].split("/")[0]


def test_error_pages_are_titled_for_their_status(browser_for):
    owner = browser_for("owner@example.org")
    data = {"name": "North\x07Clinic", "office_phone": "+16175550111",
            "urgent_phone": "+16175550112", "timezone": "America/Chicago"}  # fmt: skip
    crafted = owner.post("/admin/clinics", data, page="/admin/clinics")
    assert crafted.status_code == 422
    assert "<h1>Please check the form</h1>" in crafted.text and "Not allowed" not in crafted.text
    missing = owner.post(
        "/admin/content/versions/99999999999999999999/approve", page="/admin/content"
    )
    assert missing.status_code == 404
    assert "<h1>Not found</h1>" in missing.text and "Not allowed" not in missing.text
