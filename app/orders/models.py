"""Orders (点单) and what happens to them: windows, needs, exclusions, events, service records, ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, FetchedValue, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.core.types import EncryptedString, UTCDateTime
from app.extensions import db
from app.menu.models import MenuItem, Skill
from app.stations.models import Station
from app.volunteers.models import Team, Volunteer

STATUSES = ("submitted", "dispatched", "accepted", "in_service", "completed", "rated", "cancelled", "expired")
OPEN_STATUSES = ("submitted", "dispatched", "accepted", "in_service")
# The six words residents use to praise a service.
RATING_TAGS = ("看得见", "听得懂", "信得过", "愿参与", "用得上", "真点赞")


class Resident(db.Model):
    """A resident who receives a service; walk-ins have no account."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    # Encrypted at rest (DATA_KEYS); shown masked except to the accepted crew's lead (app.orders.phones).
    phone: Mapped[str | None] = mapped_column(EncryptedString())
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    station: Mapped[Station] = relationship()
    user: Mapped[User | None] = relationship()


class Order(db.Model):
    """A service ordered for a resident at a station, followed from submission to rating."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('submitted', 'dispatched', 'accepted', 'in_service', 'completed', 'rated', 'cancelled', "
            "'expired')",
            name="status",
        ),
        CheckConstraint("priority BETWEEN 1 AND 5", name="priority_range"),
        CheckConstraint("tier IN ('county', 'township', 'village')", name="tier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A new order's code is worked out by its INSERT from its id (orders.service); FetchedValue has the ORM read it
    # back in that statement's RETURNING instead of a SELECT after it.
    code: Mapped[str] = mapped_column(String(32), unique=True, server_default=FetchedValue())
    menu_item_id: Mapped[int] = mapped_column(ForeignKey("menu_items.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    priority: Mapped[int] = mapped_column(default=3)
    duration_minutes: Mapped[int]
    # Highest tier of team allowed to serve it now; escalates village -> township -> county.
    tier: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why the last dispatch run could not place it (engine's reason), shown to staff and residents.
    unassigned_code: Mapped[str | None] = mapped_column(String(40))
    unassigned_reason: Mapped[str | None] = mapped_column(String(400))
    # The values behind the code (skill, counts ...), so pages can say it as a translated sentence.
    unassigned_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Every UPDATE of an order is a compare-and-set on this counter: of two racing changes the loser gets 409.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    menu_item: Mapped[MenuItem] = relationship()
    station: Mapped[Station] = relationship()
    resident: Mapped[Resident | None] = relationship()
    placed_by: Mapped[User | None] = relationship()
    windows: Mapped[list[OrderWindow]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderWindow.start_at"
    )
    needs: Mapped[list[OrderNeed]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderNeed.id"
    )
    exclusions: Mapped[list[OrderExclusion]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderExclusion.id"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )
    service_records: Mapped[list[ServiceRecord]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="ServiceRecord.id"
    )
    rating: Mapped[Rating | None] = relationship(back_populates="order", cascade="all, delete-orphan")

    @property
    def excluded_team_ids(self) -> set[int]:
        """Teams that declined or let a proposal for this order expire."""
        return {exclusion.team_id for exclusion in self.exclusions}


class OrderWindow(db.Model):
    """A period in which the resident wants the service to happen."""

    __tablename__ = "order_windows"
    __table_args__ = (CheckConstraint("start_at < end_at", name="window_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())

    order: Mapped[Order] = relationship(back_populates="windows")


class OrderNeed(db.Model):
    """Headcount by skill for one order (copied from the menu item, adjustable by staff)."""

    __tablename__ = "order_needs"
    __table_args__ = (
        UniqueConstraint("order_id", "skill_id", name="uq_order_needs_order_skill"),
        CheckConstraint("count > 0", name="count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    count: Mapped[int]

    order: Mapped[Order] = relationship(back_populates="needs")
    skill: Mapped[Skill] = relationship()


class OrderExclusion(db.Model):
    """A team that must not be proposed for an order again (it declined or did not answer)."""

    __tablename__ = "order_exclusions"
    __table_args__ = (UniqueConstraint("order_id", "team_id", name="uq_order_exclusions_order_team"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    reason: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="exclusions")
    team: Mapped[Team] = relationship()


class OrderEvent(db.Model):
    """One recorded transition or action on an order: who, when, why."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(400), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    order: Mapped[Order] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ServiceRecord(db.Model):
    """One volunteer's check-in and check-out for an order, and the minutes served.

    `measured_minutes` is the stay clipped to the planned service; `minutes`, the hours that count towards points,
    is set only when the team lead (or station staff) confirms them.
    """

    __tablename__ = "service_records"
    __table_args__ = (
        UniqueConstraint("order_id", "volunteer_id", name="uq_service_records_order_volunteer"),
        CheckConstraint("presence IS NULL OR presence IN ('station_code', 'lead', 'staff')", name="presence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    check_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    check_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minutes: Mapped[int | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # How presence at check-in was proven: the station's rotating code, or the lead's or staff's word.
    presence: Mapped[str | None] = mapped_column(String(16))
    measured_minutes: Mapped[int | None]
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    order: Mapped[Order] = relationship(back_populates="service_records")
    volunteer: Mapped[Volunteer] = relationship()
    corrections: Mapped[list[ServiceCorrection]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="ServiceCorrection.id"
    )


class ServiceCorrection(db.Model):
    """A requested change to a service record's times; approved or rejected by the lead, never typed over."""

    __tablename__ = "service_corrections"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        CheckConstraint("check_in_at < check_out_at", name="times_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("service_records.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    check_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    check_out_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # The record's times before an approval changed them.
    previous_check_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    previous_check_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    record: Mapped[ServiceRecord] = relationship(back_populates="corrections")


class Rating(db.Model):
    """The resident's rating (评单): stars, the six praise words as tags, a comment."""

    __tablename__ = "ratings"
    __table_args__ = (CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    stars: Mapped[int]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="rating")
