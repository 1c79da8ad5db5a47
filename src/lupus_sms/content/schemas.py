"""The shape of education content: topics and system messages, as loaded from content/."""

from __future__ import annotations

import re
import string

from pydantic import BaseModel, Field, field_validator

# Words carriers and Twilio reserve, plus our own navigation words: never a topic keyword.
RESERVED_WORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
        "START",
        "YES",
        "UNSTOP",
        "HELP",
        "INFO",
        "MENU",
        "MORE",
        "NO",
        "Y",
        "N",
        # Spanish: opt-out, opt-in and help words, navigation and the language switch.
        *("PARAR", "ALTO", "CANCELAR", "DETENER", "BAJA", "DESUSCRIBIR", "FIN"),
        *("COMENZAR", "INICIAR", "SI", "SÍ", "AYUDA", "MENÚ", "MAS", "MÁS"),
        *("ESPANOL", "ESPAÑOL", "ENGLISH", "INGLES", "INGLÉS"),
        # The privacy words (inbound/privacy.py).
        *("PRIVATE", "PRIVADO", "PRIVADA", "DETAILS", "DETALLES", "FULL", "COMPLETO"),
    }
)
CARE_TEAM_POINTER = re.compile(r"care team", re.IGNORECASE)


class Topic(BaseModel):
    key: str = Field(pattern=r"^[a-z0-9_]+$", max_length=64)
    keyword: str = Field(pattern=r"^[A-Z0-9]+$", max_length=24)
    aliases: list[str] = Field(default_factory=list)
    menu_number: int = Field(ge=1, le=99)
    title: str = Field(min_length=1, max_length=40)
    parts: list[str] = Field(min_length=1, max_length=10)

    @field_validator("aliases")
    @classmethod
    def _aliases_upper(cls, aliases: list[str]) -> list[str]:
        for alias in aliases:
            if not re.fullmatch(r"[A-Z0-9][A-Z0-9 ]*", alias):
                raise ValueError(f"alias {alias!r}: use capital letters, digits and spaces")
        return aliases


def placeholders_in(template: str) -> set[str]:
    """Named placeholders used by a template ("{clinic_name}" -> "clinic_name").

    A malformed one comes back as a description that no text allows, so every validator
    that refuses unknown placeholders also refuses it, with words an editor understands,
    instead of a server error when the text is filled in."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return {"an unpaired { or } (write {{ or }} for a brace itself)"}
    found = set()
    for _literal, name, spec, conversion in fields:
        if name is None:
            continue
        if not name.isidentifier():
            found.add(f"{{{name}}} (a placeholder is a name such as {{clinic_name}})")
        elif conversion or spec:
            found.add(f"{{{name}!{conversion or ''}:{spec or ''}}} (no conversions or formats)")
        else:
            found.add(name)
    return found
