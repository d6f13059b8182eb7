"""Mobile numbers: reading one as typed, and the keyed digest accounts and codes are found by."""

from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app

from app.core.errors import ValidationFailed

# Mainland mobile numbers: 11 digits starting 13-19, optionally written with +86, spaces or dashes.
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(raw: str | None) -> str:
    """The 11-digit mobile number in a typed phone, or a 422 naming the field `phone`."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE.match(digits):
        raise ValidationFailed("enter an 11-digit mobile number", field="phone")
    return digits


def keyed_digest(*parts: str) -> str:
    """An HMAC-SHA256 of the parts under the app's SECRET_KEY."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, "|".join(parts).encode(), hashlib.sha256).hexdigest()


def phone_digest(phone: str) -> str:
    """A keyed digest of a phone number, so it can be found without storing the number again."""
    return keyed_digest("phone", phone)


def digest_of_phone(phone: str | None) -> str | None:
    """The digest an account keeps of its mobile number, or None when it holds no mobile number."""
    try:
        return phone_digest(normalize_phone(phone)) if phone else None
    except ValidationFailed:
        return None
