"""Spanish content: parity with English, segment rules in both encodings, fallback, storage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from lupus_sms.content.schemas import placeholders_in
from lupus_sms.content.segments import GSM7, UCS2, analyze
from lupus_sms.content.snapshot import ContentError
from lupus_sms.content.store import parse_texts, path_for, read_dir, seed_if_empty, write_dir
from lupus_sms.content.transfer import export_content
from lupus_sms.content.translation import strings_of_documents, strings_of_translation

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="module")
def shipped():
    return parse_texts(read_dir(CONTENT), version=1)


def _with(texts: dict[str, str], key: str, change) -> dict[str, str]:
    data = yaml.safe_load(texts[key])
    change(data)
    return {**texts, key: yaml.safe_dump(data, allow_unicode=True)}


def test_every_english_topic_has_a_spanish_file_with_the_same_key_and_menu_number(shipped):
    english = {path.name for path in (CONTENT / "topics").glob("*.yaml")}
    spanish = {path.name for path in (CONTENT / "es" / "topics").glob("*.yaml")}
    assert spanish == english, f"missing Spanish topics: {sorted(english - spanish)}"
    translated = shipped.translations["es"].topics
    for topic in shipped.topics:
        assert translated[topic.key].menu_number == topic.menu_number
        assert not placeholders_in(" ".join(translated[topic.key].parts))


def test_every_english_message_and_document_text_has_spanish_with_the_same_placeholders(shipped):
    spanish = shipped.translations["es"]
    assert set(spanish.messages) == set(shipped.messages)
    for name, text in shipped.messages.items():
        assert placeholders_in(spanish.messages[name]) == placeholders_in(text), name
    english_strings = strings_of_documents(shipped.documents)
    spanish_strings = strings_of_translation(spanish)
    assert set(spanish_strings) == set(english_strings)
    for path, text in english_strings.items():
        assert placeholders_in(spanish_strings[path]) == placeholders_in(text), path
    assert shipped.missing == {"es": ()}


def test_long_spanish_texts_are_gsm7_and_short_ones_with_accents_fit_two_ucs2_segments(shipped):
    spanish = shipped.translations["es"]
    for topic in spanish.topics.values():
        for index in range(len(topic.parts)):
            info = analyze(shipped.for_language("es").topic_part(topic, index))
            assert (info.encoding, info.segments <= 2) == (GSM7, True), (topic.key, index)
    for path, text in strings_of_translation(spanish).items():
        if path.startswith("plans."):
            assert analyze(text).encoding == GSM7, path
    accented = [text for text in spanish.messages.values() if analyze(text).encoding == UCS2]
    assert accented, "some short Spanish texts keep their accents"
    for text in accented:
        filled = text.format(program_name=shipped.messages["program_name"])
        assert analyze(filled).segments <= 2


def test_a_long_text_with_accents_is_refused_and_its_gsm7_spelling_accepted():
    texts = read_dir(CONTENT)
    long_text = "Información útil para usted. " * 6 + "Responda MENU."
    refused = _with(texts, "es/messages", lambda d: d.update(empty=long_text))
    with pytest.raises(ContentError, match=r"es/messages.empty: \d UCS-2 segments"):
        parse_texts(refused, version=1)
    plain = long_text.replace("ó", "o").replace("ú", "u")
    parse_texts(_with(texts, "es/messages", lambda d: d.update(empty=plain)), version=1)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("No pudimos leer eso. Responda “MENU”.", "neither GSM-7 nor Spanish accents"),
        ("No pudimos leer {que}. Responda MENU.", "same placeholders"),
    ],
)
def test_stray_characters_and_other_placeholders_are_refused(text, problem):
    texts = _with(read_dir(CONTENT), "es/messages", lambda d: d.update(empty=text))
    with pytest.raises(ContentError, match=problem):
        parse_texts(texts, version=1)


def test_a_spanish_reminder_must_keep_the_english_numbers():
    def drop_fever_threshold(data):
        data["texts"]["ahsct_day1"] = data["texts"]["ahsct_day1"].replace("38.0 C ", "")

    texts = _with(read_dir(CONTENT), "es/document:plans", drop_fever_threshold)
    with pytest.raises(ContentError, match=r"ahsct_day1: keep the English text's numbers"):
        parse_texts(texts, version=1)


def test_structure_is_not_duplicated_in_the_spanish_documents():
    texts = _with(read_dir(CONTENT), "es/document:safety", lambda d: d.update(red_flags={}))
    with pytest.raises(ContentError, match="belong in the English file"):
        parse_texts(texts, version=1)


def test_a_missing_spanish_text_falls_back_to_english_and_is_listed():
    texts = read_dir(CONTENT)
    texts = _with(texts, "es/messages", lambda d: d.pop("help"))
    texts = _with(texts, "es/document:plans", lambda d: d["texts"].pop("msc_day7"))
    del texts["es/topic:risks"]
    content = parse_texts(texts, version=1)
    spanish = content.for_language("es")
    assert spanish.text("help") == content.text("help")
    assert spanish.by_key["risks"] == content.by_key["risks"]
    assert spanish.by_key["lupus"] != content.by_key["lupus"]
    assert set(content.missing["es"]) == {"messages.help", "plans.msc_day7", "topic:risks"}


def test_spanish_and_english_keywords_may_not_collide_across_topics():
    def take_risks_keyword(data):
        data["aliases"] = [*data["aliases"], "RISKS"]

    texts = _with(read_dir(CONTENT), "es/topic:lupus", take_risks_keyword)
    with pytest.raises(ContentError, match="RISKS is already used by risks"):
        parse_texts(texts, version=1)


def test_spanish_files_round_trip_byte_for_byte(tmp_path, db, clock):
    assert path_for("es/topic:lupus") == Path("es/topics/lupus.yaml")
    assert path_for("es/document:plans") == Path("es/plans.yaml")
    assert seed_if_empty(db, content_dir=CONTENT, now=clock.now())
    export_content(db, content_dir=tmp_path)
    for source in CONTENT.rglob("*.yaml"):
        assert (tmp_path / source.relative_to(CONTENT)).read_bytes() == source.read_bytes()
    write_dir({k: v for k, v in read_dir(tmp_path).items() if k != "es/topic:msc"}, tmp_path)
    assert not (tmp_path / "es" / "topics" / "msc.yaml").exists()


def test_spanish_dates_in_reminders_are_gsm7_safe():
    from datetime import datetime

    from lupus_sms.scheduling.plans import format_appointment

    values = format_appointment(datetime(2026, 3, 21, 15, 30), "es")
    assert values == {"appointment_date": "sab 21 mar", "appointment_time": "3:30 p.m."}
    assert re.fullmatch(r"[a-z0-9 :.]+", " ".join(values.values()))
