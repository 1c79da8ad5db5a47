"""Tests for lupus_sms.content.segments.

Vectors in ``TWILIO_VECTORS`` are re-derived from the cases in Twilio's calculator
(TwilioDevEd/message-segment-calculator, tests/index.test.js, plus methods.test.js,
segments.test.js and charDetails.test.js). Twilio reports sizes in bits; we check units
(septets = bits / 7 for GSM-7, UTF-16 units = bits / 16 for UCS-2). Where Twilio counts
"characters" as grapheme clusters, our ``characters`` is ``len(text)`` (code points).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lupus_sms.content.segments import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SegmentInfo,
    analyze,
    describe_non_gsm,
    is_gsm7,
    split_segments,
)

LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}
EXTENSION_CHARS = ["|", "^", "€", "{", "}", "[", "]", "~", "\\", "\f"]
ITALY = "\U0001f1ee\U0001f1f9"  # 🇮🇹: two regional indicators, 4 UTF-16 units
RAINBOW = "\U0001f3f3\ufe0f\u200d\U0001f308"  # 🏳️‍🌈: 4 code points, 6 UTF-16 units


def digits(n: int) -> str:
    """Twilio's bodies: '1234567890' repeated and cut to n characters."""
    return ("1234567890" * (n // 10 + 1))[:n]


def units_of(part: str, encoding: str) -> int:
    """Independent oracle: septets by table lookup, UTF-16 units via the codec."""
    if encoding == "GSM-7":
        return sum(2 if ch in GSM7_EXTENSION else 1 for ch in part)
    return len(part.encode("utf-16-le", "surrogatepass")) // 2


# (id, text, encoding, characters, units, segments)
TWILIO_VECTORS = [
    ("gsm-1-segment", digits(160), "GSM-7", 160, 160, 1),
    ("gsm-2-segments", digits(161), "GSM-7", 161, 161, 2),
    ("gsm-3-segments", digits(307), "GSM-7", 307, 307, 3),
    ("ucs2-1-segment", "😜" + digits(69)[1:], "UCS-2", 69, 70, 1),
    ("ucs2-2-segments", "😜" + digits(70)[1:], "UCS-2", 70, 71, 2),
    ("ucs2-3-segments", "😜" + digits(134)[1:], "UCS-2", 134, 135, 3),
    # Twilio: characters 67 graphemes / 68 scalars; we count the 68 code points.
    ("flag-1-segment", ITALY + digits(67)[1:], "UCS-2", 68, 70, 1),
    ("flag-2-segments", ITALY + digits(68)[1:], "UCS-2", 69, 71, 2),
    ("zwj-1-segment", RAINBOW + digits(65)[1:], "UCS-2", 68, 70, 1),
    ("zwj-2-segments", RAINBOW + digits(66)[1:], "UCS-2", 69, 71, 2),
    # Issue #18: GSM extension chars cost 1 unit (not 2) once the message is UCS-2.
    ("ucs2-ext-1-segment", "😀" + "]" * 68, "UCS-2", 69, 70, 1),
    ("ucs2-ext-2-segments", "😀" + "]" * 69, "UCS-2", 70, 71, 2),
    # Issue #57: same rule with | { ^ mixed around a non-GSM ∞.
    (
        "ucs2-issue-57",
        "||||||||||||||||||||||||{||||||||||||||||||||||||||||∞||||||||||^|||||",
        "UCS-2",
        70,
        70,
        1,
    ),
    # Line breaks: Twilio splits the CRLF grapheme back into CR + LF; both are GSM-7.
    ("crlf", "\rabcde\r\n123", "GSM-7", 11, 11, 1),
    ("lf", "\nabcde\n\n123\n", "GSM-7", 12, 12, 1),
    # Issue #17: e + three combining acute accents is 1 grapheme but 4 code points/units.
    ("combining-alone", "e\u0301\u0301\u0301", "UCS-2", 4, 4, 1),
    ("combining-1-segment", "e\u0301\u0301\u0301" + "a" * 66, "UCS-2", 70, 70, 1),
    ("combining-2-segments", "e\u0301\u0301\u0301" + "a" * 67, "UCS-2", 71, 71, 2),
    # Twilio's 'MY' country mode allows ASCII only and says UCS-2 / 2 segments here; with
    # the standard table (which we implement) é is GSM-7 and this is one segment.
    (
        "malaysia-standard-table",
        "Hi I am john, this is my message in MY sms format é, "
        "this should generate to 2 segments and be formatted in UCS-2",
        "GSM-7",
        113,
        113,
        1,
    ),
    ("ucs2-at-sign-and-emoji", "@😀", "UCS-2", 2, 3, 1),
]

# Boundary cases required by the issue: (id, text, encoding, units, segments).
BOUNDARY_VECTORS = [
    ("gsm-160", "a" * 160, "GSM-7", 160, 1),
    ("gsm-161", "a" * 161, "GSM-7", 161, 2),
    ("gsm-306", "a" * 306, "GSM-7", 306, 2),
    ("gsm-307", "a" * 307, "GSM-7", 307, 3),
    ("gsm-ext-fits-at-159", "a" * 158 + "€", "GSM-7", 160, 1),
    ("gsm-ext-overflows-at-160", "a" * 159 + "€", "GSM-7", 161, 2),
    # 306 septets would be 2 segments by arithmetic, but € cannot straddle 153|154.
    ("gsm-ext-at-153-boundary", "a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
    ("ucs2-70", "é" * 69 + "ç", "UCS-2", 70, 1),
    ("ucs2-71", "é" * 70 + "ç", "UCS-2", 71, 2),
    # 134 units would be 2 segments by arithmetic, but the surrogate pair moves whole.
    ("emoji-at-67-boundary", "a" * 66 + "😀" + "a" * 66, "UCS-2", 134, 3),
    ("emoji-ends-segment", "a" * 65 + "😀" + "a" * 67, "UCS-2", 134, 2),
    ("euro-counts-2", "€", "GSM-7", 2, 1),
    ("curly-quote", "It’s time", "UCS-2", 9, 1),
]


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "units", "segments"),
    [pytest.param(*v[1:], id=v[0]) for v in TWILIO_VECTORS],
)
def test_twilio_vectors(text, encoding, characters, units, segments):
    info = analyze(text)
    assert (info.encoding, info.characters, info.units, info.segments) == (
        encoding,
        characters,
        units,
        segments,
    )
    assert len(split_segments(text)) == segments


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [pytest.param(*v[1:], id=v[0]) for v in BOUNDARY_VECTORS],
)
def test_boundaries(text, encoding, units, segments):
    info = analyze(text)
    assert (info.encoding, info.units, info.segments) == (encoding, units, segments)
    assert len(split_segments(text)) == segments


@pytest.mark.parametrize("char", EXTENSION_CHARS)
def test_twilio_escape_characters(char):
    one = char + digits(158)
    two = char + digits(159)
    assert analyze(one) == SegmentInfo("GSM-7", 159, 160, 1, ())
    assert analyze(two) == SegmentInfo("GSM-7", 160, 161, 2, ())


@pytest.mark.parametrize("char", ["Á", "Ú", "ú", "ç", "í", "Í", "ó", "Ó"])
def test_twilio_single_ucs2_characters(char):
    assert analyze(char * 70) == SegmentInfo("UCS-2", 70, 70, 1, (char,))
    assert analyze(char * 71) == SegmentInfo("UCS-2", 71, 71, 2, (char,))


def test_twilio_segment_contents():
    assert split_segments(digits(307))[2] == "7"
    assert split_segments("😜" + digits(134)[1:])[2] == "4"
    assert [len(p) for p in split_segments("A" * 161)] == [153, 8]


def test_escape_pair_moves_whole_to_next_segment():
    parts = split_segments("a" * 152 + "€" + "a" * 152)
    assert parts == ["a" * 152, "€" + "a" * 151, "a"]
    parts = split_segments("a" * 153 + "{" + "a" * 10)
    assert parts == ["a" * 153, "{" + "a" * 10]


def test_surrogate_pair_moves_whole_to_next_segment():
    assert split_segments("a" * 66 + "😀" + "a" * 66) == ["a" * 66, "😀" + "a" * 65, "a"]
    # The same pair given as two lone surrogate code points is not split either.
    pair = "\ud83d\ude00"
    parts = split_segments("a" * 66 + pair + "a" * 66)
    assert parts == ["a" * 66, pair + "a" * 65, "a"]
    assert analyze(pair) == SegmentInfo("UCS-2", 2, 2, 1, ("\ud83d", "\ude00"))


def test_non_gsm_characters_unique_in_first_seen_order():
    info = analyze("más “quoted” más ’ é ç á 😀’")
    assert info.non_gsm_characters == ("á", "“", "”", "’", "ç", "😀")
    assert analyze("más").non_gsm_characters == ("á",)


def test_describe_non_gsm():
    info = analyze("It’s ok")
    assert describe_non_gsm(info.non_gsm_characters) == ["’ (U+2019 RIGHT SINGLE QUOTATION MARK)"]
    assert describe_non_gsm(["😀", "\xa0", "\x1b", "\ud83d"]) == [
        "😀 (U+1F600 GRINNING FACE)",
        "\\xa0 (U+00A0 NO-BREAK SPACE)",
        "\\x1b (U+001B)",
        "\\ud83d (U+D83D)",
    ]
    assert describe_non_gsm([]) == []


def test_empty_string_is_zero_segments():
    # Twilio's calculator says 1 segment; we say 0 (see module docstring).
    assert analyze("") == SegmentInfo("GSM-7", 0, 0, 0, ())
    assert split_segments("") == []
    assert is_gsm7("")


def test_gsm_alphabet_matches_twilio_table():
    # Twilio's UnicodeToGsm keys: printable ASCII except backtick, plus LF, FF, CR, plus these.
    extra = [0xA1, 0xA3, 0xA4, 0xA5, 0xA7, 0xBF, 0xC4, 0xC5, 0xC6, 0xC7, 0xC9, 0xD1, 0xD6]
    extra += [0xD8, 0xDC, 0xDF, 0xE0, 0xE4, 0xE5, 0xE6, 0xE8, 0xE9, 0xEC, 0xF1, 0xF2, 0xF6]
    extra += [0xF8, 0xF9, 0xFC, 0x393, 0x394, 0x398, 0x39B, 0x39E, 0x3A0, 0x3A3, 0x3A6]
    extra += [0x3A8, 0x3A9, 0x20AC]
    twilio = {chr(c) for c in range(0x20, 0x7F) if c != 0x60} | set("\n\f\r")
    twilio |= {chr(c) for c in extra}
    assert twilio == GSM7_BASIC | GSM7_EXTENSION
    assert len(GSM7_BASIC) == 127  # 128 codes minus ESC
    assert not is_gsm7("`") and not is_gsm7("\x1b") and not is_gsm7("\u2206")


GSM_ALPHABET = sorted(GSM7_BASIC | GSM7_EXTENSION)
TRICKY = ["😀", "€", "{", "\ud83d", "\ude00", "’", "\x00", "\x1b", "\u200d", "\ufe0f", "a"]
texts = st.one_of(
    st.text(max_size=2000),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=2000),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Cs", "Co", "Cn"]), max_size=300),
    st.text(alphabet=st.sampled_from(GSM_ALPHABET), max_size=2000),
    st.text(alphabet=st.sampled_from(GSM_ALPHABET + TRICKY), max_size=2000),
    # Repeated short patterns reach long, multi-segment lengths and land on boundaries.
    st.builds(
        lambda s, n: (s * n)[:2000],
        st.text(alphabet=st.sampled_from(GSM_ALPHABET[:20] + TRICKY), min_size=1, max_size=8),
        st.integers(min_value=1, max_value=400),
    ),
)


@settings(max_examples=200, deadline=None, database=None)
@given(texts)
def test_properties(text):
    info = analyze(text)
    parts = split_segments(text)
    assert info.segments == len(parts)
    assert "".join(parts) == text
    assert info.characters == len(text)
    assert info.encoding == ("GSM-7" if is_gsm7(text) else "UCS-2")
    assert info.units == units_of(text, info.encoding)
    assert set(info.non_gsm_characters) == {c for c in text if not is_gsm7(c)}
    assert len(set(info.non_gsm_characters)) == len(info.non_gsm_characters)
    assert len(describe_non_gsm(info.non_gsm_characters)) == len(info.non_gsm_characters)
    if not text:
        assert parts == []
        return
    single, multi = LIMITS[info.encoding]
    limit = single if len(parts) == 1 else multi
    sizes = [units_of(p, info.encoding) for p in parts]
    assert all(0 < size <= limit for size in sizes)
    assert sum(sizes) == info.units
    for prev, nxt, size in zip(parts, parts[1:], sizes, strict=False):
        # Never split a surrogate pair, never leave an ESC dangling at a segment end:
        # pieces only move when the next one really does not fit (greedy, fewest segments).
        assert not ("\ud800" <= prev[-1] <= "\udbff" and "\udc00" <= nxt[0] <= "\udfff")
        paired = "\ud800" <= nxt[0] <= "\udbff" and "\udc00" <= nxt[1:2] <= "\udfff"
        first = nxt[:2] if paired else nxt[0]
        assert size + units_of(first, info.encoding) > limit
