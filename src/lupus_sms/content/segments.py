"""SMS segment counting for GSM-7 and UCS-2 messages.

Why this exists: carriers bill per segment, and one stray character (a curly quote pasted
from a word processor) silently switches a whole message from GSM-7 (160 characters) to
UCS-2 (70), often doubling its cost. Editors need the exact count and the culprit.

Rules (3GPP TS 23.038, formerly GSM 03.38, and Twilio's behaviour):

* A message is GSM-7 only if every character is in the basic table or the extension table;
  otherwise the *whole* message is UCS-2.
* GSM-7 is counted in septets. Extension characters are sent as ESC + char, so they cost 2
  septets, and the pair is never split across segments (the next segment gets both).
* UCS-2 is counted in UTF-16 code units, as carriers really send UTF-16: a character outside
  the BMP (most emoji) costs 2 units and its surrogate pair is never split.
* One segment holds 160 septets / 70 units. Concatenated messages spend 6 octets of every
  segment on the User Data Header, leaving 153 septets / 67 units per segment.
* The empty string has 0 characters and 0 segments, and ``split_segments("") == []``.
  Twilio's calculator reports 1 segment for it (it always opens a first segment), but the
  Twilio API refuses an empty body (error 21602), so nothing is ever sent or billed. Zero is
  the honest answer for an editor, and it keeps ``segments == len(split_segments(text))``
  true for every input.

We split on code points and never on grapheme clusters: the network does not know about
graphemes, so a ZWJ emoji sequence may straddle two segments (Twilio's calculator keeps a
grapheme whole and may report one segment more in that rare case).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "SegmentInfo",
    "analyze",
    "describe_non_gsm",
    "is_gsm7",
    "split_segments",
]

# Basic table in code order 0x00-0x7F. 0x1B is ESC (the extension prefix, not a printable
# character) and is left out. Greek letters are spelled as escapes on purpose: U+0394 is not
# U+2206 INCREMENT and U+03A9 is not U+2126 OHM SIGN, and only the Greek ones are GSM.
# 0x09 is capital Ç (U+00C7); lowercase ç is *not* GSM-7 and forces UCS-2.
GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039eÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table (each sent as ESC + code, so 2 septets). \f is the page break (ESC 0x0A).
GSM7_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")
_GSM7 = GSM7_BASIC | GSM7_EXTENSION

GSM7, UCS2 = "GSM-7", "UCS-2"
_SINGLE = {GSM7: 160, UCS2: 70}
_MULTI = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class SegmentInfo:
    """Result of :func:`analyze`; ``units`` is septets (GSM-7) or UTF-16 code units (UCS-2)."""

    encoding: str
    characters: int
    units: int
    segments: int
    non_gsm_characters: tuple[str, ...]


def is_gsm7(text: str) -> bool:
    """True if every character is in the GSM-7 basic or extension table (empty is GSM-7)."""
    return all(ch in _GSM7 for ch in text)


def _atoms(text: str, encoding: str) -> list[tuple[str, int]]:
    """Split text into unbreakable pieces with their unit cost.

    A Python ``str`` holds code points, so an astral character is already one piece. A high
    surrogate followed by a low surrogate (a pair smuggled in as two code points, e.g. from
    ``surrogatepass`` decoding) is rejoined so it cannot be split either; lone surrogates
    cost one unit each and never raise.
    """
    if encoding == GSM7:
        return [(ch, 2 if ch in GSM7_EXTENSION else 1) for ch in text]
    atoms: list[tuple[str, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if "\ud800" <= ch <= "\udbff" and i + 1 < n and "\udc00" <= text[i + 1] <= "\udfff":
            atoms.append((text[i : i + 2], 2))
            i += 2
            continue
        atoms.append((ch, 2 if ord(ch) > 0xFFFF else 1))
        i += 1
    return atoms


def _layout(text: str) -> tuple[str, int, list[str]]:
    """Return (encoding, total units, segment payloads): the one place segmentation happens."""
    encoding = GSM7 if is_gsm7(text) else UCS2
    atoms = _atoms(text, encoding)
    units = sum(cost for _, cost in atoms)
    if not text:
        return encoding, 0, []
    if units <= _SINGLE[encoding]:
        return encoding, units, [text]
    # Greedy packing (close the segment when the next piece does not fit) gives the fewest
    # segments for a fixed order of pieces; Twilio's calculator packs the same way.
    limit = _MULTI[encoding]
    segments: list[str] = []
    current: list[str] = []
    used = 0
    for piece, cost in atoms:
        if used + cost > limit:
            segments.append("".join(current))
            current, used = [], 0
        current.append(piece)
        used += cost
    segments.append("".join(current))
    return encoding, units, segments


def _non_gsm(text: str) -> tuple[str, ...]:
    """Characters outside GSM-7 basic+extension, unique, in order of first appearance."""
    return tuple(dict.fromkeys(ch for ch in text if ch not in _GSM7))


def analyze(text: str) -> SegmentInfo:
    """Encoding, sizes and segment count of ``text`` as it would be sent by SMS.

    ``characters`` is ``len(text)`` (code points), not grapheme clusters and not units.
    """
    encoding, units, segments = _layout(text)
    return SegmentInfo(
        encoding=encoding,
        characters=len(text),
        units=units,
        segments=len(segments),
        non_gsm_characters=_non_gsm(text),
    )


def split_segments(text: str) -> list[str]:
    """The payload of each segment, in order; ``"".join(result) == text`` always holds.

    Escape pairs and surrogate pairs are never split: a piece that does not fit moves whole
    to the next segment, which can add a segment a plain ``ceil(units / 153)`` would miss.
    """
    return _layout(text)[2]


def describe_non_gsm(chars: Iterable[str]) -> list[str]:
    """Human-readable labels such as ``"’ (U+2019 RIGHT SINGLE QUOTATION MARK)"``.

    Invisible or unprintable characters (controls, format characters, lone surrogates) are
    shown as a Python escape so the UI never renders an empty or broken glyph.
    """
    labels = []
    for ch in "".join(chars):  # also accepts a plain string or multi-code-point items
        shown = ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        name = unicodedata.name(ch, "")
        code = f"U+{ord(ch):04X}"
        labels.append(f"{shown} ({code} {name})" if name else f"{shown} ({code})")
    return labels
