"""The order lifecycle table, pair by pair: which status may follow which, what each step stamps and logs."""

from __future__ import annotations

import pytest

from app.core.errors import InvalidTransition
from app.extensions import db
from app.orders.models import STATUSES, OrderEvent
from app.orders.service import TRANSITIONS, transition
from tests.factories import placed_order, slot

# The product's lifecycle (shared/product.md), written out here rather than read from the code under test.
STEPS = """
    submitted  -> dispatched | cancelled | expired
    dispatched -> submitted | accepted | cancelled | expired
    accepted   -> in_service | submitted | cancelled | expired
    in_service -> completed
    completed  -> rated
"""
ALLOWED: dict[str, set[str]] = {status: set() for status in STATUSES}
for line in STEPS.strip().splitlines():
    source, _, targets = line.partition("->")
    ALLOWED[source.strip()] = {t.strip() for t in targets.split("|")}
# The moment each status stamps on the order.
STAMPS = {"accepted": "accepted_at", "in_service": "started_at", "completed": "completed_at"}
STAMPS |= {"cancelled": "closed_at", "expired": "closed_at"}


def test_the_table_names_every_status() -> None:
    assert set(TRANSITIONS) == set(STATUSES) == set(ALLOWED)


@pytest.mark.parametrize("from_status", STATUSES)
def test_each_status_may_become_exactly_what_the_lifecycle_allows(world, from_status: str) -> None:
    order = placed_order(world, slot(0))
    for to_status in STATUSES:
        # Each pair is tried on the same order and undone after.
        savepoint = db.session.begin_nested()
        order.status = from_status
        for stamp in set(STAMPS.values()):
            setattr(order, stamp, None)
        if to_status in ALLOWED[from_status]:
            event = transition(order, to_status, actor=world.users["staff"], reason="table")
            assert order.status == to_status
            assert (event.from_status, event.to_status, event.kind, event.reason) == (
                from_status,
                to_status,
                to_status,
                "table",
            )
            assert event in db.session.scalars(db.select(OrderEvent).where(OrderEvent.order_id == order.id))
            if to_status in STAMPS:
                assert getattr(order, STAMPS[to_status]) == event.at
        else:
            with pytest.raises(InvalidTransition) as refused:
                transition(order, to_status, actor=world.users["staff"])
            assert refused.value.field == "status"
            assert order.status == from_status
        savepoint.rollback()
