"""Property tests: whatever a phone sends, reading it never crashes and stays consistent.

Arbitrary Unicode (no surrogates, which no SMS can carry), control characters, very long
strings, right-to-left text and zero-width characters.
"""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lupus_sms.alerts.temperatures import find_temperatures
from lupus_sms.conversation.compliance import (
    HELP_WORDS,
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    compliance_word,
    is_opt_out_wish,
)
from lupus_sms.conversation.text import normalise
from lupus_sms.core.errors import ValidationFailed
from lupus_sms.core.phones import mask_phone, normalise_phone, try_normalise_phone

PROPERTY = settings(max_examples=200, deadline=None, database=None)
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202e"]
RTL = ["مرحبا", "שלום", "\u202bSTOP\u202c", "تو\u200fقف"]
COMPLIANCE_WORDS = sorted(OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS)

any_char = st.characters(blacklist_categories=("Cs",))
sms_text = st.one_of(
    st.text(any_char, max_size=200),
    st.text(any_char, min_size=1500, max_size=5000),
    st.lists(st.sampled_from([*ZERO_WIDTH, *RTL, " ", "\n", "\t", "\x00", "\x1b", "🙏", "é"])).map(
        "".join
    ),
    st.lists(st.sampled_from([*COMPLIANCE_WORDS, *RTL, *ZERO_WIDTH, "38.5", "101F"])).map(" ".join),
)
sms_cell = st.text(any_char, max_size=40)
noise = st.text(st.sampled_from([" ", "\t", "\n", ".", "!", "?", "🙏", "*", *ZERO_WIDTH]))


def with_noise(word: str, data) -> str:
    """The word in random case, invisible characters inside, punctuation and emoji around."""
    cased = "".join(c.lower() if data.draw(st.booleans()) else c for c in word)
    inside = "".join(c + data.draw(st.sampled_from(["", *ZERO_WIDTH[:5]])) for c in cased)
    return data.draw(noise) + inside + data.draw(noise)


@PROPERTY
@given(sms_text)
@example("ὐ")  # its capital needs a combining mark
def test_normalise_gives_plain_upper_case_words(body):
    result = normalise(body)
    assert result == result.strip()
    assert "  " not in result
    assert all(ch.isalnum() or ch == " " for ch in result)
    assert not any(ch in result for ch in ZERO_WIDTH)


@PROPERTY
@given(st.sampled_from(COMPLIANCE_WORDS), st.data())
def test_compliance_words_survive_case_spacing_invisibles_and_emoji(word, data):
    text = with_noise(word, data)
    assert normalise(text) == word
    family = next(f for f in (OPT_OUT_WORDS, OPT_IN_WORDS, HELP_WORDS) if word in f)
    assert compliance_word(normalise(text), family)


@PROPERTY
@given(sms_text)
def test_opt_out_reading_never_crashes(body):
    assert is_opt_out_wish(normalise(body)) in (True, False)


@PROPERTY
@given(
    st.sampled_from(["please stop texting me", "no more messages", "unsubscribe me"]),
    st.text(st.sampled_from("abc xyz"), max_size=40),
    st.text(st.sampled_from("abc xyz"), max_size=40),
)
def test_clear_wishes_to_stop_are_found_inside_longer_texts(phrase, before, after):
    assert is_opt_out_wish(normalise(f"{before}. {phrase}, {after}"))


@PROPERTY
@given(sms_text)
@example("1" * 5000)
@example("(202) 555-0123" * 300)
def test_phone_normalisation_returns_e164_or_a_clear_error(raw):
    try:
        e164 = normalise_phone(raw)
    except ValidationFailed as error:
        assert error.field == "phone" and error.message
        return
    assert re.fullmatch(r"\+[1-9]\d{6,14}", e164)
    assert normalise_phone(e164) == e164
    assert try_normalise_phone(raw) == e164


@PROPERTY
@given(
    st.integers(min_value=100, max_value=199),
    st.sampled_from(["+1 202 555 0{n}", "(202) 555-0{n}", "202.555.0{n}", "1-202-555-0{n}"]),
    st.data(),
)
def test_one_number_written_many_ways_normalises_alike(n, pattern, data):
    raw = data.draw(noise.filter(lambda s: not s.strip(" \t\n"))) + pattern.format(n=n)
    expected = f"+1202555{n:04d}"
    assert normalise_phone(raw.strip()) == expected
    masked = mask_phone(expected)
    assert expected not in masked and masked.endswith(expected[-2:])


@PROPERTY
@given(sms_text)
def test_try_normalise_never_raises_and_keeps_inbound_senders(raw):
    result = try_normalise_phone(raw)
    assert result is None or isinstance(result, str)
    if result and result.startswith("+") and result[1:].isdigit():
        assert phonenumbers.is_valid_number(phonenumbers.parse(result)) or result == raw.strip()


@PROPERTY
@given(sms_text, st.booleans())
def test_temperature_reading_never_crashes_and_stays_in_body_range(body, expect):
    for temperature in find_temperatures(body, expect_temperature=expect):
        assert 30.0 <= temperature.celsius <= 46.0


@pytest.fixture
def loose_limits(settings):
    """Hundreds of texts from a handful of numbers: reply limits are not what is tested here."""
    settings.reply_limit_per_window = 10**6
    settings.repeat_reply_limit = 10**6
    return settings


sender = st.one_of(
    st.sampled_from(["+12025550123", "+16175550142", "2025550123", "MyBank", "+4420"]),
    st.text(any_char, max_size=30),
)


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=sms_text, from_=sender, opt_out=st.sampled_from(["", "STOP", "START", "HELP", "ü"]))
def test_webhook_answers_any_text_with_valid_twiml(twilio, loose_limits, body, from_, opt_out):
    response = twilio.sms(body, from_=from_, OptOutType=opt_out)
    if not from_.replace("\x00", "").strip():
        assert response.status_code == 422
        return
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert_valid_twiml(response.text)


def assert_valid_twiml(document: str) -> None:
    from xml.etree import ElementTree

    root = ElementTree.fromstring(document)
    assert root.tag == "Response"
    messages = root.findall("Message")
    assert len(messages) <= 1
    assert all(m.text and m.text.strip() for m in messages)
    assert [child.tag for child in root] == ["Message"] * len(messages)


@PROPERTY
@given(
    st.lists(
        st.lists(
            st.tuples(st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", " ="]), sms_cell).map(
                "".join
            ),
            min_size=1,
            max_size=4,
        ),
        max_size=5,
    )
)
def test_csv_export_cells_never_start_a_formula(rows):
    import csv
    import io

    from lupus_sms.admin.csv_export import FORMULA_START, to_csv

    rows = [[cell.replace("\x00", "") for cell in row] for row in rows]
    parsed = list(csv.reader(io.StringIO(to_csv(["a", "b", "c", "d"], rows), newline="")))
    assert len(parsed) == len(rows) + 1
    for written, original in zip(parsed[1:], rows, strict=True):
        for cell, text in zip(written, original, strict=True):
            assert not cell.startswith(FORMULA_START)
            assert cell in (text, "'" + text)
