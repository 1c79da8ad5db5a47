"""The Spanish topics in content/es/topics/: the English topics' twins, SMS-sized, GSM-7.

The files are read on their own (not through the app) so that a broken Spanish file names
itself here, whatever the loader does with it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import textstat
import yaml
from rapidfuzz.distance import OSA

from lupus_sms.content.schemas import RESERVED_WORDS, Topic
from lupus_sms.content.segments import analyze
from lupus_sms.conversation.text import closest_word, compact, fuzzy_confidence, normalise
from lupus_sms.core.config import get_settings

CONTENT_DIR = get_settings().content_dir
ENGLISH_DIR = CONTENT_DIR / "topics"
SPANISH_DIR = CONTENT_DIR / "es" / "topics"
FILE_NAMES = sorted(path.name for path in ENGLISH_DIR.glob("*.yaml"))

# Spanish opt-out, help, navigation and language words: never a topic keyword.
SPANISH_CONTROL_WORDS = frozenset(
    {"PARAR", "ALTO", "CANCELAR", "DETENER", "BAJA", "AYUDA", "SI", "MAS", "ESPANOL"}
    | {"ENGLISH", "COMENZAR", "INICIAR"}
)
# The MORE marker appended to every part but the last (" (1/3) Responda MAS" is 19): parts
# are written to fit 2 segments with a marker of up to this many GSM-7 characters.
MARKER_BUDGET = 32
ACUTE_ACCENTS = set("áéíóúÁÉÍÓÚ")
INFORMAL_YOU = re.compile(r"\b(tu|tus|te|ti|contigo)\b", re.IGNORECASE)
EXPERIMENTAL_STATUS = ("experimental", "en investigacion")
# How a patient may spell an alias word with its accents (the files hold it without).
ACCENTED_WORDS = {
    "AUTOLOGO": "AUTÓLOGO",
    "CELULA": "CÉLULA",
    "CELULAS": "CÉLULAS",
    "CLINICO": "CLÍNICO",
    "CLINICOS": "CLÍNICOS",
    "COMO": "CÓMO",
    "DESPUES": "DESPUÉS",
    "INVESTIGACION": "INVESTIGACIÓN",
    "MEDICO": "MÉDICO",
    "QUE": "QUÉ",
    "QUIEN": "QUIÉN",
    "QUIENES": "QUIÉNES",
    "RECUPERACION": "RECUPERACIÓN",
    "SENALES": "SEÑALES",
    "SISTEMICO": "SISTÉMICO",
}


def _load(path: Path) -> Topic:
    return Topic.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


SPANISH = {name: _load(SPANISH_DIR / name) for name in FILE_NAMES if (SPANISH_DIR / name).exists()}
ENGLISH = {name: _load(ENGLISH_DIR / name) for name in FILE_NAMES}
PARTS = [(name, index) for name, topic in SPANISH.items() for index in range(len(topic.parts))]


def _words_by_topic() -> dict[str, str]:
    """Every keyword and alias of both languages (spaces removed) -> topic key."""
    words: dict[str, str] = {}
    for topic in [*ENGLISH.values(), *SPANISH.values()]:
        for word in (topic.keyword, *topic.aliases):
            words.setdefault(compact(word), topic.key)
    return words


def _spanish_words() -> list[tuple[str, str]]:
    return [(t.key, w) for t in SPANISH.values() for w in (t.keyword, *t.aliases)]


def test_every_english_topic_has_a_spanish_file_and_nothing_else():
    assert sorted(path.name for path in SPANISH_DIR.glob("*.yaml")) == FILE_NAMES


@pytest.mark.parametrize("name", FILE_NAMES)
def test_each_file_names_its_encoding_choice_first(name):
    first_line = (SPANISH_DIR / name).read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("#") and "GSM-7" in first_line


@pytest.mark.parametrize("name", FILE_NAMES)
def test_same_key_and_menu_number_as_english(name):
    assert (SPANISH[name].key, SPANISH[name].menu_number) == (
        ENGLISH[name].key,
        ENGLISH[name].menu_number,
    )


@pytest.mark.parametrize("name", FILE_NAMES)
def test_keyword_is_one_plain_word(name):
    assert re.fullmatch(r"[A-Z]+", SPANISH[name].keyword)


@pytest.mark.parametrize(("name", "index"), PARTS, ids=[f"{n[:-5]}-{i}" for n, i in PARTS])
def test_every_part_with_a_more_marker_is_gsm7_and_at_most_two_segments(name, index):
    part = SPANISH[name].parts[index]
    info = analyze(part + " " + "X" * (MARKER_BUDGET - 1))
    assert info.encoding == "GSM-7", info.non_gsm_characters
    assert info.segments <= 2, f"{len(part)} characters"


@pytest.mark.parametrize("name", FILE_NAMES)
def test_spelling_drops_every_acute_accent_and_only_those(name):
    text = SPANISH[name].title + "".join(SPANISH[name].parts)
    assert not ACUTE_ACCENTS & set(text)
    assert analyze(text).encoding == "GSM-7"


def test_the_spanish_more_marker_fits_the_budget_the_parts_were_written_for():
    messages = yaml.safe_load((CONTENT_DIR / "es" / "messages.yaml").read_text(encoding="utf-8"))
    marker = messages["more_marker"].format(part=10, total=10)
    assert analyze(marker).encoding == "GSM-7"
    assert len(marker) <= MARKER_BUDGET


@pytest.mark.parametrize("name", FILE_NAMES)
def test_last_part_points_to_the_care_team(name):
    assert re.search(r"\bequipo de atencion medica\b", SPANISH[name].parts[-1])


@pytest.mark.parametrize("name", FILE_NAMES)
def test_speaks_formally_to_the_patient(name):
    assert not INFORMAL_YOU.search(" ".join(SPANISH[name].parts))


@pytest.mark.parametrize("name", FILE_NAMES)
def test_keeps_every_number_of_the_english_text(name):
    numbers = re.compile(r"\d+(?:\.\d+)?")
    spanish = set(numbers.findall(" ".join(SPANISH[name].parts)))
    assert set(numbers.findall(" ".join(ENGLISH[name].parts))) <= spanish


@pytest.mark.parametrize("key", ["stemcells", "ahsct", "msc", "research_ahsct", "research_msc"])
def test_experimental_status_is_stated(key):
    text = " ".join(SPANISH[f"{key}.yaml"].parts).lower()
    assert any(phrase in text for phrase in EXPERIMENTAL_STATUS)


@pytest.mark.parametrize("name", FILE_NAMES)
def test_every_reply_word_in_the_text_opens_a_topic(name):
    words = _words_by_topic()
    for word in re.findall(r"Responda ([A-Z]+)", " ".join(SPANISH[name].parts)):
        assert word in words, word


@pytest.mark.parametrize(("key", "word"), _spanish_words())
def test_keywords_and_aliases_are_not_reserved_and_not_taken(key, word):
    assert compact(word) not in RESERVED_WORDS | SPANISH_CONTROL_WORDS
    assert _words_by_topic()[compact(word)] == key


@pytest.mark.parametrize(("key", "word"), _spanish_words())
def test_no_one_letter_typo_of_a_spanish_word_is_another_topics_word(key, word):
    for other, other_key in _words_by_topic().items():
        if other_key != key:
            assert OSA.distance(compact(word), other) > 1, other
    for reserved in RESERVED_WORDS | SPANISH_CONTROL_WORDS:
        assert OSA.distance(compact(word), reserved) > 1, reserved


def _accented(word: str) -> str:
    return " ".join(ACCENTED_WORDS.get(part, part) for part in word.split(" "))


ACCENTED = [(key, _accented(word)) for key, word in _spanish_words() if _accented(word) != word]


def test_the_accent_check_covers_the_accented_words():
    assert len(ACCENTED) >= 20


@pytest.mark.parametrize(("key", "accented"), ACCENTED)
def test_typed_with_its_accents_it_still_finds_its_topic(key, accented):
    typed = compact(normalise(accented.lower()))
    words = _words_by_topic()
    match = closest_word(typed, list(words))
    assert match is not None
    assert words[match[0]] == key
    assert fuzzy_confidence(typed, *match) == "sure"


@pytest.fixture
def spanish_textstat():
    """textstat's language is global: the admin's English reading grade needs it back."""
    textstat.set_lang("es")
    yield textstat
    textstat.set_lang("en_US")


@pytest.mark.parametrize("name", FILE_NAMES)
def test_reads_fairly_easily(name, spanish_textstat):
    """Fernandez-Huerta 70 or more ("bastante facil", fairly easy); a list line is a
    sentence to the reader, so it is scored as one."""
    score = spanish_textstat.fernandez_huerta(readable_text(SPANISH[name].parts))
    assert score >= 70


def readable_text(parts: list[str]) -> str:
    """The parts as running text: each list line ends like the sentence it is read as."""
    lines = [line.strip().lstrip("- ").strip() for part in parts for line in part.split("\n")]
    return " ".join(line if line[-1] in ".!?:" else line + "." for line in lines if line)
