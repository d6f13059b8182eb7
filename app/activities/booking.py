"""What dispatch needs to know of activities: the times confirmed volunteers are booked, and where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select

from app.activities.models import Activity, ActivitySignup
from app.extensions import db


def _booked_places(start: datetime, end: datetime, *columns: Any) -> Select:
    """The columns of each confirmed place in a published activity overlapping [start, end), activity joined."""
    return (
        db.select(*columns)
        .select_from(ActivitySignup)
        .join(Activity, Activity.id == ActivitySignup.activity_id)
        .where(
            ActivitySignup.status == "confirmed",
            Activity.status == "published",
            Activity.start_at < end,
            Activity.end_at > start,
        )
    )


def booked_times(*, start: datetime, end: datetime) -> list[tuple[int, datetime, datetime, int]]:
    """(volunteer id, start, end, station id) of every confirmed place in a published activity overlapping
    [start, end)."""
    columns = (ActivitySignup.volunteer_id, Activity.start_at, Activity.end_at, Activity.station_id)
    rows = db.session.execute(_booked_places(start, end, *columns)).all()
    return [(volunteer_id, s, e, station_id) for volunteer_id, s, e, station_id in rows]


def booked_activity(*, volunteer_id: int, start: datetime, end: datetime) -> Activity | None:
    """The published activity the volunteer holds a confirmed place in at a time overlapping [start, end)."""
    query = _booked_places(start, end, Activity).where(ActivitySignup.volunteer_id == volunteer_id)
    return db.session.scalar(query.limit(1))
