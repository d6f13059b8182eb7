"""Masking personal data for display and logs: 138****1234, z***@example.com."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """First three and last four digits of a phone number, the rest starred; short numbers fully starred."""
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 8:
        return "*" * max(len(digits), 4)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_address(address: str | None) -> str:
    """A delivery address (email, phone or other id) with only enough left to tell addresses apart."""
    if not address:
        return ""
    if "@" in address:
        name, _, domain = address.partition("@")
        return (name[:1] or "*") + "***@" + domain
    if sum(ch.isdigit() for ch in address) >= 5:
        return mask_phone(address)
    return address[:2] + "***"


def mask_name(name: str | None) -> str:
    """A name with all but its first character starred, such as 马**."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
