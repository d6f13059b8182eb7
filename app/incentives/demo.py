"""The demo county's incentives: two rule versions, the ledger of its past service, shops and redemptions."""

from __future__ import annotations

import random
from datetime import timedelta

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from app.incentives import service
from app.incentives.models import PointsBalance, PointsRule
from app.orders.models import Order, ServiceRecord
from app.stations.models import Station
from app.volunteers.models import Volunteer

COUNTY_ITEMS = (
    ("爱心礼包（米面油）", 120, 20),
    ("保温杯", 60, 30),
    ("志愿者马甲", 40, 50),
    ("《彭阳红色故事》读本", 20, 40),
)
TOWNSHIP_ITEMS = (("洗衣液", 30, 15), ("毛巾两条", 15, 25))
VILLAGE_ITEMS = (("食用盐两袋", 8, 30), ("香皂", 10, 20), ("理发一次", 25, 6))


def load_incentives(*, rng: random.Random, county: Station, staff: User) -> dict[str, int]:
    """Rules v1 (shared) and v2 (the county's own), hours and points for every served order, shops, redemptions."""
    now = utcnow()
    service.current_rule()  # version 1, from the configuration
    db.session.add(
        PointsRule(
            version=2,
            county_id=county.id,
            points_per_hour=12,
            rating_bonus=5,
            rating_bonus_min_stars=5,
            priority_bonus=3,
            effective_from=now - timedelta(days=45),
            note="第四季度激励标准：每小时12分，高优先级加分",
        )
    )
    db.session.flush()
    _give_the_demo_volunteer_history()
    served = list(
        db.session.scalars(db.select(Order).where(Order.status.in_(service.SERVED_STATUSES)).order_by(Order.id))
    )
    for order in served:
        service.record_service(order)
        service.record_rating(order)

    items = [
        service.create_item(user=staff, station_id=county.id, name=name, points_cost=cost, stock=stock)
        for name, cost, stock in COUNTY_ITEMS
    ]
    for town in county.children:
        for name, cost, stock in TOWNSHIP_ITEMS:
            items.append(service.create_item(user=staff, station_id=town.id, name=name, points_cost=cost, stock=stock))
        for village in town.children[:1]:
            for name, cost, stock in VILLAGE_ITEMS:
                items.append(
                    service.create_item(user=staff, station_id=village.id, name=name, points_cost=cost, stock=stock)
                )
    db.session.flush()

    # Some of the busiest volunteers spend points at a shop they may use; a few items are already collected.
    richest = list(
        db.session.execute(
            db.select(Volunteer, PointsBalance.points)
            .join(PointsBalance, PointsBalance.volunteer_id == Volunteer.id)
            .order_by(PointsBalance.points.desc(), Volunteer.code)
            .limit(25)
        ).all()
    )
    redemptions = 0
    for volunteer, points in richest:
        reachable = _stations_up(volunteer.station)
        affordable = [i for i in items if i.station_id in reachable and i.points_cost <= points and i.stock > 0]
        if not affordable:
            continue
        item = rng.choice(affordable)
        made = service.redeem(user=staff, item_id=item.id, volunteer_id=volunteer.id)
        db.session.refresh(item)
        if rng.random() < 0.6:
            service.hand_over(user=staff, redemption_id=made.id)
        redemptions += 1
    return {"points rules": 2, "shop items": len(items), "redemptions": redemptions}


def _give_the_demo_volunteer_history() -> None:
    """Put the demo volunteer on the crew of a few past orders near home, so their points page has something."""
    volunteer = db.session.scalar(
        db.select(Volunteer).join(User, User.id == Volunteer.user_id).where(User.username == "volunteer")
    )
    if volunteer is None:
        return
    near = _stations_up(volunteer.station) | {s.id for s in volunteer.station.children}
    orders = db.session.scalars(
        db.select(Order)
        .where(Order.status.in_(service.SERVED_STATUSES), Order.station_id.in_(near))
        .order_by(Order.completed_at.desc())
        .limit(4)
    )
    for order in orders:
        if any(r.volunteer_id == volunteer.id for r in order.service_records) or order.completed_at is None:
            continue
        order.service_records.append(
            ServiceRecord(
                volunteer_id=volunteer.id,
                check_in_at=order.completed_at - timedelta(minutes=order.duration_minutes),
                check_out_at=order.completed_at,
                minutes=order.duration_minutes,
            )
        )
    db.session.flush()


def _stations_up(station: Station) -> set[int]:
    found: set[int] = set()
    step: Station | None = station
    while step is not None and step.id not in found:
        found.add(step.id)
        step = step.parent
    return found
