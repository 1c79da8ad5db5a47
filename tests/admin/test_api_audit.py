"""Every change made through the clinic API is in the admin's audit log, under the key that
made it (its public prefix, never the secret) and the clinic, with the portal's action names."""

from __future__ import annotations

import csv
import io

from tests.factories import make_api_key, make_clinic, make_patient

PHONE = "+12025550142"


def _audit_rows(admin, actor: str) -> list[dict[str, str]]:
    response = admin.get(f"/admin/audit.csv?actor={actor}")
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def _key_prefix(token: str) -> str:
    return "_".join(token.split("_")[:2])


def test_api_changes_are_audited_under_the_keys_prefix(db, client, twilio, browser_for):
    clinic = make_clinic(db, name="Riverside Health Clinic")
    token = make_api_key(db, clinic)
    client.headers.update({"Authorization": f"Bearer {token}"})
    prefix = _key_prefix(token)
    patient = make_patient(db, clinic, phone=PHONE)
    base = f"/api/v1/patients/{patient.id}"

    made = client.post(
        f"{base}/appointments", json={"starts_at": "2026-05-01T14:00:00Z", "kind": "consultation"}
    )
    assert made.status_code == 201, made.text
    appointment = f"{base}/appointments/{made.json()['id']}"
    moved = client.patch(appointment, json={"starts_at": "2026-05-02T14:00:00Z"})
    assert moved.status_code == 200, moved.text
    assert client.delete(appointment).status_code == 204
    milestone = client.post(f"{base}/milestones", json={"kind": "infusion", "date": "2026-04-01"})
    assert milestone.status_code == 201, milestone.text
    milestone_url = f"{base}/milestones/{milestone.json()['id']}"
    assert client.patch(milestone_url, json={"date": "2026-04-08"}).status_code == 200
    assert client.delete(milestone_url).status_code == 204
    assert client.post(f"{base}/privacy", json={"level": "detailed"}).status_code == 200
    assert client.patch(base, json={"status": "paused"}).status_code == 200
    twilio.sms("bleeding from my nose", from_=PHONE)
    alert = client.get("/api/v1/alerts").json()["items"][0]
    acked = client.post(f"/api/v1/alerts/{alert['id']}/acknowledge", json={"by": "Nurse Kim"})
    assert acked.status_code == 200, acked.text
    enrolled = client.post(
        "/api/v1/patients",
        json={"phone": "+12025550143", "consent_source": "in_person", "program": "ahsct"},
    )
    assert enrolled.status_code == 201, enrolled.text
    imported = client.post(
        "/api/v1/patients/import",
        files={
            "file": (
                "p.csv",
                "phone,program,consent_source\n+12025550144,ahsct,in_person\n",
                "text/csv",
            )
        },
    )
    assert imported.status_code == 200, imported.text
    assert client.delete(base).status_code == 204

    rows = _audit_rows(browser_for("owner@example.org"), prefix)
    assert {row["actor"] for row in rows} == {f"api key {prefix}"}
    assert token not in str(rows)
    assert sorted(row["action"] for row in rows) == sorted(
        f"api.{action}"
        for action in (
            "appointment.add", "appointment.move", "appointment.cancel",
            "milestone.add", "milestone.move", "milestone.delete",
            "patient.privacy", "patient.update", "alert.acknowledge",
            "patient.enrolled", "patient.import", "patient.unenroll",
        )
    )  # fmt: skip
    clinic_rows = [row for row in rows if row["action"] != "api.patient.import"]
    assert {row["detail"] for row in clinic_rows} == {f"clinic:{clinic.id}"}


def test_an_api_opt_out_is_audited(db, client, browser_for):
    clinic = make_clinic(db)
    token = make_api_key(db, clinic)
    patient = make_patient(db, clinic, phone=PHONE)
    answer = client.post(
        f"/api/v1/patients/{patient.id}/opt-out",
        json={"source": "phone"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    rows = _audit_rows(browser_for("owner@example.org"), _key_prefix(token))
    assert [(row["action"], row["target"]) for row in rows] == [
        ("api.patient.opt_out", f"patient:{patient.id}")
    ]
