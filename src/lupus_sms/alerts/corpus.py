"""The red-flag test corpus: realistic replies and the reading each must get.

Used twice: by the table-driven test (tests/alerts/test_red_flag_corpus.py), and by the
safety document validator, which refuses a content change that breaks it. The validator is
looser than the test in one way only: extended content may find *more* categories in a
red-flag text, but every expected category must still be found, and a text expected to be
calm must stay calm (negations never alert).
"""

from __future__ import annotations

from dataclasses import dataclass

from lupus_sms.alerts.rules import SafetyRules, read_text


@dataclass(frozen=True)
class Case:
    text: str
    expected: tuple[str, ...]  # red-flag categories; () means no alert
    meanings: tuple[str, ...] = ()  # what an open check-in made of the reply
    expect_temperature: bool = False  # a temperature check-in is open


CORPUS: tuple[Case, ...] = (
    # Fever: temperatures in both scales, decimal commas, units, Spanish, typos, the past.
    Case("38.4", ("fever",)),
    Case("101F", ("fever",)),
    Case("temp 100.9", ("fever",)),
    Case("fiebre 38,5", ("fever",)),
    Case("Fever yesterday but 37.2 now", ("fever",)),
    Case("had a fever last night, fine now", ("fever",)),
    Case("TEMP IS 38.0", ("fever",)),
    Case("100.4 F", ("fever",)),
    Case("39°C", ("fever",)),
    Case("my temp was 38,1 this morning", ("fever",)),
    Case("i have a fevr", ("fever",)),
    Case("feeling feverish", ("fever",)),
    Case("Tengo fiebre", ("fever",)),
    Case("102.5f!!", ("fever",)),
    Case("🤒", ("fever",)),
    Case("no fever but temp 38.3", ("fever",)),
    Case("not sure if it's a fever", ("fever",)),
    Case("38", ("fever",), expect_temperature=True),
    Case("2", ("fever",), meanings=("fever",)),
    # Chills, bleeding, breathing, chest pain.
    Case("chills and shaking", ("chills",)),
    Case("Escalofrios toda la noche", ("chills",)),
    Case("no fever, but chills", ("chills",)),
    Case("bleeding gums", ("bleeding",)),
    Case("Bleedng from my nose", ("bleeding",)),
    Case("nosebleed won't stop", ("bleeding",)),
    Case("lots of bruises on my legs", ("bleeding",)),
    Case("can't stop bleeding", ("bleeding",)),
    Case("3", ("bleeding",), meanings=("bleeding",)),
    Case("I cant breathe", ("breathing",)),
    Case("Short of breath walking upstairs", ("breathing",)),
    Case("hard to breath", ("breathing",)),
    Case("no puedo respirar", ("breathing",)),
    Case("4", ("breathing",), meanings=("breathing",)),
    Case("CHEST PAIN", ("chest_pain",)),
    Case("me duele el pecho", ("chest_pain",)),
    # Confusion, fainting, vomiting, emergency, self-harm.
    Case("mom seems confused today", ("confusion",)),
    Case("I fainted in the shower", ("fainting",)),
    Case("passed out this morning", ("fainting",)),
    Case("vomitting all night", ("vomiting",)),
    Case("can't keep fluids down", ("vomiting",)),
    Case("threw up twice 🤮", ("vomiting",)),
    Case("EMERGENCY", ("emergency",)),
    Case("should I call 911?", ("emergency",)),
    Case("I want to kill myself", ("self_harm",)),
    Case("i don't want to live anymore", ("self_harm",)),
    Case("not going to hurt myself but I think about it", ("self_harm",)),
    Case("quiero morir", ("self_harm",)),
    Case("fever and chills 38.9", ("fever", "chills")),
    # Spanish, with and without accents.
    Case("tengo escalofríos", ("chills",)),
    Case("Tengo sangrado de la nariz", ("bleeding",)),
    Case("estoy sangrando", ("bleeding",)),
    Case("tengo dificultad para respirar", ("breathing",)),
    Case("me falta el aire", ("breathing",)),
    Case("dolor de pecho fuerte", ("chest_pain",)),
    Case("mi mamá tiene confusión", ("confusion",)),
    Case("está confundida", ("confusion",)),
    Case("me desmayé en el baño", ("fainting",)),
    Case("un desmayo esta mañana", ("fainting",)),
    Case("vómitos toda la noche", ("vomiting",)),
    Case("es una emergencia", ("emergency",)),
    Case("pienso en el suicidio", ("self_harm",)),
    Case("fiebre de 38,7", ("fever",)),
    Case("tuve fiebre anoche", ("fever",)),
    Case("temperatura 101 F", ("fever",)),
    # Calm texts: negations, normal temperatures, everyday words. None may alert.
    Case("no fever", ()),
    Case("No Fever!", ()),
    Case("not bleeding", ()),
    Case("no fever or chills", ()),
    Case("no fever, no chills, 37.1", ()),
    Case("sin fiebre", ()),
    Case("no tengo fiebre", ()),
    Case("37.2", ()),
    Case("98.6", ()),
    Case("temp 99.1F", ()),
    Case("fever free since monday", ()),
    Case("no signs of bleeding", ()),
    Case("I haven't had a fever", ()),
    Case("never felt better", ()),
    Case("feeling ok", ()),
    Case("1", (), meanings=("ok",)),
    Case("Good morning 😊", ()),
    Case("blood test tomorrow at 10", ()),
    Case("day 101 after transplant", ()),
    Case("weight 101 lbs", ()),
    Case("when is my next appointment?", ()),
    Case("thanks!", ()),
    Case("call me please", ()),
    Case("37,5", (), expect_temperature=True),
    Case("no tengo escalofríos", ()),
    Case("sin sangrado", ()),
    Case("me siento bien, gracias", ()),
    Case("¿cuándo es mi cita?", ()),
    Case("temperatura 36,8", ()),
)


def failures(rules: SafetyRules, *, exact: bool = False) -> list[str]:
    """The corpus cases the rules read wrongly, as readable lines ([] when all pass)."""
    problems = []
    for case in CORPUS:
        reading = read_text(
            case.text, rules, meanings=case.meanings, expect_temperature=case.expect_temperature
        )
        found = set(reading.categories)
        expected = set(case.expected)
        wrong = found != expected if exact or not expected else not expected <= found
        if wrong:
            problems.append(f"{case.text!r}: expected {sorted(expected)}, read {sorted(found)}")
    return problems
