"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EncryptedString(TypeDecorator[str]):
    """Text stored encrypted (app.core.crypto); reads give the plain text back. Not searchable by value."""

    impl = String
    cache_ok = True

    def __init__(self, length: int = 255) -> None:
        # The length is the ciphertext's: a Fernet token is about 4/3 of the UTF-8 text plus 76 characters.
        super().__init__(length=length)

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        from app.core.crypto import encrypt_text

        return None if value is None else encrypt_text(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        from app.core.crypto import decrypt_text

        return None if value is None else decrypt_text(value)
