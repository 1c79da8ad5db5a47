"""CSV import over HTTP and from the command line."""

from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from lupus_sms.cli import app as cli_app
from lupus_sms.clinics.service import create_clinic
from lupus_sms.core.db import get_sessionmaker
from lupus_sms.enrollment.models import Patient
from lupus_sms.messaging.models import Message

HEADER = "phone,consent_source,program,name,external_id,procedure_date\n"


def _upload(api, text: str, *, encoding: str = "utf-8"):
    return api.post(
        "/api/v1/patients/import",
        files={"file": ("patients.csv", text.encode(encoding), "text/csv")},
    )


def test_bom_blank_lines_quoted_commas_and_per_row_errors(api, db):
    text = (
        "\ufeff" + HEADER
        + '(202) 555-0101,written,ahsct,"Lee, Ana",MRN-1,2026-01-20\n'
        + "\n"
        + "  ,  ,  ,  ,  ,  \n"
        + "not a phone,written,msc,Bo,MRN-2,\n"
        + "+12025550102,by pigeon,msc,Cy,MRN-3,\n"
        + "+12025550103,phone,evaluation,,,\r\n"
        + "+1 202 555 0101,phone,ahsct,Dup,,\n"
    )  # fmt: skip
    response = _upload(api, text)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["failed"]) == (2, 3)
    by_line = {row["line"]: row for row in result["rows"]}
    assert by_line[2]["result"] == "created" and by_line[2]["status"] == "pending_consent"
    assert "phone" in by_line[5]["error"]
    assert "consent_source" in by_line[6]["error"]
    assert by_line[7]["result"] == "created"
    assert "line 2" in by_line[8]["error"]
    lee = api.get(f"/api/v1/patients/{by_line[2]['patient_id']}").json()
    assert lee["name"] == "Lee, Ana" and lee["procedure_date"] == "2026-01-20"


def test_reupload_creates_nothing_twice_and_reports_updates(api, db):
    text = HEADER + "+12025550101,written,ahsct,Ana,,\n+12025550102,written,msc,Bo,,\n"
    first = _upload(api, text).json()
    again = _upload(api, text).json()
    changed = _upload(api, text.replace("Bo", "Bob")).json()
    assert first["created"] == 2
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert (changed["updated"], changed["unchanged"]) == (1, 1)
    assert db.scalar(select(func.count()).select_from(Patient)) == 2
    invitations = (
        select(func.count()).select_from(Message).where(Message.kind == "consent_invitation")
    )
    assert db.scalar(invitations) == 2


def test_file_level_problems_are_422(api):
    assert _upload(api, "").status_code == 422
    assert _upload(api, "name,program\nAna,msc\n").status_code == 422
    assert _upload(api, HEADER.replace("name", "nickname")).status_code == 422
    assert _upload(api, "phone,consent_source,program\n", encoding="utf-16").status_code == 422


def test_ten_thousand_rows(api, db):
    lines = [HEADER]
    for index in range(10_000):
        lines.append(f"+1617555{index:04d},written,ahsct,Patient {index},MRN{index},\n")
    response = _upload(api, "".join(lines))
    assert response.status_code == 200, response.text[:500]
    result = response.json()
    assert result["created"] + result["failed"] == 10_000
    assert result["created"] > 9_000  # a few 617-555 numbers are not valid
    assert db.scalar(select(func.count()).select_from(Patient)) == result["created"]


def test_cli_import_with_progress(cli_env, tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    with get_sessionmaker()() as db:
        create_clinic(
            db, name="Riverside", office_phone="+16175550100",
            urgent_phone="+16175550199", timezone="America/New_York",
        )  # fmt: skip
        db.commit()
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "+12025550101,written,ahsct,Ana,,\n", encoding="utf-8-sig")
    result = runner.invoke(cli_app, ["patients", "import", str(good), "--clinic", "Riverside"])
    assert result.exit_code == 0, result.output
    assert "created 1" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "nope,written,ahsct,,,\n", encoding="utf-8")
    result = runner.invoke(cli_app, ["patients", "import", str(bad), "--clinic", "1"])
    assert result.exit_code == 1
    assert "line 2" in result.output and "failed 1" in result.output


def test_an_imported_enrolment_is_recorded_as_from_the_csv_import(api):
    row = "+12025550161,in_person,ahsct,,,\n"
    assert _upload(api, HEADER + row).status_code == 200
    patient = api.get("/api/v1/patients").json()["items"][0]
    events = api.get(f"/api/v1/patients/{patient['id']}/consent-events").json()["items"]
    assert [(event["kind"], event["source"]) for event in events] == [("invited", "csv_import")]
