"""The error handlers: each failure becomes a JSON body under /api and a readable page elsewhere, and the request's
writes are rolled back."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DataError, IntegrityError

from app import create_app
from app.core.errors import InvalidTransition, ValidationFailed
from app.core.transactions import in_one_transaction
from app.extensions import db
from app.stations.models import Station

FAILURES = {
    "transition": lambda: InvalidTransition(
        "an order that is %(status)s cannot be cancelled", field="status", params={"status": "completed"}
    ),
    "rule": lambda: ValidationFailed("the window is already over", field="windows.0.end"),
    "duplicate": lambda: IntegrityError("INSERT", {}, Exception("unique")),
    "range": lambda: DataError("INSERT", {}, Exception("integer out of range")),
    "overflow": lambda: OverflowError("int too big"),
    "bug": lambda: RuntimeError("a bug"),
}


@pytest.fixture(scope="module")
def failing_app():
    """An app whose test routes write a station and then fail as named; errors are handled, not propagated."""
    app = create_app("config.TestingConfig", SQLALCHEMY_DATABASE_URI="sqlite://", PROPAGATE_EXCEPTIONS=False)

    def fail(kind: str):
        db.session.add(Station(code=f"X-{kind}", name="写了一半", level="village", lat=36.0, lon=106.0))
        db.session.flush()
        raise FAILURES[kind]()

    app.add_url_rule("/api/v1/_fail/<kind>", "api_fail", in_one_transaction(fail), methods=["POST"])
    app.add_url_rule("/_fail/<kind>", "page_fail", in_one_transaction(fail), methods=["POST"])
    with app.app_context():
        db.create_all()
    return app


@pytest.mark.parametrize(
    ("kind", "status", "code", "errors"),
    [
        ("transition", 409, "invalid_transition", {"status": ["an order that is completed cannot be cancelled"]}),
        ("rule", 422, "validation_error", {"windows.0.end": ["the window is already over"]}),
        ("duplicate", 409, "conflict", None),
        ("range", 422, "validation_error", None),
        ("overflow", 422, "validation_error", None),
        ("bug", 500, "internal_error", None),
    ],
)
def test_api_failures_are_json_naming_the_field(failing_app, kind, status, code, errors) -> None:
    response = failing_app.test_client().post(f"/api/v1/_fail/{kind}")
    assert response.status_code == status
    body = response.get_json()
    assert (body["status"], body["code"]) == (status, code)
    assert body.get("errors") == errors
    assert "a bug" not in body["message"]  # an unexpected error says nothing of its insides
    with failing_app.app_context():
        assert db.session.scalar(db.select(Station).where(Station.code == f"X-{kind}")) is None


@pytest.mark.parametrize(
    ("kind", "status", "words"),
    [
        ("transition", 409, "已完成"),
        ("duplicate", 409, "已记录过，无需重复提交"),
        ("range", 422, "数值超出范围"),
        ("bug", 500, "系统出了点问题，请稍后再试。"),
    ],
)
def test_page_failures_are_readable_pages_in_chinese(failing_app, kind, status, words) -> None:
    response = failing_app.test_client().post(f"/_fail/{kind}")
    assert response.status_code == status
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert words in html and f"{status}" in html
    with failing_app.app_context():
        assert db.session.scalar(db.select(Station).where(Station.code == f"X-{kind}")) is None
