"""The quick replies page (clinic admins): the defaults and the clinic's own texts, adding,
replacing a default, editing and deleting, each audited; the checks with their messages;
roles and tenancy."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from lupus_sms.audit.models import AuditEntry
from lupus_sms.threads import quick_replies
from lupus_sms.threads.models import QuickReply
from tests.factories import make_clinic, make_patient

PAGE = "/portal/settings/quick-replies"
PARKING = {
    "key": "parking",
    "title": "Parking",
    "body_en": "Hi {first_name}, park in lot B behind {clinic_name}. Questions: {office_phone}.",
    "body_es": "Hola {first_name}, estacione en el lote B. Preguntas: {office_phone}.",
}


@pytest.fixture
def clinic(db):
    return make_clinic(db, sender="+16175550142")


@pytest.fixture
def admin(portal_client, clinic):
    return portal_client(clinic, "clinic_admin")


def _rows(db, clinic) -> list[QuickReply]:
    db.expire_all()
    return list(db.scalars(select(QuickReply).where(QuickReply.clinic_id == clinic.id)))


def _audit(db, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _add(admin, **changes):
    return admin.post(PAGE, {**PARKING, **changes}, page=PAGE)


def test_the_settings_page_links_to_the_quick_replies(admin):
    settings = admin.get("/portal/settings").text
    assert f'href="{PAGE}"' in settings
    page = html.unescape(admin.get(PAGE).text)
    assert "Insurance questions" in page and "Hola {first_name}, la cobertura" in page
    assert f"{PAGE}?replace=insurance" in page and "None yet" in page


def test_a_clinic_admin_adds_a_quick_reply_and_it_is_audited(db, admin, clinic):
    added = _add(admin)
    assert added.status_code == 303 and added.headers["location"] == f"{PAGE}?done=added"
    [reply] = _rows(db, clinic)
    assert (reply.key, reply.title, reply.body_en, reply.body_es) == tuple(PARKING.values())
    [entry] = _audit(db, "portal.quick_reply.create")
    assert entry.actor == admin.user.email and entry.target == f"quick_reply:{reply.id}"
    assert entry.detail == f"clinic:{clinic.id} key:parking"
    page = html.unescape(admin.get(f"{PAGE}?done=added").text)
    assert "Quick reply added." in page and "park in lot B behind {clinic_name}" in page


def test_replacing_a_default_starts_from_its_texts_and_takes_its_place(db, admin, clinic):
    form = html.unescape(admin.get(f"{PAGE}?replace=insurance").text)
    assert 'name="key" type="text" value="insurance"' in form
    assert "Our financial counselor can check it with you" in form
    assert "Nuestro asesor financiero" in form
    body = "Hi {first_name}, Rosa at {office_phone} checks your coverage."
    replaced = _add(admin, key="insurance", title="Coverage", body_en=body, body_es="")
    assert replaced.status_code == 303
    patient = make_patient(db, clinic, name="Ana Lopez")
    db.commit()
    found = {c.key: c for c in quick_replies.choices(db, clinic=clinic, patient=patient)}
    assert (found["insurance"].title, found["insurance"].body) == (
        "Coverage",
        "Hi Ana, Rosa at (617) 555-0100 checks your coverage.",
    )
    page = html.unescape(admin.get(PAGE).text)
    assert "Replaced: edit this clinic's text" in page and "(replaces the default)" in page


def test_a_clinic_admin_edits_and_deletes_a_quick_reply(db, admin, clinic):
    _add(admin)
    [reply] = _rows(db, clinic)
    form = html.unescape(admin.get(f"{PAGE}/{reply.id}").text)
    assert "park in lot B behind" in form
    edit = {**PARKING, "title": "Parking and entrance", "body_es": ""}
    saved = admin.post(f"{PAGE}/{reply.id}", edit, page=f"{PAGE}/{reply.id}")
    assert saved.status_code == 303
    [changed] = _rows(db, clinic)
    assert (changed.title, changed.body_es) == ("Parking and entrance", None)
    [entry] = _audit(db, "portal.quick_reply.update")
    assert entry.target == f"quick_reply:{reply.id}" and entry.actor == admin.user.email
    deleted = admin.post(f"{PAGE}/{reply.id}/delete", page=f"{PAGE}/{reply.id}")
    assert deleted.status_code == 303 and _rows(db, clinic) == []
    [entry] = _audit(db, "portal.quick_reply.delete")
    assert entry.detail == f"clinic:{clinic.id} key:parking"


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"key": "Parking Lot"}, "A key is 1 to 40 small letters, digits or _"),
        # The form's pattern refuses capitals: so does the server, never lowercasing silently.
        ({"key": "INSURANCE"}, "A key is 1 to 40 small letters, digits or _"),
        (
            {"body_en": "Hi {first_name}, your lupus nurse will call."},
            "Do not say lupus: quick replies go to patients who chose discreet texts: their "
            "lock screen may show it",
        ),
        ({"body_es": "Hola {first_name}, su cita de quimio es el lunes."}, "Do not say quimio"),
        # A zero-width space pasted inside the word: a phone shows "lupus" whole.
        ({"body_en": "Hi {first_name}, your l\u200bupus visit."}, "Do not say lupus"),
        ({"title": "  "}, "Give it a title"),
        ({"body_en": ""}, "Write the English text"),
        ({"body_en": "Hi {firstname}, lot B."}, "Use only these placeholders: {clinic_name}"),
        ({"body_es": "Hola {nombre}, lote B."}, "Use only these placeholders"),
        ({"body_en": "Hi {first_name, lot B."}, "check the spelling and the braces"),
        ({"body_en": "Park in lot B behind the building. " * 14}, "Too long: 4 GSM-7 segments"),
        ({"body_es": "Estacione en el lote B, detrás del edificio. " * 5}, "UCS-2 segments"),
    ],
)
def test_a_refused_quick_reply_says_why_and_saves_nothing(db, admin, clinic, changes, said):
    refused = _add(admin, **changes)
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert said in page and "Nothing was saved" in page
    assert _rows(db, clinic) == [] and _audit(db, "portal.quick_reply.create") == []


def test_a_title_may_name_the_illness_it_is_never_sent(db, admin, clinic):
    assert _add(admin, title="Lupus clinic parking").status_code == 303
    assert [r.title for r in _rows(db, clinic)] == ["Lupus clinic parking"]


def test_an_edit_that_names_the_illness_is_refused(db, admin, clinic):
    _add(admin)
    [reply] = _rows(db, clinic)
    body = "Hi {first_name}, the transplant team parks in lot B."
    refused = admin.post(f"{PAGE}/{reply.id}", {**PARKING, "body_en": body},
                         page=f"{PAGE}/{reply.id}")  # fmt: skip
    assert refused.status_code == 422
    assert "Do not say transplant" in html.unescape(refused.text)
    assert _rows(db, clinic)[0].body_en == PARKING["body_en"]


def test_a_second_text_with_the_same_key_is_refused(db, admin, clinic):
    _add(admin)
    refused = _add(admin, title="Other parking")
    assert refused.status_code == 422
    assert "already has a quick reply with the key parking" in html.unescape(refused.text)
    assert [r.title for r in _rows(db, clinic)] == ["Parking"]


def test_an_edit_that_is_refused_keeps_the_saved_text(db, admin, clinic):
    _add(admin)
    [reply] = _rows(db, clinic)
    refused = admin.post(
        f"{PAGE}/{reply.id}", {**PARKING, "body_en": "Hi {nombre}"}, page=f"{PAGE}/{reply.id}"
    )
    assert refused.status_code == 422 and "Use only these placeholders" in refused.text
    assert _rows(db, clinic)[0].body_en == PARKING["body_en"]
    assert _audit(db, "portal.quick_reply.update") == []


@pytest.mark.parametrize("role", ["coordinator", "nurse"])
def test_only_clinic_admins_manage_quick_replies(db, portal_client, clinic, role):
    other = portal_client(clinic, role)
    assert other.get(PAGE).status_code == 403
    assert f'href="{PAGE}"' not in other.get("/portal/patients").text
    refused = other.post(PAGE, PARKING, page="/portal/patients")
    assert refused.status_code == 403 and _rows(db, clinic) == []


def test_another_clinics_quick_reply_is_answered_like_a_missing_one(db, admin, clinic):
    elsewhere = make_clinic(db, name="Harbor Clinic", sender="+16175550143")
    theirs = QuickReply(clinic_id=elsewhere.id, key="parking", title="Theirs", body_en="Lot C.")
    db.add(theirs)
    db.commit()
    missing = admin.get(f"{PAGE}/999999")
    assert missing.status_code == 404
    for response in (
        admin.get(f"{PAGE}/{theirs.id}"),
        admin.post(f"{PAGE}/{theirs.id}", PARKING, page=PAGE),
        admin.post(f"{PAGE}/{theirs.id}/delete", page=PAGE),
    ):
        assert response.status_code == 404
        assert "No such quick reply in this clinic." in response.text
        assert "Theirs" not in response.text and "Lot C." not in response.text
    db.expire_all()
    assert db.get(QuickReply, theirs.id).title == "Theirs"
    assert "Theirs" not in admin.get(PAGE).text
