"""Keyed phone digests for accounts stored before phone sign-in existed (or before SECRET_KEY changed)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.accounts.phone_numbers import digest_of_phone
from app.core.crypto import decrypt_text


def backfill_phone_digests(connection: Connection) -> int:
    """Give every account the digest of its stored mobile number; returns how many rows changed (0 on a rerun)."""
    rows = connection.execute(text("SELECT id, phone, phone_digest FROM users")).all()
    changed = 0
    for user_id, token, stored in rows:
        digest = digest_of_phone(decrypt_text(token)) if token else None
        if digest != stored:
            connection.execute(
                text("UPDATE users SET phone_digest = :digest WHERE id = :id"), {"digest": digest, "id": user_id}
            )
            changed += 1
    return changed
