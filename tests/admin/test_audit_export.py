"""The audit log as CSV: owners only, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from lupus_sms.admin.csv_export import safe_cell

CRAFTED = ["=1+2@example.org", "+1@example.org", "-1@example.org", "@sum@example.org"]


def rows_of(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))


def test_owners_export_the_audit_log_with_formulas_escaped(browser_for):
    owner = browser_for("owner@example.org")
    for email in CRAFTED:
        created = owner.post(
            "/admin/users", {"email": email, "role": "editor"}, page="/admin/users"
        )
        assert created.status_code == 200, created.text[:300]
    assert 'id="audit-csv"' in owner.get("/admin/audit").text
    response = owner.get("/admin/audit.csv?action=user.create")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    details = {row["detail"] for row in rows_of(response)}
    for email in CRAFTED:
        assert f"'{email} as editor" in details
    for row in rows_of(response):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


def test_the_export_is_itself_audited(browser_for):
    owner = browser_for("owner@example.org")
    owner.get("/admin/audit.csv")
    page = owner.get("/admin/audit?action=audit.export").text
    assert "owner@example.org" in page and "rows" in page


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_editors_and_reviewers_cannot_export(browser_for, role):
    admin = browser_for(f"{role}@example.org", role)
    assert admin.get("/admin/audit.csv").status_code == 403
    assert 'id="audit-csv"' not in admin.get("/admin/audit").text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected
