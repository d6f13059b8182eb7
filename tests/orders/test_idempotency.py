"""Idempotency-Key on the POSTs a phone may retry: same key and body, same answer, done once."""

from __future__ import annotations

from app.extensions import db
from app.orders.models import Order
from tests.orders.test_lifecycle_api import tomorrow_window


def _body(world, name: str = "马大爷") -> dict:
    return {
        "menu_item_id": world.menu_item("MI-15").id,
        "station_id": world.stations["PY-BY-01"].id,
        "windows": [tomorrow_window()],
        "resident": {"name": name},
    }


def test_a_retried_order_is_placed_once_and_answered_the_same(client, world, token_for) -> None:
    headers = {**token_for("staff"), "Idempotency-Key": "k-1"}
    first = client.post("/api/v1/orders", json=_body(world), headers=headers)
    again = client.post("/api/v1/orders", json=_body(world), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 1


def test_the_same_key_with_another_body_is_refused(client, world, token_for) -> None:
    headers = {**token_for("staff"), "Idempotency-Key": "k-2"}
    assert client.post("/api/v1/orders", json=_body(world), headers=headers).status_code == 201
    other = client.post("/api/v1/orders", json=_body(world, "马奶奶"), headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.get_json()["errors"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 1


def test_without_a_key_each_post_is_a_new_order(client, world, token_for) -> None:
    headers = token_for("staff")
    for _ in range(2):
        assert client.post("/api/v1/orders", json=_body(world), headers=headers).status_code == 201
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 2


def test_keys_belong_to_their_caller(client, world, token_for) -> None:
    body = _body(world)
    assert (
        client.post("/api/v1/orders", json=body, headers={**token_for("staff"), "Idempotency-Key": "k"}).status_code
        == 201
    )
    assert (
        client.post("/api/v1/orders", json=body, headers={**token_for("town"), "Idempotency-Key": "k"}).status_code
        == 201
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 2


def test_a_retried_cancel_answers_the_same(client, world, token_for) -> None:
    staff = token_for("staff")
    order = client.post("/api/v1/orders", json=_body(world), headers=staff).get_json()
    headers = {**staff, "Idempotency-Key": "cancel-1"}
    first = client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=headers)
    again = client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()


def test_a_key_too_long_names_the_header(client, world, token_for) -> None:
    headers = {**token_for("staff"), "Idempotency-Key": "x" * 101}
    response = client.post("/api/v1/orders", json=_body(world), headers=headers)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]


def test_old_answers_are_forgotten_after_the_keep_time(client, world, token_for) -> None:
    from datetime import timedelta

    from app.core.timeutil import utcnow
    from app.idempotency.models import IdempotencyRecord
    from app.idempotency.service import purge_idempotency_records

    headers = {**token_for("staff"), "Idempotency-Key": "k-old"}
    assert client.post("/api/v1/orders", json=_body(world), headers=headers).status_code == 201
    assert purge_idempotency_records(now=utcnow() + timedelta(hours=23)) == 0
    assert purge_idempotency_records(now=utcnow() + timedelta(hours=25)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(IdempotencyRecord)) == 0


def test_the_stored_answer_commits_with_the_request_not_before(app, world) -> None:
    from marshmallow import Schema

    from app.accounts.models import User
    from app.idempotency.models import IdempotencyRecord
    from app.idempotency.service import run_once

    staff_id = world.users["staff"].id
    with app.test_request_context("/api/v1/orders", method="POST", json={}, headers={"Idempotency-Key": "k-tx"}):
        staff = db.session.get(User, staff_id)
        staff.display_name = "written earlier in the request"
        db.session.flush()
        run_once(user=staff, status=201, schema=Schema(), call=dict)
        # The request's one transaction decides: a failure after run_once takes its work and the answer with it.
        db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(IdempotencyRecord)) == 0
    assert db.session.get(User, staff_id).display_name == "staff"
