"""Reading body temperatures in what patients type: "38.4", "101F", "temp 100.9", "fiebre 38,5".

A number is read as a temperature when something says it is one: a unit or degree sign, a
decimal part in a body-temperature range, a temperature word anywhere in the text ("temp",
"fever", "fiebre"), a message that is the number alone, or a check-in that asked for a
temperature. Without a unit the scale follows from the range (34-44 is Celsius, 93-112 is
Fahrenheit). Numbers followed by another unit ("101 lbs", "95%", "120/80") are not temperatures.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CELSIUS_RANGE = (34.0, 44.0)
FAHRENHEIT_RANGE = (93.0, 112.0)

_NUMBER = re.compile(
    r"(?<![\d.,/:])(?P<whole>\d{2,3})(?:[.,](?P<fraction>\d{1,2}))?(?![\d/:])"
    r"(?P<unit>\s*(?:°|deg(?:rees?)?|grados?)?\s*"
    r"(?:celsius|centigrados?|centigrade|fahrenheit|c|f)?(?![a-z]))?"
    r"(?P<after>\s*[a-z%]+)?",
)
_TEMPERATURE_WORDS = re.compile(
    r"\b(?:temp\w*|fever\w*|fevr|feaver|fiebre|febril|calentura|thermometer|termometro|"
    r"grados|degrees|spiked|spiking|running|hot|caliente|fiebr\w*|tengo|tiene|tenia|tuve|"
    r"tuvo|marca|marco|salio|hit|reached|exacto|exactly)\b"
)
_OTHER_UNITS = {
    "%",
    "lb",
    "lbs",
    "pounds",
    "kg",
    "kilos",
    "mg",
    "ml",
    "mmhg",
    "bpm",
    "pulse",
    "days",
    "day",
    "dias",
    "weeks",
    "semanas",
    "years",
    "anos",
    "hours",
    "horas",
    "minutes",
    "min",
    "mins",
    "percent",
    "sat",
    "o2",
}


@dataclass(frozen=True)
class Temperature:
    celsius: float
    fahrenheit: float
    written: str

    def describe(self) -> str:
        """ "38.4 C (101.1 F)": both scales, as a care team reads it back."""
        return f"{self.celsius:.1f} C ({self.fahrenheit:.1f} F)"


def mentions_temperature(text: str) -> bool:
    """Whether a text speaks of temperature anywhere (so a bare "38.2" in it is one)."""
    return bool(_TEMPERATURE_WORDS.search(_plain(text)))


def find_temperatures(text: str, *, expect_temperature: bool = False) -> list[Temperature]:
    """Every temperature in `text`, in the order written."""
    plain = _plain(text)
    contextual = expect_temperature or bool(_TEMPERATURE_WORDS.search(plain))
    alone = bool(re.fullmatch(r"\s*\d{2,3}(?:[.,]\d{1,2})?\s*", plain))
    found = []
    for match in _NUMBER.finditer(plain):
        temperature = _read(match, contextual=contextual or alone)
        if temperature is not None:
            found.append(temperature)
    return found


def _read(match: re.Match, *, contextual: bool) -> Temperature | None:
    value = float(f"{match['whole']}.{match['fraction'] or 0}")
    unit_text = (match["unit"] or "").strip()
    after = (match["after"] or "").strip()
    if after in _OTHER_UNITS or after.startswith("%"):
        return None
    scale = _scale(unit_text, value)
    if scale is None:
        return None
    if not (unit_text or match["fraction"] or contextual):
        return None
    celsius = value if scale == "C" else (value - 32) * 5 / 9
    fahrenheit = value if scale == "F" else value * 9 / 5 + 32
    return Temperature(round(celsius, 2), round(fahrenheit, 2), match.group(0).strip())


def _scale(unit_text: str, value: float) -> str | None:
    letter = unit_text[-1:] if unit_text else ""
    in_celsius = CELSIUS_RANGE[0] <= value <= CELSIUS_RANGE[1]
    in_fahrenheit = FAHRENHEIT_RANGE[0] <= value <= FAHRENHEIT_RANGE[1]
    if letter == "c" or unit_text.endswith(("celsius", "centigrade", "centigrado", "centigrados")):
        return "C" if in_celsius else None
    if letter == "f" or unit_text.endswith("fahrenheit"):
        return "F" if in_fahrenheit else None
    if in_celsius:
        return "C"
    if in_fahrenheit:
        return "F"
    return None


def _plain(text: str) -> str:
    """Lower case without accents; the look-alikes of the degree sign become one."""
    for look_alike in ("º", "˚"):  # NFKD would turn these into "o" and a space
        text = text.replace(look_alike, "°")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
