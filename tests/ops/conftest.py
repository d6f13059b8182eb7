"""Ops fixtures: an app on a database that threads and processes share (the PostgreSQL test database when set)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.schedules.conftest import _empty_tables, file_app  # noqa: F401  (fixture)


@pytest.fixture()
def shared_app(request, app) -> Iterator[Flask]:
    """The PostgreSQL test app when the run has one, else an app on a SQLite file; emptied afterwards."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        request.getfixturevalue("db")
        yield app
        return
    sqlite_app = request.getfixturevalue("file_app")
    with sqlite_app.app_context():
        try:
            yield sqlite_app
        finally:
            _empty_tables()
