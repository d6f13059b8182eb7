"""Builders for coverage tests: orders placed straight into the database with their history."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest

from app.core.timeutil import LOCAL_TZ
from app.extensions import db
from app.incentives.service import record_rating, record_service
from app.orders.models import Order, OrderEvent, Rating, ServiceRecord
from tests.factories import World

# A Monday, so weekly trends have whole weeks behind it.
TODAY = date(2026, 3, 16)
# One menu item per practice priority.
ITEM_FOR = {"theory": "MI-01", "policy": "MI-06", "values": "MI-11", "culture": "MI-18", "customs": "MI-25"}
_codes = itertools.count(1)


def local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An aware datetime at a local (Asia/Shanghai) time."""
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


@pytest.fixture()
def make_order(world: World) -> Callable[..., Order]:
    """Return a builder for an order in any state, with acceptance, completion, crew minutes and a rating."""

    def build(
        *,
        station: str = "PY-BY-01",
        priority: str = "theory",
        status: str = "completed",
        created: datetime | None = None,
        accept_after: float | None = None,
        complete_after: float | None = None,
        accept_event_only: bool = False,
        crew: dict[str, int] | None = None,
        stars: int | None = None,
        tags: tuple[str, ...] = (),
    ) -> Order:
        created = created or local(TODAY - timedelta(days=3))
        item = world.menu_item(ITEM_FOR[priority])
        order = Order(
            code=f"T{next(_codes):06d}",
            menu_item_id=item.id,
            station_id=world.stations[station].id,
            status=status,
            duration_minutes=item.duration_minutes,
            tier="village",
            created_at=created,
        )
        if accept_after is not None:
            accepted_at = created + timedelta(minutes=accept_after)
            if not accept_event_only:
                order.accepted_at = accepted_at
            order.events.append(OrderEvent(kind="accepted", at=accepted_at, from_status="dispatched"))
        if complete_after is not None:
            order.completed_at = created + timedelta(minutes=complete_after)
        for key, minutes in (crew or {}).items():
            check_in = order.completed_at or created
            order.service_records.append(
                ServiceRecord(
                    volunteer_id=world.volunteers[key].id,
                    check_in_at=check_in - timedelta(minutes=minutes),
                    check_out_at=check_in,
                    minutes=minutes,
                )
            )
        if stars is not None:
            order.rating = Rating(stars=stars, tags=list(tags))
        db.session.add(order)
        db.session.flush()
        # Built straight into the database, so write the incentives ledger as the order events would.
        record_service(order)
        record_rating(order)
        return order

    return build
