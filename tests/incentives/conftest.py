"""Builders for incentives tests: orders served through the real check-out and rating services."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from app.core.timeutil import LOCAL_TZ, set_clock
from app.dispatch import crew as crew_service
from app.dispatch.models import Proposal, ProposalMember
from app.extensions import db
from app.menu.models import Skill
from app.orders import service as order_service
from app.orders.models import Order, ServiceRecord
from tests.factories import World

# Served at 09:00 local on 2026-11-10; the clock is frozen at check-out.
SERVED = datetime(2026, 11, 10, 9, 0, tzinfo=LOCAL_TZ)
_codes = itertools.count(1)
PROPOSALS_FROM = datetime(2026, 1, 1, 9, 0, tzinfo=LOCAL_TZ)


@pytest.fixture()
def serve(world: World) -> Callable[..., Order]:
    """Return a builder: an order in service whose crew checks out (writing the ledger), optionally rated."""

    def build(
        crew: dict[str, int],
        *,
        station: str = "PY-BY-01",
        priority: int = 3,
        stars: int | None = None,
        at: datetime = SERVED,
        item: str = "MI-15",
    ) -> Order:
        menu_item = world.menu_item(item)
        number = next(_codes)
        order = Order(
            code=f"I{number:06d}",
            menu_item_id=menu_item.id,
            station_id=world.stations[station].id,
            status="in_service",
            priority=priority,
            duration_minutes=menu_item.duration_minutes,
            tier="village",
            created_at=at - timedelta(days=1),
        )
        for key, minutes in crew.items():
            order.service_records.append(
                ServiceRecord(volunteer_id=world.volunteers[key].id, check_in_at=at - timedelta(minutes=minutes))
            )
        db.session.add(order)
        db.session.flush()
        volunteers = [world.volunteers[key] for key in crew]
        skill = db.session.scalar(db.select(Skill))
        db.session.add(
            Proposal(
                order_id=order.id,
                team_id=volunteers[0].team_id,
                # Each proposal on its own day: the database refuses a volunteer on two overlapping proposals.
                start_at=PROPOSALS_FROM + timedelta(days=number),
                end_at=PROPOSALS_FROM + timedelta(days=number, hours=2),
                deadline_at=at - timedelta(days=1),
                status="accepted",
                crew=[ProposalMember(volunteer_id=v.id, skill_id=skill.id) for v in volunteers],
            )
        )
        db.session.flush()
        set_clock(at)
        try:
            for key in crew:
                crew_service.check_out(
                    user=world.users["admin"], order_id=order.id, volunteer_id=world.volunteers[key].id
                )
            if stars is not None:
                order_service.rate_order(user=world.users["admin"], order_id=order.id, stars=stars, tags=[])
        finally:
            set_clock(None)
        db.session.commit()
        return order

    return build
