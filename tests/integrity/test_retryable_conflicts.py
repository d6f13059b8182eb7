"""A deadlock or serialization failure that still happens is a retryable 409, never a 500; a stale update is 409."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app import create_app
from app.extensions import db


class _DatabaseError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.fixture()
def failing_app():
    app = create_app("config.TestingConfig")

    def deadlock():
        raise OperationalError("UPDATE orders ...", {}, _DatabaseError("40P01"))

    def serialization():
        raise OperationalError("UPDATE orders ...", {}, _DatabaseError("40001"))

    def stale():
        raise StaleDataError("UPDATE statement on table 'orders' expected to update 1 row(s); 0 were matched.")

    for name, view in (("deadlock", deadlock), ("serialization", serialization), ("stale", stale)):
        app.add_url_rule(f"/api/v1/_test/{name}", name, view)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("name", ["deadlock", "serialization"])
def test_a_deadlock_or_serialization_failure_is_a_retryable_409(failing_app, name) -> None:
    with failing_app.app_context():
        response = failing_app.test_client().get(f"/api/v1/_test/{name}")
    assert response.status_code == 409
    assert response.get_json()["code"] == "retry"
    assert response.headers["Retry-After"] == "1"


def test_a_lost_compare_and_set_is_409(failing_app) -> None:
    with failing_app.app_context():
        response = failing_app.test_client().get("/api/v1/_test/stale")
    assert response.status_code == 409
    assert response.get_json()["code"] == "conflict"
