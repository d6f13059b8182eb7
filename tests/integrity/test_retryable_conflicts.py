"""A deadlock or serialization failure that still happens is a retryable 409, never a 500; a stale update is 409."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError


class _DatabaseError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _answer(app, error: Exception):
    """What the app's error handlers answer an API request that raised `error`."""
    with app.test_request_context("/api/v1/orders/1/cancel", method="POST"):
        return app.make_response(app.handle_user_exception(error))


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_deadlock_or_serialization_failure_is_a_retryable_409(app, db, sqlstate) -> None:
    response = _answer(app, OperationalError("UPDATE orders ...", {}, _DatabaseError(sqlstate)))
    assert response.status_code == 409
    assert response.get_json()["code"] == "retry"
    assert response.headers["Retry-After"] == "1"


def test_a_lost_compare_and_set_is_409(app, db) -> None:
    response = _answer(app, StaleDataError("UPDATE statement on table 'orders' expected to update 1 row(s)"))
    assert response.status_code == 409
    assert response.get_json()["code"] == "conflict"
