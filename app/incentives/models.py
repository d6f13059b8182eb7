"""Incentives (激励): points rules by version, the service-hours and points ledgers, balances, the points shop."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.stations.models import Station
from app.volunteers.models import Volunteer

HOURS_KINDS = ("service", "correction")
POINTS_KINDS = ("service", "rating_bonus", "correction", "redemption", "refund")
# Kinds that count as earned (rankings, certificates); redemptions spend, refunds give back what was spent.
EARNED_KINDS = ("service", "rating_bonus", "correction")
REDEMPTION_STATUSES = ("redeemed", "handed_over", "cancelled")


class PointsRule(db.Model):
    """One version of the points rule; the newest one in force applies to new entries, old entries keep theirs.
    A rule with a county applies there and overrides the shared default (no county) from its start on."""

    __tablename__ = "points_rules"
    __table_args__ = (
        CheckConstraint("points_per_hour >= 0", name="per_hour_nonnegative"),
        CheckConstraint("rating_bonus >= 0", name="rating_bonus_nonnegative"),
        CheckConstraint("rating_bonus_min_stars BETWEEN 1 AND 5", name="rating_stars_range"),
        CheckConstraint("priority_bonus >= 0", name="priority_bonus_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    # The county centre whose service the rule pays; None is the shared default, which only an admin writes.
    county_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    points_per_hour: Mapped[int]
    # Points each crew member earns when the resident gives at least rating_bonus_min_stars.
    rating_bonus: Mapped[int]
    rating_bonus_min_stars: Mapped[int] = mapped_column(default=5)
    # Points per order priority level above 3 (priority 4 earns it once, 5 twice), per crew member.
    priority_bonus: Mapped[int] = mapped_column(default=0)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    county: Mapped[Station | None] = relationship()


class HoursEntry(db.Model):
    """One line of the append-only service-hours ledger; a correction is a new line, never an edit."""

    __tablename__ = "hours_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('service', 'correction')", name="kind"),
        CheckConstraint("kind = 'correction' OR minutes > 0", name="service_minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int]
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    # One service line per check-out: writing it twice is refused by the database.
    service_record_id: Mapped[int | None] = mapped_column(ForeignKey("service_records.id"), unique=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("hours_entries.id"))
    # Who and where when it was served, kept as they were (a later team change does not move past hours).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    served_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    activity: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(400), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    volunteer: Mapped[Volunteer] = relationship()
    station: Mapped[Station] = relationship()


class PointsEntry(db.Model):
    """One line of the append-only points ledger: earned by a rule version, spent at the shop, or refunded."""

    __tablename__ = "points_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('service', 'rating_bonus', 'correction', 'redemption', 'refund')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int]
    # What the entry is for, unique so that a repeated signal or job cannot pay twice.
    source_key: Mapped[str] = mapped_column(String(80), unique=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("points_rules.id"))
    hours_entry_id: Mapped[int | None] = mapped_column(ForeignKey("hours_entries.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemptions.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    rule: Mapped[PointsRule | None] = relationship()


class PointsBalance(db.Model):
    """A volunteer's spendable points; only changed by one guarded UPDATE, and never below zero."""

    __tablename__ = "points_balances"
    __table_args__ = (CheckConstraint("points >= 0", name="points_nonnegative"),)

    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), primary_key=True)
    points: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ShopItem(db.Model):
    """A gift at a station's points shop (爱心超市), with stock that never goes below zero."""

    __tablename__ = "shop_items"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_nonnegative"),
        CheckConstraint("points_cost > 0", name="cost_positive"),
        UniqueConstraint("station_id", "name", name="uq_shop_items_station_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(200), default="")
    points_cost: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    station: Mapped[Station] = relationship()


class Redemption(db.Model):
    """A volunteer's exchange of points for one shop item; staff hand it over or cancel it (points refunded)."""

    __tablename__ = "redemptions"
    __table_args__ = (
        CheckConstraint("status IN ('redeemed', 'handed_over', 'cancelled')", name="status"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("shop_items.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    points: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="redeemed")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    item: Mapped[ShopItem] = relationship()
    volunteer: Mapped[Volunteer] = relationship()
