"""Fixtures: an app per test session, an isolated database per test, and a small county to work in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.core.timeutil import set_clock
from app.extensions import db as _db
from tests.factories import World, build_world


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    """The app on the test database (TEST_DATABASE_URL, default in-memory SQLite)."""
    app = create_app("config.TestingConfig")
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _wipe() -> None:
    _db.session.remove()
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE TABLE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture()
def db(app: Flask) -> Iterator:
    """The database inside an app context, emptied after the test."""
    with app.app_context():
        yield _db
        _wipe()
    set_clock(None)


@pytest.fixture()
def client(app: Flask, db) -> FlaskClient:
    """A test client (database isolated by the db fixture)."""
    return app.test_client()


@pytest.fixture()
def world(db) -> World:
    """A small county: reference data, stations in three tiers, teams, volunteers, one user per role."""
    world = build_world()
    db.session.commit()
    return world


@pytest.fixture()
def pages(app: Flask, db):
    """A page client that signs in through the login form and forgets per-request caches (CSRF is off in tests)."""
    from tests.views.conftest import PageClient

    app.test_client_class = PageClient
    try:
        return app.test_client()
    finally:
        app.test_client_class = None


@pytest.fixture()
def token_for(client: FlaskClient):
    """Return a builder: username -> Authorization header with a fresh bearer token."""

    def build(username: str, password: str = "pass-1234") -> dict[str, str]:
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return build
