"""Argon2 password hashing (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

import itertools
import re

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MIN_DISTINCT = 5
# The most used passwords and the words they are built on (lists of leaked passwords): each
# is refused alone or wrapped in digits and symbols ("Password2024!"). A short list on
# purpose: length and the checks below do most of the work, with no dependency to keep.
_COMMON = """password passw0rd p@ssword p@ssw0rd qwerty qwertyuiop azerty letmein welcome iloveyou
    admin administrator monkey dragon football baseball basketball soccer hockey sunshine
    princess trustno1 superman batman master shadow michael jennifer jordan hunter ranger
    abc123 changeme secret whatever freedom starwars pokemon computer internet login
    welcomeback letmeinplease mypassword passwordpassword newpassword lupus lupussms
    stemcell transplant hospital clinic nurse doctor coordinator summer winter spring autumn
    january february december christmas qazwsx qazwsxedc qazwsxedcrfv 1qaz2wsx 1qaz2wsx3edc
    zaq12wsx qweasdzxc"""
COMMON_PASSWORDS = frozenset(_COMMON.split())
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
# Neighbours along a row, and down a column ("qaz", "wsx", "1qaz").
_KEYBOARD = (
    " ".join(_KEYBOARD_ROWS)
    + " "
    + " ".join("".join(row[i] for row in _KEYBOARD_ROWS if i < len(row)) for i in range(10))
)
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
_WRAPPING = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_DUMMY_PASSWORD = "not-a-real-password-0000"  # noqa: S105 - verified when no account matches
_hasher = PasswordHasher()
# Verified when the email is unknown, so a wrong email costs as long as a wrong password.
_dummy_hash = _hasher.hash(_DUMMY_PASSWORD)


def use_cost(parameters: Parameters | None) -> None:
    """Hash with these Argon2 parameters from now on (None: the production defaults).

    For the test suite only, which signs in thousands of times: a stored hash carries its own
    parameters, so a cheap one verifies cheaply. Login-security tests keep the real cost.
    """
    global _hasher, _dummy_hash
    _hasher = PasswordHasher() if parameters is None else PasswordHasher.from_parameters(parameters)
    _dummy_hash = _hasher.hash(_DUMMY_PASSWORD)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why a new password is refused, or None: too short or long, or easy to guess."""
    if len(password) < MIN_LENGTH:
        return f"use at least {MIN_LENGTH} characters"
    if len(password) > 256:
        return "use at most 256 characters"
    return _guessable(password.lower(), email)


def _guessable(lowered: str, email: str | None) -> str | None:
    if len(set(lowered)) < MIN_DISTINCT:
        return f"use at least {MIN_DISTINCT} different characters"
    core = _WRAPPING.sub("", lowered)  # "Password2024!" -> "password"
    if _is_repeated(lowered) or _is_repeated(core) or _is_sequence(lowered):
        return "avoid repeats and sequences such as 'abcabc', '123456' or 'qwerty'"
    if lowered in COMMON_PASSWORDS or core in COMMON_PASSWORDS:
        return "this is one of the most common passwords; choose another"
    if _holds_email(lowered, email):
        return "do not use your email address (or its domain) in your password"
    return None


def _holds_email(lowered: str, email: str | None) -> bool:
    """The email's name or its domain's, whatever separates its parts ('admin.b' is in
    'Admin-B-2026', 'example' in 'example.org!X9')."""
    local, _, domain = (email or "").strip().lower().partition("@")
    letters = _NOT_ALPHANUMERIC.sub("", lowered)
    parts = [_NOT_ALPHANUMERIC.sub("", local), domain.split(".")[0]]
    return any(len(part) >= 3 and part in letters for part in parts)


def _is_repeated(lowered: str) -> bool:
    """The same block more than once ('passwordpassword', 'abcabcabcabc')."""
    return (lowered + lowered).find(lowered, 1) < len(lowered)


def _is_sequence(lowered: str) -> bool:
    """Mostly steps to a neighbour: the same key, the next letter or digit, the next key on a
    keyboard row ('123456789012', 'abcdefghijkl', 'qwertyuiop12')."""
    steps = list(itertools.pairwise(lowered))
    simple = sum(1 for a, b in steps if _neighbours(a, b))
    return simple >= 0.7 * len(steps)


def _neighbours(a: str, b: str) -> bool:
    return abs(ord(a) - ord(b)) <= 1 or a + b in _KEYBOARD or b + a in _KEYBOARD
