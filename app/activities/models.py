"""Open activities, their slots by skill (with a filled count the database keeps within capacity) and sign-ups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.menu.models import Skill
from app.stations.models import Station
from app.volunteers.models import Volunteer

ACTIVITY_STATUSES = ("published", "cancelled")
SIGNUP_STATUSES = ("confirmed", "waitlisted", "withdrawn", "cancelled")
# A volunteer holds at most one of these per activity (a partial unique index).
HELD = ("confirmed", "waitlisted")


class Activity(db.Model):
    """An activity a station publishes for volunteers to sign up for: when, where, and the slots it needs."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("status IN ('published', 'cancelled')", name="status"),
        CheckConstraint("start_at < end_at", name="times_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16), default="published", index=True)
    cancel_reason: Mapped[str] = mapped_column(String(400), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    station: Mapped[Station] = relationship()
    slots: Mapped[list[ActivitySlot]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ActivitySlot.id"
    )


class ActivitySlot(db.Model):
    """The places of one skill an activity needs; `filled` counts confirmed sign-ups and never passes capacity."""

    __tablename__ = "activity_slots"
    __table_args__ = (
        UniqueConstraint("activity_id", "skill_id", name="uq_activity_slots_activity_skill"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("filled >= 0 AND filled <= capacity", name="filled_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    capacity: Mapped[int]
    filled: Mapped[int] = mapped_column(default=0)

    activity: Mapped[Activity] = relationship(back_populates="slots")
    skill: Mapped[Skill] = relationship()
    signups: Mapped[list[ActivitySignup]] = relationship(back_populates="slot", order_by="ActivitySignup.id")


class ActivitySignup(db.Model):
    """A volunteer's place in a slot: confirmed, waiting (in sign-up order), withdrawn, or cancelled."""

    __tablename__ = "activity_signups"
    __table_args__ = (
        CheckConstraint("status IN ('confirmed', 'waitlisted', 'withdrawn', 'cancelled')", name="status"),
        Index(
            "uq_activity_signups_held",
            "activity_id",
            "volunteer_id",
            unique=True,
            postgresql_where=text("status IN ('confirmed', 'waitlisted')"),
            sqlite_where=text("status IN ('confirmed', 'waitlisted')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("activity_slots.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    activity: Mapped[Activity] = relationship()
    slot: Mapped[ActivitySlot] = relationship(back_populates="signups")
    volunteer: Mapped[Volunteer] = relationship()
