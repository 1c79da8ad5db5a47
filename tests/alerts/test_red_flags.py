"""Red flags the way patients and carers write them, through the Twilio webhook.

Each case is a behaviour of the reader (negation scope, time, who a text is about, general
questions, Spanish, typos), checked by what the service does: the alert it opens, with its
category and severity, and the reply. The broad measurement is the frozen held-out set
(test_safety_eval.py); these pin the rules a clinician would state.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lupus_sms.alerts.models import Alert
from tests.alerts.conftest import PATIENT_PHONE
from tests.helpers import reply_text


def _sms(twilio, body: str) -> str:
    return reply_text(twilio.sms(body, from_=PATIENT_PHONE))


def _red_flags(db) -> list[Alert]:
    db.expire_all()
    stmt = select(Alert).where(Alert.kind == "red_flag").order_by(Alert.id)
    return list(db.scalars(stmt))


ALERTS = [
    # (text, categories that must be found)
    ("no fever but my chest feels tight", {"chest_pain"}),
    ("temp 38,3 y escalofrios", {"fever"}),
    ("101.2 F", {"fever"}),
    ("my husband cant catch his breath walking to the bathroom", {"breathing"}),
    ("pulse ox says 89", {"breathing"}),
    ("she fainted this morning, fine now", {"neurological"}),
    ("had a seizure last night", {"neurological"}),
    ("left side of his face is drooping and his words are slurred", {"neurological"}),
    ("fever was 38.6 last night, tylenol brought it down", {"fever"}),
    ("my left leg is really swollen and red and hot", {"blood_clot"}),
    ("theres pus around my picc dressing", {"central_line"}),
    ("threw up 6 times since midnight, cant keep water down", {"dehydration"}),
    ("bleding gums and little red dots on my legs", {"bleeding"}),
    ("my lips are swelling after the infusion", {"allergic_reaction"}),
    ("pain 9/10 in my back", {"severe_pain"}),
    ("mi esposo tiene calentura y no puede respirar bien", {"fever", "breathing"}),
    ("my mom tiene mucho dolor en el pecho", {"chest_pain"}),
    ("hi! thanks for the reminder, btw ive had 38.6 since lunch, see you thursday", {"fever"}),
    ("had a fever last week and it came back tonight", {"fever"}),
    ("🤒🤒", {"fever"}),
    # A worried question reports what is happening; only a general one is set aside.
    ("is it normal that grandmas one leg is fat and shiny and warm?", {"blood_clot"}),
    ("my husband says his lower back is 9/10 since the apheresis", {"severe_pain"}),
    ("finger thing says 88 for my son", {"breathing"}),
    ("help me", {"emergency"}),
    ("no puedo dejar de vomitar", {"dehydration"}),
    ("my son keeps saying the tv is talking to him", {"neurological"}),
    # A part of the body that cannot be felt, an eye that cannot see (an outside tester's).
    ("cant feel my arm", {"neurological"}),
    ("i can barely see out of one eye", {"neurological"}),
    ("de repente no siento el brazo izquierdo", {"neurological"}),
    # A show named first does not make the patient's own words about the show.
    ("was watching tv and suddenly my chest got tight", {"chest_pain"}),
    ("during the show i passed out", {"neurological"}),
    ("estaba viendo la novela y me empezo un dolor de pecho fuerte", {"chest_pain"}),
    ("my husband was watching tv and now he cant breathe", {"breathing"}),
    ("i lost sight in one eye", {"neurological"}),
]


@pytest.mark.parametrize(("text", "categories"), ALERTS, ids=[t for t, _ in ALERTS])
def test_a_red_flag_opens_an_alert_and_gets_the_safety_reply(twilio, db, patient, text, categories):
    reply = _sms(twilio, text)
    [alert] = _red_flags(db)
    assert categories <= set(alert.categories.split(","))
    assert alert.severity in ("critical", "urgent") and alert.category in categories
    assert "URGENT" in reply and "911" in reply


SAFE = [
    "no fever, no chills, 37.1",
    "sin fiebre ni dolor, todo bien",
    "had a fever last week, been fine since",
    "la semana pasada tuve fiebre pero ya no",
    "my dog has been vomiting all day",
    "watching greys anatomy, someone had a seizure lol",
    "my coworker fainted at work today",
    "what are the signs of infection?",
    "what temperature counts as a fever?",
    "blood test at 9 tomorrow?",
    "this insurance paperwork is killing me lol",
    "im dying to know my results",
    "36.8",
    # Asked, then answered no.
    "puntitos rojos? nope, me revise toda la piel",
    "the nurse asked me to text after my walk about chest pain. none.",
    "my appointment is at 9 and my back is fine",
    "fyi my own mother had a stroke in florida, i might be away thursday",
    "help me understand the risks",
    "dying of boredom in this waiting room",
    "i fainted once when i was a teenager",
    "la enfermera pregunto si mi mama tenia la pierna hinchada. estan iguales, normalitas",
    # A dose, a count under ten, a reading after the medicine, an empty bottle for a refill.
    "i took 20 mg of prednisone this morning like they said",
    "took 2 tylenol for my headache, is that ok",
    "took tylenol at 6 and it went down to 99",
    "my pill bottle is empty, i need a refill of my prednisone",
    "took all my pills this morning like the doc said",
    "ninguna vision borrosa, la presion 120/80",
    "watching a show where a guy overdoses on pain pills and now im paranoid about mixing mine",
    "took all 3 of my morning pills",
    "stop my pills before the biopsy?",
    "i gave away my old clothes to goodwill",
]


@pytest.mark.parametrize("text", SAFE)
def test_what_is_plainly_not_about_the_patient_now_opens_no_red_flag(twilio, db, patient, text):
    reply = _sms(twilio, text)
    assert _red_flags(db) == []
    assert "URGENT" not in reply


@pytest.mark.parametrize(
    "text",
    [
        "whats the point of going on",
        "everyone would be better off without me",
        "ive been saving up my pills, just in case",
        "stopped taking my tacrolimus on purpose",
        "i just want to go to sleep and not wake up",
        "not going to hurt myself but i think about it",
        "my wife keeps saying she wants to end it all",
        # Someone named in the sentence before is no reason to stay silent.
        "gave my jewelry to my niece yesterday. wont be needing any of it",
        "been thinking about unaliving myself ngl",
        "i dont see the point anymore",
        # Pills swallowed, without the word "overdose" (an outside tester's texts).
        "i took all my pills",
        "took like 30 tylenol",
        "i took 20 of my prednisone",
        "swallowed all my sleeping pills",
        "me tome todas las pastillas",
        "found him passed out, the tylenol bottle was full yesterday and now its empty",
        "nobody would miss me",
        "im watching tv and i want to die",
        "watching tv. i took all my pills",
        "viendo la tele y me quiero morir",
        "took 60 advil",
        "i od'd on my meds",
        "you wont hear from me again",
    ],
)
def test_self_harm_said_indirectly_gets_988_and_a_critical_alert(twilio, db, patient, text):
    reply = _sms(twilio, text)
    [alert] = _red_flags(db)
    assert alert.category == "self_harm" and alert.severity == "critical"
    assert "988" in reply and "911" in reply


@pytest.mark.parametrize(
    "text",
    [
        "ya no quiero vivir",
        "mejor me muero",
        "mi mama dice que ya se quiere morir",
        "no tengo ganas de vivir asi, esto no es vida",
    ],
)
def test_self_harm_in_spanish_says_how_to_reach_988_in_spanish(twilio, db, patient, text):
    reply = _sms(twilio, text)
    assert _red_flags(db)[0].category == "self_harm"
    assert "988" in reply and "marque 2" in reply and "AYUDA" in reply


def test_critical_categories_put_911_first_and_urgent_ones_the_care_team(twilio, db, patient):
    critical = _sms(twilio, "my chest feels crushed")
    urgent = _sms(twilio, "temp is 38.9")
    assert critical.index("911") < critical.index("(617) 555-0199")
    assert urgent.index("(617) 555-0199") < urgent.index("911")
    assert [a.severity for a in _red_flags(db)] == ["critical", "urgent"]


def test_a_text_in_spanish_is_answered_in_spanish_whatever_the_numbers_language(
    twilio, db, patient
):
    reply = _sms(twilio, "mi esposa tiene fiebre de 39 y escalofrios")
    assert reply.startswith("URGENTE")


def test_the_alert_api_says_what_the_alert_is(twilio, client, db, patient, headers):
    _sms(twilio, "cant breathe and fever 39")
    [alert] = client.get("/api/v1/alerts", headers=headers).json()["items"]
    assert alert["category"] == "breathing" and alert["severity"] == "critical"
    assert set(alert["categories"]) == {"breathing", "fever"}
