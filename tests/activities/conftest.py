"""Builders for activity tests: an activity published by the county's staff, tomorrow evening by default."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from app.activities import service
from app.activities.models import Activity
from app.core.timeutil import LOCAL_TZ
from app.extensions import db
from tests.factories import World


def tomorrow_at(hour: int, *, days: int = 1) -> datetime:
    """A local hour on a coming day."""
    day = (datetime.now(LOCAL_TZ) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)


@pytest.fixture()
def publish(world: World) -> Callable[..., Activity]:
    """Return a builder: an activity with the given slots (skill -> capacity), committed."""

    def build(
        slots: dict[str, int] | None = None,
        *,
        start: datetime | None = None,
        hours: int = 2,
        station: str = "PY-BY-01",
        by: str = "county",
        title: str = "村晚文艺演出",
    ) -> Activity:
        start = start or tomorrow_at(19)
        activity = service.publish_activity(
            user=world.users[by],
            station_id=world.stations[station].id,
            title=title,
            start_at=start,
            end_at=start + timedelta(hours=hours),
            location="村文化广场",
            slots=[{"skill": k, "capacity": v} for k, v in (slots or {"elder-care": 1}).items()],
        )
        db.session.commit()
        return activity

    return build
