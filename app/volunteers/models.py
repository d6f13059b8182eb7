"""Teams and volunteers: skills, weekly availability with exceptions, limits per week and distance."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.types import EncryptedString, UTCDateTime
from app.core.uploads import UploadColumns
from app.extensions import db
from app.menu.models import Skill, Specialty
from app.stations.models import Station

volunteer_skills = Table(
    "volunteer_skills",
    db.metadata,
    Column("volunteer_id", ForeignKey("volunteers.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True),
)

# Neighbouring counties a team also serves across the county line (a team near the border lends help); the
# dispatch's second pass places such a county's orders left unserved with these teams.
team_lent_counties = Table(
    "team_lent_counties",
    db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("county_id", ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Team(db.Model):
    """A volunteer team at one tier, with a home station, a specialty and a lead (队长)."""

    __tablename__ = "teams"
    __table_args__ = (CheckConstraint("level IN ('county', 'township', 'village')", name="level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    specialty_id: Mapped[int | None] = mapped_column(ForeignKey("specialties.id"))
    lead_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    station: Mapped[Station] = relationship()
    specialty: Mapped[Specialty | None] = relationship()
    members: Mapped[list[Volunteer]] = relationship(back_populates="team", order_by="Volunteer.code")
    lent_to: Mapped[list[Station]] = relationship(secondary=team_lent_counties, order_by="Station.id")


class Volunteer(db.Model):
    """A registered volunteer: skills, team, home station and limits."""

    __tablename__ = "volunteers"
    __table_args__ = (
        CheckConstraint("max_orders_per_week >= 0", name="max_orders_nonnegative"),
        CheckConstraint("max_km IS NULL OR max_km > 0", name="max_km_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    # Encrypted at rest (DATA_KEYS); shown masked except to the accepted crew's lead (app.orders.phones).
    phone: Mapped[str | None] = mapped_column(EncryptedString())
    email: Mapped[str | None] = mapped_column(String(120))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    max_orders_per_week: Mapped[int] = mapped_column(default=3)
    max_km: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    team: Mapped[Team | None] = relationship(back_populates="members")
    station: Mapped[Station] = relationship()
    skills: Mapped[list[Skill]] = relationship(secondary=volunteer_skills, order_by="Skill.code")
    availability: Mapped[list[AvailabilitySlot]] = relationship(
        back_populates="volunteer",
        cascade="all, delete-orphan",
        order_by="(AvailabilitySlot.weekday, AvailabilitySlot.start_minute)",
    )
    exceptions: Mapped[list[AvailabilityException]] = relationship(
        back_populates="volunteer", cascade="all, delete-orphan", order_by="AvailabilityException.day"
    )


class AvailabilitySlot(db.Model):
    """A weekly recurring free period in local time: weekday 0 = Monday, minutes from local midnight."""

    __tablename__ = "availability_slots"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute", name="minute_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    start_minute: Mapped[int]
    end_minute: Mapped[int]

    volunteer: Mapped[Volunteer] = relationship(back_populates="availability")


class AvailabilityException(db.Model):
    """A one-day change to the weekly pattern: unavailable (leave, illness) or extra free time."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "day", "start_minute", name="uq_availability_exceptions_vol_day_start"),
        CheckConstraint("start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute", name="minute_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    start_minute: Mapped[int] = mapped_column(default=0)
    end_minute: Mapped[int] = mapped_column(default=1440)
    available: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(200), default="")

    volunteer: Mapped[Volunteer] = relationship(back_populates="exceptions")


class VolunteerImport(UploadColumns, db.Model):
    """An uploaded register of volunteers, kept between its preview and the staff member's confirmation."""

    __tablename__ = "volunteer_imports"
