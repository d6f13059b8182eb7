"""Nightly coverage snapshots: one row per day, station and practice priority."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db
from app.menu.models import PracticePriority
from app.stations.models import Station


class CoverageSnapshot(db.Model):
    """Coverage of one station and priority as of a local day, over the window_days ending that day."""

    __tablename__ = "coverage_snapshots"
    __table_args__ = (
        UniqueConstraint("day", "station_id", "priority_id", name="uq_coverage_snapshots_day_station_priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("practice_priorities.id", ondelete="CASCADE"))
    window_days: Mapped[int]
    orders: Mapped[int] = mapped_column(default=0)
    served: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    expired: Mapped[int] = mapped_column(default=0)
    fulfilment: Mapped[float | None]
    median_accept_minutes: Mapped[float | None]
    median_serve_minutes: Mapped[float | None]
    avg_rating: Mapped[float | None]
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    station: Mapped[Station] = relationship()
    priority: Mapped[PracticePriority] = relationship()
