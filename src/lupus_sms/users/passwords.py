"""Argon2 password hashing (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
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


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"use at least {MIN_LENGTH} characters"
    if len(password) > 256:
        return "use at most 256 characters"
    return None
