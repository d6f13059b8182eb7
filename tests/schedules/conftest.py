"""Scheduler fixtures: a database that threads and other processes can share, with the test county in it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text

from app import create_app
from app.core.timeutil import set_clock
from app.extensions import db as _db
from tests.factories import World, build_world
from tests.rosters.conftest import at_t0  # noqa: F401

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
NEEDS_PG = "TEST_DATABASE_URL is not set (CI sets it to a PostgreSQL 15 database)"


@pytest.fixture(scope="session")
def file_app(tmp_path_factory) -> Iterator[Flask]:
    """An app on a SQLite file (an in-memory database cannot be shared with other processes)."""
    path = tmp_path_factory.mktemp("scheduler") / "diandan.db"
    app = create_app("config.TestingConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _empty_tables() -> None:
    _db.session.remove()
    with _db.engine.begin() as conn:
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())
        conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_app(request, app) -> Iterator[Flask]:
    """An app on a database other threads and processes can open: a SQLite file, or the PostgreSQL test database."""
    if request.param == "postgresql":
        if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            pytest.skip(NEEDS_PG)
        request.getfixturevalue("db")
        yield app
        return
    file_app = request.getfixturevalue("file_app")
    with file_app.app_context():
        try:
            yield file_app
        finally:
            _empty_tables()
            set_clock(None)


@pytest.fixture()
def shared_world(shared_app) -> World:
    """The test county, committed so other connections see it."""
    world = build_world()
    _db.session.commit()
    return world


def database_url(app: Flask) -> str:
    """The URL a subprocess should connect to."""
    with app.app_context():
        return _db.engine.url.render_as_string(hide_password=False)
