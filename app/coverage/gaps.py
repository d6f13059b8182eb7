"""The gaps report: stations x the five priorities with no order served lately."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func

from app.accounts.models import User
from app.core.errors import ValidationFailed
from app.core.timeutil import local_midnight, to_local
from app.coverage.aggregate import (
    SERVED_STATUSES,
    local_today,
    period_conds,
    practice_priorities,
    scope_conds,
    staff_scope,
    stations_in,
)
from app.extensions import db
from app.menu.models import MenuItem
from app.orders.models import Order


@dataclass(frozen=True)
class Gap:
    """A station and priority with no served order in the window."""

    station_id: int
    station_code: str
    station_name: str
    level: str
    priority: str
    priority_name_zh: str
    last_served_on: date | None
    # Orders created in the window (not cancelled): demand that went unmet, as against no demand at all.
    orders_in_window: int


@dataclass(frozen=True)
class GapReport:
    """Gaps in a scope over the last ``days`` days."""

    today: date
    since: date
    days: int
    stations: int
    cells: int
    covered_cells: int
    gaps: list[Gap]


def gaps(*, user: User, days: int | None = None, today: date | None = None, station_id: int | None = None) -> GapReport:
    """Stations x the five priorities with no order served (completed) in the last ``days`` days."""
    days = current_app.config["COVERAGE_GAP_DAYS"] if days is None else days
    if days < 1:
        raise ValidationFailed("days must be at least 1", field="days")
    ids = staff_scope(user, station_id)
    today = today or local_today()
    since = today - timedelta(days=days - 1)
    since_at = local_midnight(since)
    priorities = practice_priorities()

    last_served = {
        (sid, pid): at
        for sid, pid, at in db.session.execute(
            db.select(Order.station_id, MenuItem.priority_id, func.max(Order.completed_at))
            .join(MenuItem, MenuItem.id == Order.menu_item_id)
            .where(Order.status.in_(SERVED_STATUSES), Order.completed_at.is_not(None), *scope_conds(ids))
            .group_by(Order.station_id, MenuItem.priority_id)
        )
    }
    demand = {
        (sid, pid): n
        for sid, pid, n in db.session.execute(
            db.select(Order.station_id, MenuItem.priority_id, func.count(Order.id))
            .join(MenuItem, MenuItem.id == Order.menu_item_id)
            .where(*period_conds(Order.created_at, since, today), Order.status != "cancelled", *scope_conds(ids))
            .group_by(Order.station_id, MenuItem.priority_id)
        )
    }
    stations = stations_in(ids)
    found: list[Gap] = []
    for station in stations:
        for priority in priorities:
            at = last_served.get((station.id, priority.id))
            if at is not None and since_at <= at:
                continue
            found.append(
                Gap(
                    station_id=station.id,
                    station_code=station.code,
                    station_name=station.name,
                    level=station.level,
                    priority=priority.code,
                    priority_name_zh=priority.name_zh,
                    last_served_on=to_local(at).date() if at is not None else None,
                    orders_in_window=demand.get((station.id, priority.id), 0),
                )
            )
    cells = len(stations) * len(priorities)
    return GapReport(
        today=today,
        since=since,
        days=days,
        stations=len(stations),
        cells=cells,
        covered_cells=cells - len(found),
        gaps=found,
    )
