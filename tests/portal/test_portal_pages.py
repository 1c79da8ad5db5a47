"""Accessibility basics of the portal's own pages: labels, skip link, no inline style or script."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.factories import make_clinic

PAGES = ("/portal/users", "/portal/settings", "/portal/keys")


class FormControls(HTMLParser):
    """Collects visible form controls and the ids that a <label for> names."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.labelled: set[str] = set()
        self.inline_style = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        if "style" in values or (tag == "script" and "src" not in values) or tag == "style":
            self.inline_style = True
        if tag == "label" and values.get("for"):
            self.labelled.add(values["for"])
        if tag in ("input", "select", "textarea") and values.get("type") != "hidden":
            self.controls.append(values)


def _parse(html: str) -> FormControls:
    parser = FormControls()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("path", PAGES)
def test_every_control_has_a_label_and_the_page_has_a_skip_link(db, portal_client, path):
    admin = portal_client(make_clinic(db), "clinic_admin")
    page = admin.get(path)
    assert page.status_code == 200
    parsed = _parse(page.text)

    assert parsed.controls, "the page has a form"
    for control in parsed.controls:
        labelled = control.get("id") in parsed.labelled or control.get("aria-label")
        # A checkbox may sit inside its label.
        assert labelled or control.get("type") == "checkbox", control
    assert not parsed.inline_style
    assert '<a class="skip" href="#main">' in page.text and 'id="main"' in page.text
    assert 'name="viewport"' in page.text
    assert f'<a href="{path}" aria-current="page">' in page.text


def test_the_login_page_labels_its_fields(client):
    parsed = _parse(client.get("/portal/login").text)
    assert {c["id"] for c in parsed.controls} <= parsed.labelled
