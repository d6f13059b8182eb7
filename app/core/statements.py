"""Writing statements run in the request's session, with the count of rows they changed."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Executable

from app.extensions import db


def rows_changed(statement: Executable) -> int:
    """Run an INSERT, UPDATE or DELETE in the current session; how many rows it changed."""
    # The scoped session types every execute() as a Result; a writing statement gives a CursorResult.
    return cast("CursorResult[Any]", db.session.execute(statement)).rowcount or 0
