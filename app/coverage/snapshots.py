"""Coverage snapshots: the nightly record of each station x priority, and their history."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.coverage.aggregate import check_period, staff_scope
from app.coverage.models import CoverageSnapshot
from app.coverage.report import coverage_of
from app.extensions import db

# The figures a snapshot row keeps of its station x priority.
SNAPSHOT_FIGURES = (
    "orders", "served", "cancelled", "expired", "fulfilment", "median_accept_minutes", "median_serve_minutes",
    "avg_rating",
)  # fmt: skip


def take_snapshot(*, day: date) -> int:
    """Record every station x priority's coverage as of a local day; replaces that day's rows. Returns rows."""
    window = current_app.config["COVERAGE_SNAPSHOT_WINDOW_DAYS"]
    report = coverage_of(ids=None, start=day - timedelta(days=window - 1), end=day, station_id=None)
    # A bulk delete runs at once; ORM deletes would flush after the inserts and trip the unique constraint.
    db.session.execute(delete(CoverageSnapshot).where(CoverageSnapshot.day == day))
    taken_at = utcnow()
    rows = [
        CoverageSnapshot(
            day=day,
            station_id=station.station_id,
            priority_id=priority.id,
            window_days=window,
            taken_at=taken_at,
            **station.by_priority[priority.code].pick(SNAPSHOT_FIGURES),
        )
        for station in report.stations
        for priority in report.priorities
    ]
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)


def snapshot_history(*, user: User, start: date, end: date, station_id: int | None = None) -> list[CoverageSnapshot]:
    """Stored snapshots in scope between two days, by day, station and priority."""
    check_period(start, end)
    ids = staff_scope(user, station_id)
    query = (
        db.select(CoverageSnapshot)
        .options(selectinload(CoverageSnapshot.priority))
        .where(CoverageSnapshot.day >= start, CoverageSnapshot.day <= end)
        .order_by(CoverageSnapshot.day, CoverageSnapshot.station_id, CoverageSnapshot.priority_id)
    )
    if ids is not None:
        query = query.where(CoverageSnapshot.station_id.in_(ids))
    return list(db.session.scalars(query))
