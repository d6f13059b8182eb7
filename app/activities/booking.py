"""What dispatch needs to know of activities: the times confirmed volunteers are booked, and where."""

from __future__ import annotations

from datetime import datetime

from app.activities.models import Activity, ActivitySignup
from app.extensions import db


def booked_times(*, start: datetime, end: datetime) -> list[tuple[int, datetime, datetime, int]]:
    """(volunteer id, start, end, station id) of every confirmed place in a published activity overlapping
    [start, end)."""
    rows = db.session.execute(
        db.select(ActivitySignup.volunteer_id, Activity.start_at, Activity.end_at, Activity.station_id)
        .join(Activity, Activity.id == ActivitySignup.activity_id)
        .where(
            ActivitySignup.status == "confirmed",
            Activity.status == "published",
            Activity.start_at < end,
            Activity.end_at > start,
        )
    ).all()
    return [(volunteer_id, s, e, station_id) for volunteer_id, s, e, station_id in rows]


def booked_activity(*, volunteer_id: int, start: datetime, end: datetime) -> Activity | None:
    """The published activity the volunteer holds a confirmed place in at a time overlapping [start, end)."""
    return db.session.scalar(
        db.select(Activity)
        .join(ActivitySignup, ActivitySignup.activity_id == Activity.id)
        .where(
            ActivitySignup.volunteer_id == volunteer_id,
            ActivitySignup.status == "confirmed",
            Activity.status == "published",
            Activity.start_at < end,
            Activity.end_at > start,
        )
        .limit(1)
    )
