"""The content shipped in content/: SMS-sized, GSM-7, reachable care-team pointers, valid."""

from __future__ import annotations

import pytest

from lupus_sms.content.loader import load_content_dir
from lupus_sms.content.schemas import Topic
from lupus_sms.content.segments import analyze
from lupus_sms.content.snapshot import ContentError, ContentSnapshot
from lupus_sms.core.config import get_settings

SHIPPED = load_content_dir(get_settings().content_dir)
PARTS = [(topic.key, index, topic) for topic in SHIPPED.topics for index in range(len(topic.parts))]


@pytest.mark.parametrize(("key", "index", "topic"), PARTS, ids=[f"{k}-{i}" for k, i, _ in PARTS])
def test_every_part_as_sent_is_gsm7_and_at_most_two_segments(key, index, topic):
    info = analyze(SHIPPED.topic_part(topic, index))
    assert info.encoding == "GSM-7", info.non_gsm_characters
    assert info.segments <= 2


@pytest.mark.parametrize("name", sorted(SHIPPED.messages))
def test_system_messages_are_gsm7(name):
    assert analyze(SHIPPED.messages[name]).encoding == "GSM-7"


def test_the_topics_the_product_promises_exist():
    keys = set(SHIPPED.by_key)
    assert {
        "lupus",
        "stemcells",
        "ahsct",
        "steps",
        "msc",
        "candidates",
        "research_ahsct",
        "research_msc",
        "risks",
        "providers",
        "questions",
        "recovery",
    } <= keys


@pytest.mark.parametrize("key", ["stemcells", "ahsct", "msc", "research_ahsct", "research_msc"])
def test_experimental_status_is_stated(key):
    text = " ".join(SHIPPED.by_key[key].parts).lower()
    assert any(word in text for word in ("experimental", "investigational", "not standard"))


def _topic(**overrides) -> Topic:
    values = {
        "key": "extra",
        "keyword": "EXTRA",
        "menu_number": 50,
        "title": "Extra",
        "parts": ["Some text. Ask your care team."],
    }
    return Topic(**(values | overrides))


@pytest.mark.parametrize(
    ("topic", "problem"),
    [
        (_topic(keyword="STOP"), "reserved"),
        (_topic(aliases=["RISKS"]), "already used"),
        (_topic(menu_number=1), "menu number"),
        (_topic(parts=["x" * 400 + " care team"]), "segments"),
        (_topic(parts=["No pointer here."]), "care team"),
    ],
)
def test_invalid_topics_are_refused_with_a_clear_message(topic, problem):
    with pytest.raises(ContentError, match=problem):
        ContentSnapshot.build(
            topics=[*SHIPPED.topics, topic],
            messages=SHIPPED.messages,
            version=0,
            documents=SHIPPED.documents,
        )


def test_an_unknown_placeholder_in_a_message_is_refused():
    messages = SHIPPED.messages | {"help": "{program_name} call {nurse_phone}"}
    with pytest.raises(ContentError, match="nurse_phone"):
        ContentSnapshot.build(topics=list(SHIPPED.topics), messages=messages, version=0)
