"""The demo county's incentives: rules in two versions, a ledger for its past service, shops, redemptions."""

from __future__ import annotations

from app.demo.loader import load_demo
from app.incentives.models import HoursEntry, PointsBalance, PointsEntry, Redemption, ShopItem
from app.orders.models import Order, ServiceRecord


def test_demo_county_has_a_ledger_shops_and_redemptions(db) -> None:
    summary = load_demo(volunteers=120, orders=5, seed=3)
    db.session.commit()
    assert summary["points rules"] == 2 and summary["redemptions"] > 0
    served_records = db.session.scalar(
        db.select(db.func.count(ServiceRecord.id))
        .join(Order, Order.id == ServiceRecord.order_id)
        .where(Order.status.in_(("completed", "rated")), ServiceRecord.minutes.is_not(None))
    )
    assert db.session.scalar(db.select(db.func.count(HoursEntry.id))) == served_records > 0
    versions = set(db.session.scalars(db.select(PointsEntry.rule_id).where(PointsEntry.kind == "service")))
    assert len(versions) == 2  # older service under version 1, the last 45 days under version 2
    assert db.session.scalar(db.select(db.func.count(ShopItem.id))) == summary["shop items"]
    assert db.session.scalar(db.select(db.func.count(Redemption.id))) == summary["redemptions"]
    balances = dict(db.session.execute(db.select(PointsBalance.volunteer_id, PointsBalance.points)).all())
    sums = dict(
        db.session.execute(
            db.select(PointsEntry.volunteer_id, db.func.sum(PointsEntry.points)).group_by(PointsEntry.volunteer_id)
        ).all()
    )
    assert balances == {k: int(v) for k, v in sums.items()} and min(balances.values()) >= 0
