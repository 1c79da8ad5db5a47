"""Keyword routing through the signed webhook: topics, aliases, menu numbers, MORE, typos."""

from __future__ import annotations

import pytest

from lupus_sms.content.limits import limit
from lupus_sms.content.loader import load_content_dir
from lupus_sms.content.segments import analyze
from lupus_sms.core.config import get_settings
from tests.helpers import reply_text

SHIPPED = load_content_dir(get_settings().content_dir)
TOPICS = SHIPPED.topics


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.key)
def test_every_keyword_gets_its_first_part(twilio, topic):
    assert reply_text(twilio.sms(topic.keyword)) == SHIPPED.topic_part(topic, 0)


@pytest.mark.parametrize(
    ("alias", "topic"),
    [(alias, topic) for topic in TOPICS for alias in topic.aliases],
    ids=lambda value: value if isinstance(value, str) else value.key,
)
def test_every_alias_gets_its_topic(twilio, alias, topic):
    assert reply_text(twilio.sms(alias.lower())) == SHIPPED.topic_part(topic, 0)


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.key)
def test_menu_numbers_pick_topics(twilio, topic):
    assert reply_text(twilio.sms(f" {topic.menu_number} ")) == SHIPPED.topic_part(topic, 0)


def test_case_whitespace_punctuation_and_emoji_are_ignored(twilio):
    expected = SHIPPED.topic_part(SHIPPED.by_key["risks"], 0)
    for body in ("risks", "  RiSkS  ", "Risks?!", "🙏 risks 🙏", "R I S K S", "risks\u200b"):
        assert reply_text(twilio.sms(body)) == expected, body


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("what is ahsct", "ahsct"),
        ("What's MSC?", "msc"),
        ("tell me about the risks", "risks"),
        ("que es MSC?", "msc"),
    ],
)
def test_a_text_that_asks_for_one_keyword_gets_its_topic(twilio, body, key):
    content = SHIPPED.for_language("es" if body.startswith("que") else "en")
    assert reply_text(twilio.sms(body)) == content.topic_part(content.by_key[key], 0)


def test_a_question_that_merely_names_a_keyword_is_not_taken_for_it(twilio):
    reply = reply_text(twilio.sms("is MSC covered by my insurance?"))
    assert reply != SHIPPED.topic_part(SHIPPED.by_key["msc"], 0)


@pytest.mark.parametrize(("language", "more"), [("en", "MORE"), ("es", "MAS")])
def test_menu_is_paged_with_more_and_lists_every_topic_with_its_number(twilio, language, more):
    phone = "+16175550143" if language == "en" else "+16175550144"
    if language == "es":
        twilio.sms("ESPANOL", from_=phone)
    pages = [reply_text(twilio.sms("menu", from_=phone))]
    while "MORE" in pages[-1] or "MAS" in pages[-1]:
        pages.append(reply_text(twilio.sms(more.lower(), from_=phone)))
        assert len(pages) <= 5
    assert len(pages) >= 2
    for page in pages:
        assert analyze(page).segments <= limit("menu_page")
    text = "\n".join(pages)
    for topic in TOPICS:
        keyword = SHIPPED.for_language(language).by_key[topic.key].keyword
        assert f"{topic.menu_number} {keyword}" in text
    assert ("HELP" in pages[-1] and "STOP" in pages[-1]) or "AYUDA" in pages[-1]
    assert reply_text(twilio.sms(more, from_=phone)) == (
        SHIPPED.for_language(language).text("no_more")
    )
    assert reply_text(twilio.sms("1", from_=phone)) == (
        SHIPPED.for_language(language).topic_part(SHIPPED.for_language(language).by_number[1], 0)
    )


def test_more_pages_through_to_the_last_part_and_past_it(twilio):
    topic = SHIPPED.by_key["steps"]
    assert reply_text(twilio.sms("STEPS")) == SHIPPED.topic_part(topic, 0)
    for index in range(1, len(topic.parts)):
        assert reply_text(twilio.sms("MORE")) == SHIPPED.topic_part(topic, index)
    last = SHIPPED.topic_part(topic, len(topic.parts) - 1)
    assert "care team" in last.lower() and "MORE" not in last
    past_end = reply_text(twilio.sms("more"))
    assert past_end == SHIPPED.text("end_of_topic", title=topic.title)
    assert "care team" in past_end.lower()


def test_more_without_a_topic_points_to_the_menu(twilio):
    text = reply_text(twilio.sms("MORE", from_="+16175550142"))
    assert text == SHIPPED.text("no_more")


def test_more_state_is_per_number(twilio):
    twilio.sms("AHSCT", from_="+16175550111")
    twilio.sms("MSC", from_="+16175550112")
    ahsct = SHIPPED.by_key["ahsct"]
    assert reply_text(twilio.sms("MORE", from_="+16175550111")) == SHIPPED.topic_part(ahsct, 1)


@pytest.mark.parametrize(
    ("typo", "key"),
    [("RISKES", "risks"), ("ahcst", "ahsct"), ("recovry", "recovery"), ("questons", "questions")],
)
def test_close_misspellings_get_the_topic(twilio, typo, key):
    assert reply_text(twilio.sms(typo)) == SHIPPED.topic_part(SHIPPED.by_key[key], 0)


def test_a_less_certain_misspelling_gets_did_you_mean(twilio):
    text = reply_text(twilio.sms("MCS"))
    topic = SHIPPED.by_key["msc"]
    assert text == SHIPPED.text("did_you_mean", keyword=topic.keyword, title=topic.title)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("what is the weather like", "unknown_hint"),
        ("", "empty"),
        ("   ", "empty"),
        ("🙂🙂🙂", "empty"),
        ("?!...", "empty"),
        ("你好，我想了解干细胞治疗", "unknown_hint"),
        ("مرحبا", "unknown_hint"),
        ("x" * 1600, "unknown_hint"),
        ("99", "unknown_hint"),
    ],
    ids=["unknown", "empty", "blank", "emoji", "punctuation", "chinese", "arabic", "1600", "99"],
)
def test_anything_unknown_gets_a_short_hint_never_silence(twilio, body, message):
    assert reply_text(twilio.sms(body)) == SHIPPED.text(message)


def test_every_education_path_can_reach_the_care_team():
    for topic in TOPICS:
        assert "care team" in topic.parts[-1].lower()
    for name in ("help", "unknown_hint", "end_of_topic"):
        assert "care team" in SHIPPED.messages[name].lower(), name
