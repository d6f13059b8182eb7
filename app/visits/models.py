"""Household visit campaigns (入户走访): households on the grid workers' list, campaigns and their visits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import EncryptedString, UTCDateTime
from app.core.uploads import UploadColumns
from app.extensions import db
from app.stations.models import Station
from app.volunteers.models import Volunteer

# Tags grid workers put on households; a campaign targets households by them.
HOUSEHOLD_TAGS = ("elderly_alone", "fire_hazard", "disability", "low_income", "left_behind_child", "other")
TOPICS = ("fire_safety", "waste_sorting", "anti_fraud", "policy", "health", "other")
TRAVEL_MODES = ("walk", "drive")
OUTCOMES = ("pending", "visited", "not_home", "refused")
# A visit with one of these outcomes is finished; the rest are planned (again) by a re-plan.
FINAL_OUTCOMES = ("visited", "refused")

campaign_volunteers = Table(
    "visit_campaign_volunteers",
    db.metadata,
    Column("campaign_id", ForeignKey("visit_campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("volunteer_id", ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True),
)


class Household(db.Model):
    """A household on the list, at a station's area; its address and tags are personal data."""

    __tablename__ = "visit_households"
    __table_args__ = (
        UniqueConstraint("station_id", "code", name="uq_visit_households_station_code"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="location_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    # Encrypted at rest; shown whole only to staff of the area and the volunteer assigned to visit.
    address: Mapped[str] = mapped_column(EncryptedString(1024))
    lat: Mapped[float]
    lon: Mapped[float]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    station: Mapped[Station] = relationship()


class HouseholdImport(UploadColumns, db.Model):
    """An uploaded household list, kept between its preview and the staff member's confirmation."""

    __tablename__ = "visit_household_imports"


class Campaign(db.Model):
    """A visit campaign: a topic at a station's area over a period, its households and volunteers."""

    __tablename__ = "visit_campaigns"
    __table_args__ = (
        CheckConstraint("topic IN ('fire_safety', 'waste_sorting', 'anti_fraud', 'policy', 'health', 'other')",
                        name="topic"),
        CheckConstraint("travel_mode IN ('walk', 'drive')", name="travel_mode"),
        CheckConstraint("starts_on <= ends_on", name="period_order"),
        CheckConstraint("visit_minutes BETWEEN 5 AND 180", name="visit_minutes_range"),
        CheckConstraint("max_visits_per_shift BETWEEN 1 AND 40", name="max_visits_range"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    topic: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # Households with any of these tags are targeted; none means every household of the area.
    target_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    visit_minutes: Mapped[int] = mapped_column(default=20)
    max_visits_per_shift: Mapped[int] = mapped_column(default=8)
    travel_mode: Mapped[str] = mapped_column(String(8), default="walk")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Figures of the last plan (status, seconds, km, bound, dropped), for the campaign page.
    plan_stats: Mapped[dict] = mapped_column(JSON, default=dict)

    station: Mapped[Station] = relationship()
    volunteers: Mapped[list[Volunteer]] = relationship(secondary=campaign_volunteers, order_by="Volunteer.code")
    visits: Mapped[list[Visit]] = relationship(back_populates="campaign", order_by="Visit.id")


class Visit(db.Model):
    """One household of a campaign: who visits it when (if planned), in which order, and what came of it."""

    __tablename__ = "visit_visits"
    __table_args__ = (
        UniqueConstraint("campaign_id", "household_id", name="uq_visit_visits_campaign_household"),
        CheckConstraint("outcome IN ('pending', 'visited', 'not_home', 'refused')", name="outcome"),
        CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("visit_campaigns.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("visit_households.id"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), index=True)
    # The half-day the visit is planned in, the planned start of the visit, and its place in that route.
    shift_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sequence: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(String(400), default="")
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    campaign: Mapped[Campaign] = relationship(back_populates="visits")
    household: Mapped[Household] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()
