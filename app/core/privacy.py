"""Masking personal data for screens and logs: phones and names are shown only in part unless needed."""

from __future__ import annotations

import re

_PHONE_IN_TEXT = re.compile(r"(?<!\d)(\+?\d[\d\- ]{6,18}\d)(?!\d)")


def mask_phone(phone: str | None) -> str:
    """A phone number with its middle hidden, such as 139****0000."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 3 if len(digits) >= 9 else 1
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def mask_name(name: str | None) -> str:
    """A name with all but its first character hidden, such as 马**."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_address(address: str | None) -> str:
    """A delivery address with any phone number or mailbox name hidden."""
    if not address:
        return ""
    if "@" in address:
        local, _, domain = address.partition("@")
        return mask_name(local) + "@" + domain
    return _PHONE_IN_TEXT.sub(lambda match: mask_phone(match.group(1)), address)
