"""The trends report: orders and fulfilment week by week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case

from app.accounts.models import User
from app.core.errors import ValidationFailed
from app.core.timeutil import local_midnight
from app.coverage.aggregate import Tally, collect, local_today, period_conds, priority_by_code, scope_conds, staff_scope
from app.menu.models import MenuItem
from app.orders.models import Order


@dataclass(frozen=True)
class WeekTrend:
    """One local week (Monday to Sunday) of orders created."""

    week_start: date
    week: str
    orders: int
    served: int
    cancelled: int
    expired: int
    fulfilment: float | None
    median_accept_minutes: float | None


# The figures a week's trend shows.
TREND_FIGURES = ("orders", "served", "cancelled", "expired", "fulfilment", "median_accept_minutes")


def trends(
    *,
    user: User,
    weeks: int = 12,
    today: date | None = None,
    station_id: int | None = None,
    priority: str | None = None,
) -> list[WeekTrend]:
    """Weekly orders, served, fulfilment and median accept time, oldest first, the current week last."""
    if not 1 <= weeks <= 260:
        raise ValidationFailed("weeks must be between 1 and 260", field="weeks")
    ids = staff_scope(user, station_id)
    ref = priority_by_code(priority)
    today = today or local_today()
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    mondays = [first + timedelta(weeks=i) for i in range(weeks)]
    bounds = [local_midnight(day) for day in mondays]
    created = Order.created_at
    # Latest boundary first, so each order falls in the last week that started before it.
    bucket = case(*[(created >= bound, i) for i, bound in reversed(list(enumerate(bounds)))], else_=-1)
    conds = [*period_conds(created, first, mondays[-1] + timedelta(days=6)), *scope_conds(ids)]
    if ref is not None:
        conds.append(MenuItem.priority_id == ref.id)
    accs = collect(keys=[bucket], conds=conds)
    result: list[WeekTrend] = []
    for i, monday in enumerate(mondays):
        figures = accs.get((i,), Tally()).figures()
        year, week, _ = monday.isocalendar()
        result.append(
            WeekTrend(week_start=monday, week=f"{year}-W{week:02d}", **figures.pick(TREND_FIGURES)),
        )
    return result
