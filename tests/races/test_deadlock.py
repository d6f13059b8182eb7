"""A real deadlock on PostgreSQL (issue 13 row 7): a request and another transaction lock an order and its
proposal in opposite orders; the database aborts the request, which answers 409 retry with nothing written."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from app.dispatch.models import Proposal
from app.extensions import db
from app.orders.models import Order, OrderEvent
from tests.factories import proposed_order, slot
from tests.races.conftest import Call


def _wait_until_someone_waits_on_a_lock(connection, *, timeout: float = 60.0) -> None:
    """Return once another backend is blocked on a row lock (the request reached the proposal we hold)."""
    deadline = time.monotonic() + timeout
    waiting = text("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()")
    while connection.execute(waiting).scalar_one() == 0:
        assert time.monotonic() < deadline, "the request never blocked on the proposal"
        time.sleep(0.01)


def test_a_deadlocked_request_answers_409_retry_and_writes_nothing(server, world, bearer) -> None:
    proposal = proposed_order(world, slot(0), [world.volunteers["v1"]])
    db.session.commit()
    order_id, proposal_id = proposal.order_id, proposal.id
    events_before = db.session.scalar(db.select(db.func.count()).where(OrderEvent.order_id == order_id))
    staff = bearer("staff")
    db.session.remove()
    cancel = Call("POST", f"/api/v1/orders/{order_id}/cancel", staff, {"reason": "no longer needed"})
    with db.engine.connect() as other, ThreadPoolExecutor(max_workers=1) as pool:
        # The other transaction waits long before checking for deadlocks, so the request (1 s) is the victim.
        other.execute(text("SET LOCAL deadlock_timeout = '60s'"))
        other.execute(text("SELECT id FROM proposals WHERE id = :id FOR UPDATE"), {"id": proposal_id})
        reply = pool.submit(server.send, cancel)  # locks the order, then wants the proposal we hold
        _wait_until_someone_waits_on_a_lock(other)
        other.execute(text("SELECT id FROM orders WHERE id = :id FOR UPDATE"), {"id": order_id})  # opposite order
        answer = reply.result(timeout=120)
        other.rollback()
    assert answer.status == 409, answer
    assert answer.body["code"] == "retry"
    order = db.session.get(Order, order_id)
    assert order.status == "dispatched"
    assert db.session.get(Proposal, proposal_id).status == "pending"
    assert db.session.scalar(db.select(db.func.count()).where(OrderEvent.order_id == order_id)) == events_before
    db.session.remove()
    # Retried once the other transaction is gone, the same cancel goes through.
    again = server.send(cancel)
    assert again.status == 200, again
    assert db.session.get(Order, order_id).status == "cancelled"
    assert db.session.get(Proposal, proposal_id).status == "withdrawn"
