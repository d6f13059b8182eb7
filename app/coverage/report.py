"""The coverage report: orders, fulfilment, response times and ratings per station and priority."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.accounts.models import User
from app.coverage.aggregate import (
    Figures,
    PriorityRef,
    Tally,
    check_period,
    collect,
    period_conds,
    practice_priorities,
    scope_conds,
    staff_scope,
    stations_in,
)
from app.menu.models import MenuItem
from app.orders.models import Order


@dataclass(frozen=True)
class StationCoverage:
    """One station's figures, in total and for each priority code (all five present)."""

    station_id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    lat: float
    lon: float
    total: Figures
    by_priority: dict[str, Figures]


@dataclass(frozen=True)
class CoverageReport:
    """Coverage of a scope over a period: per station and priority, per priority, and overall."""

    start: date
    end: date
    station_id: int | None
    priorities: list[PriorityRef]
    stations: list[StationCoverage]
    by_priority: dict[str, Figures]
    total: Figures


def coverage(*, user: User, start: date, end: date, station_id: int | None = None) -> CoverageReport:
    """Orders, fulfilment, response times and ratings per station and priority over a period."""
    check_period(start, end)
    ids = staff_scope(user, station_id)
    return coverage_of(ids=ids, start=start, end=end, station_id=station_id)


def coverage_of(*, ids: set[int] | None, start: date, end: date, station_id: int | None) -> CoverageReport:
    priorities = practice_priorities()
    accs = collect(
        keys=[Order.station_id, MenuItem.priority_id],
        conds=[*period_conds(Order.created_at, start, end), *scope_conds(ids)],
    )
    stations = stations_in(ids, {sid for sid, _ in accs})
    grand = Tally()
    per_priority = {p.code: Tally() for p in priorities}
    rows: list[StationCoverage] = []
    for station in stations:
        total = Tally()
        cells: dict[str, Figures] = {}
        for priority in priorities:
            acc = accs.get((station.id, priority.id), Tally())
            total.merge(acc)
            per_priority[priority.code].merge(acc)
            cells[priority.code] = acc.figures()
        grand.merge(total)
        rows.append(
            StationCoverage(
                station_id=station.id,
                code=station.code,
                name=station.name,
                level=station.level,
                parent_id=station.parent_id,
                lat=station.lat,
                lon=station.lon,
                total=total.figures(),
                by_priority=cells,
            )
        )
    return CoverageReport(
        start=start,
        end=end,
        station_id=station_id,
        priorities=priorities,
        stations=rows,
        by_priority={code: acc.figures() for code, acc in per_priority.items()},
        total=grand.figures(),
    )
