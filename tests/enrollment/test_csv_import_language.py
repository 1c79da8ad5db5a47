"""The CSV import's `language` column: Spanish patients invited in Spanish, bad values refused
per row, and a blank value English: until the number's YES the enrolment's own language is
all the clinic knows, whatever the number chose elsewhere (SECURITY.md, "Tenancy")."""

from __future__ import annotations

from sqlalchemy import func, select

from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message, PhoneNumber

HEADER = "phone,consent_source,program,name,language\n"
SPANISH_INVITATION = "Le invitamos a recibir textos"
ENGLISH_INVITATION = "You are invited to get care texts"


def _upload(api, text: str):
    response = api.post(
        "/api/v1/patients/import",
        files={"file": ("patients.csv", text.encode("utf-8"), "text/csv")},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _by_line(result: dict) -> dict[int, dict]:
    return {row["line"]: row for row in result["rows"]}


def _invitations(api, patient_id: int) -> list[str]:
    """The patient's consent invitations in either language, newest first."""
    texts = api.get(f"/api/v1/patients/{patient_id}/messages").json()["items"]
    return [
        text["body"]
        for text in texts
        if text["direction"] == "outbound"
        and (SPANISH_INVITATION in text["body"] or ENGLISH_INVITATION in text["body"])
    ]


def _invitation(api, patient_id: int) -> str:
    invitations = _invitations(api, patient_id)
    assert len(invitations) == 1, invitations
    return invitations[0]


def test_a_spanish_row_enrols_a_spanish_patient_invited_in_spanish(api):
    result = _upload(
        api, HEADER + "+12025550141,written,ahsct,Ana,es\n+12025550142,written,msc,Bo,en\n"
    )
    assert result["created"] == 2 and result["failed"] == 0
    ana, bo = (_by_line(result)[line]["patient_id"] for line in (2, 3))
    assert api.get(f"/api/v1/patients/{ana}").json()["language"] == "es"
    assert SPANISH_INVITATION in _invitation(api, ana)
    assert api.get(f"/api/v1/patients/{bo}").json()["language"] == "en"
    assert ENGLISH_INVITATION in _invitation(api, bo)


def test_an_unknown_language_is_a_row_error_and_creates_nothing_for_it(api, db):
    result = _upload(
        api, HEADER + "+12025550143,written,ahsct,Cy,fr\n+12025550144,written,ahsct,Di,es\n"
    )
    assert (result["created"], result["failed"]) == (1, 1)
    error = _by_line(result)[2]
    assert error["result"] == "error" and error["patient_id"] is None
    assert "language" in error["error"] and "'en' or 'es'" in error["error"]
    assert db.scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+12025550143")) is None
    to_cy = select(func.count()).select_from(Message).where(Message.phone == "+12025550143")
    assert db.scalar(to_cy) == 0
    assert db.scalar(select(func.count()).select_from(Patient)) == 1


def test_a_blank_language_is_english_whatever_the_number_texted_before(api, twilio, db):
    # The number's first keyword was Spanish: not the importing clinic's to learn.
    assert "celulas madre" in twilio.sms("RIESGOS", from_="+12025550145").text
    result = _upload(
        api, HEADER + "+12025550145,written,ahsct,Eva,\n+12025550146,written,ahsct,Fe,\n"
    )
    assert result["created"] == 2
    eva, fe = (_by_line(result)[line]["patient_id"] for line in (2, 3))
    assert api.get(f"/api/v1/patients/{eva}").json()["language"] == "en"
    assert ENGLISH_INVITATION in _invitation(api, eva)
    assert api.get(f"/api/v1/patients/{fe}").json()["language"] == "en"
    assert ENGLISH_INVITATION in _invitation(api, fe)
    db.expire_all()  # the stored rows are the enrolments' own
    assert [db.get(Patient, pid).language for pid in (eva, fe)] == ["en", "en"]


def test_a_file_without_the_column_enrols_in_english(api):
    result = _upload(api, "phone,consent_source,program\n+12025550147,written,ahsct\n")
    patient = result["rows"][0]["patient_id"]
    assert api.get(f"/api/v1/patients/{patient}").json()["language"] == "en"
    assert ENGLISH_INVITATION in _invitation(api, patient)


def test_the_patients_own_switch_outranks_the_files_language_from_the_yes(api, twilio):
    twilio.sms("ESPANOL", from_="+12025550148")
    result = _upload(api, HEADER + "+12025550148,written,ahsct,Gil,en\n")
    patient = result["rows"][0]["patient_id"]
    assert api.get(f"/api/v1/patients/{patient}").json()["language"] == "en"
    assert ENGLISH_INVITATION in _invitation(api, patient)
    twilio.sms("YES", from_="+12025550148")
    assert api.get(f"/api/v1/patients/{patient}").json()["language"] == "es"


def test_a_reupload_changes_the_language_and_a_reenrolment_is_invited_in_it(api):
    first = _upload(api, HEADER + "+12025550149,written,ahsct,Hal,en\n")
    patient = first["rows"][0]["patient_id"]
    changed = _upload(api, HEADER + "+12025550149,written,ahsct,Hal,es\n")
    assert changed["updated"] == 1
    assert api.get(f"/api/v1/patients/{patient}").json()["language"] == "es"
    assert api.delete(f"/api/v1/patients/{patient}").status_code == 204
    again = _upload(api, HEADER + "+12025550149,written,ahsct,Hal,es\n")
    assert again["created"] == 1
    patient = again["rows"][0]["patient_id"]
    assert SPANISH_INVITATION in _invitations(api, patient)[0]
