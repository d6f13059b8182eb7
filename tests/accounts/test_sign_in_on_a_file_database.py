"""Signing in on a SQLite file (the development server, the browser tests): the request's own audit entry holds
the write lock until it commits, so the sign-in throttle's counter must not be written before then."""

from __future__ import annotations

from app import create_app
from app.extensions import db
from tests.factories import PASSWORD, build_world


def test_a_right_password_signs_in_on_a_sqlite_file(tmp_path) -> None:
    app = create_app("config.TestingConfig", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'file.db'}")
    with app.app_context():
        db.create_all()
        build_world()
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    signed_in = client.post("/login", data={"username": "resident", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"
    refused = app.test_client().post("/login", data={"username": "staff", "password": "wrong-one"})
    assert refused.status_code == 401
    with app.app_context():
        db.engine.dispose()
