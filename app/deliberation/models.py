"""Deliberation meetings (议事会), the demands raised there, each demand's event log and the orders it became."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.orders.models import Order
from app.stations.models import Station

DEMAND_STATUSES = ("collected", "accepted", "in_progress", "done", "reported_back", "declined")
# What residents raise most; anything else is "other".
DEMAND_CATEGORIES = ("stairwell", "renovation", "heating", "parking", "environment", "elderly", "safety", "other")


class Meeting(db.Model):
    """A residents' deliberation meeting at a station: when, how many came, topics and minutes."""

    __tablename__ = "deliberation_meetings"
    __table_args__ = (CheckConstraint("attendees_count >= 0", name="attendees_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    held_on: Mapped[date] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(120))
    attendees_count: Mapped[int] = mapped_column(default=0)
    # Names only where the minutes need them (staff pages only, never on the public page).
    attendee_names: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    station: Mapped[Station] = relationship()
    demands: Mapped[list[Demand]] = relationship(back_populates="meeting", order_by="Demand.id")


class Demand(db.Model):
    """A demand residents raised, tracked collected -> accepted -> in progress -> done -> reported back."""

    __tablename__ = "deliberation_demands"
    __table_args__ = (
        CheckConstraint(
            "status IN ('collected', 'accepted', 'in_progress', 'done', 'reported_back', 'declined')", name="status"
        ),
        CheckConstraint(
            "category IN ('stairwell', 'renovation', 'heating', 'parking', 'environment', 'elderly', 'safety', "
            "'other')",
            name="category",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("deliberation_meetings.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16), default="other")
    status: Mapped[str] = mapped_column(String(16), default="collected", index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(index=True)
    # What residents are told when it is reported back (or why it was declined); shown on the public page.
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting | None] = relationship(back_populates="demands")
    station: Mapped[Station] = relationship()
    owner: Mapped[User | None] = relationship()
    events: Mapped[list[DemandEvent]] = relationship(
        back_populates="demand", cascade="all, delete-orphan", order_by="DemandEvent.id"
    )
    order_links: Mapped[list[DemandOrder]] = relationship(
        back_populates="demand", cascade="all, delete-orphan", order_by="DemandOrder.id"
    )


class DemandEvent(db.Model):
    """One step or change in a demand's life: who, when, what and why."""

    __tablename__ = "deliberation_demand_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("deliberation_demands.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(400), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    demand: Mapped[Demand] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class DemandOrder(db.Model):
    """An order placed to meet a demand."""

    __tablename__ = "deliberation_demand_orders"
    __table_args__ = (UniqueConstraint("demand_id", "order_id", name="uq_demand_orders_demand_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("deliberation_demands.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    demand: Mapped[Demand] = relationship(back_populates="order_links")
    order: Mapped[Order] = relationship()
