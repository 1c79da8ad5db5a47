"""Phone numbers: E.164 normalisation with `phonenumbers`, hashing and masking for logs."""

from __future__ import annotations

import hashlib

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from lupus_sms.core.errors import ValidationFailed

# Types that can certainly not receive SMS. US numbers come back FIXED_LINE_OR_MOBILE and are
# let through; a later Twilio error marks them undeliverable.
NOT_MOBILE_TYPES = {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
    PhoneNumberType.PAGER,
}


def normalise_phone(raw: str, default_region: str = "US", *, require_mobile: bool = False) -> str:
    """Return the E.164 form of `raw` or raise ValidationFailed with a clear message."""
    text = (raw or "").strip()
    if not text:
        raise ValidationFailed("phone number is empty", field="phone")
    if len(text) > 40:
        raise ValidationFailed("phone number is too long", field="phone")
    try:
        number = phonenumbers.parse(text, default_region)
    except NumberParseException as exc:
        raise ValidationFailed(f"not a phone number: {exc._msg}", field="phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed("not a valid phone number", field="phone")
    if require_mobile and phonenumbers.number_type(number) in NOT_MOBILE_TYPES:
        raise ValidationFailed("this number cannot receive text messages", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalise_phone(raw: str | None, default_region: str = "US") -> str | None:
    """Best effort for inbound `From` values (short codes and alphanumerics stay as given)."""
    if not raw:
        return None
    try:
        return normalise_phone(raw, default_region)
    except ValidationFailed:
        return raw.strip()


def phone_hash(e164: str) -> str:
    """Stable hash kept in the suppression list after a patient is erased."""
    return hashlib.sha256(e164.encode()).hexdigest()


def mask_phone(e164: str | None) -> str:
    """+12025550123 -> +1202***0123: enough to tell numbers apart in logs, not to dial."""
    if not e164:
        return "-"
    if len(e164) <= 6:
        return "***"
    return f"{e164[:5]}***{e164[-2:]}"
