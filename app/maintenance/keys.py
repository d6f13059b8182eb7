"""Re-encrypting personal data under the first data key (after a new key was put first in DATA_KEYS)."""

from __future__ import annotations

from sqlalchemy import text

from app.core.crypto import rotate_token
from app.core.types import EncryptedString
from app.extensions import db


def encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) of every encrypted column in the models."""
    return sorted(
        (table.name, column.name)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedString)
    )


def rotate_all() -> dict[str, int]:
    """Re-encrypt every stored value with the first key; returns values rewritten per table.column."""
    counts: dict[str, int] = {}
    for table, column in encrypted_columns():
        rows = db.session.execute(text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")).all()
        for row_id, token in rows:
            db.session.execute(
                text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
                {"value": rotate_token(token), "id": row_id},
            )
        counts[f"{table}.{column}"] = len(rows)
    db.session.flush()
    return counts
