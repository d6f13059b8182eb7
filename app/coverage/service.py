"""Coverage (覆盖): which stations and practice priorities are served, how fast, and who did the work.

Public functions (stable; the dashboard pages and the scheduler build on them). Every function but
take_snapshot takes the calling ``user``, refuses (403) anyone but station_staff, county_staff and admin,
and sees only the stations in the user's scope (``app.accounts.access.scope_station_ids``)::

    coverage(*, user, start: date, end: date, station_id: int | None = None) -> CoverageReport
    gaps(*, user, days: int | None = None, today: date | None = None, station_id: int | None = None) -> GapReport
    trends(*, user, weeks: int = 12, today: date | None = None, station_id: int | None = None,
           priority: str | None = None) -> list[WeekTrend]
    contributions(*, user, start: date, end: date, team_id: int | None = None) -> ContributionReport
    map_features(*, user, start: date, end: date, priority: str | None = None) -> dict   # GeoJSON
    hexagons(*, user, start: date, end: date, priority: str | None = None, resolution: int = 7) -> dict  # GeoJSON
    take_snapshot(*, day: date) -> int                                                     # rows written
    snapshot_history(*, user, start: date, end: date, station_id: int | None = None) -> list[CoverageSnapshot]

Definitions:
- Period: ``start`` and ``end`` are local (Asia/Shanghai) calendar days, both included. An order belongs to
  the period in which it was created; a service record to the period in which the volunteer checked in.
- ``station_id`` narrows to that station and every station below it (404 outside the user's scope).
- Served = completed or rated; open = submitted, dispatched, accepted or in service.
- Fulfilment = served / (orders - cancelled): a cancelled order was withdrawn by the resident or staff, so it
  counts neither way, while expired and still-open orders count against it. None when nothing is left.
- Time to accept = created_at -> accepted_at (or the first "accepted" OrderEvent when accepted_at is missing),
  over orders that were accepted. Time to serve = created_at -> completed_at, over served orders: the moment
  the resident had the service, not when it started. Both are medians in minutes.
- Average rating = mean stars over rated orders.
- Stations listed are the active stations in scope plus any inactive one with orders, so gaps show.
- Contributions: hours = ServiceRecord.minutes / 60 over served orders; points = what the incentives ledger
  (``app.incentives``) recorded as earned for service in the period at stations in scope, each entry under its
  own rule version. A volunteer counts toward their current team.
  Tags count the six praise words (看得见 听得懂 信得过 愿参与 用得上 真点赞).
- Gaps: a station x priority with no order completed in the last ``days`` local days (today included).
- Snapshot: for each station x priority, coverage over the COVERAGE_SNAPSHOT_WINDOW_DAYS ending on ``day``,
  with statuses as they stand when it runs; running it again for a day replaces that day's rows.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import h3
from flask import current_app
from sqlalchemy import ColumnElement, case, delete, func, or_
from sqlalchemy.orm import selectinload

from app.accounts.access import STAFF_ROLES, ensure_station_in_scope, require_role, scope_station_ids, subtree_ids
from app.accounts.models import User
from app.core.errors import NotFound, ValidationFailed
from app.core.timeutil import local_midnight, to_local, utcnow
from app.coverage.models import CoverageSnapshot
from app.extensions import db
from app.incentives.service import current_rule, earned_points
from app.menu.models import MenuItem, PracticePriority
from app.orders.models import RATING_TAGS, Order, OrderEvent, Rating, ServiceRecord
from app.stations.models import Station
from app.volunteers.models import Team, Volunteer

SERVED_STATUSES = ("completed", "rated")
COLOUR_CLASSES = ("none", "low", "medium", "high")
MAX_PERIOD_DAYS = 3660


# ---------------------------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True)
class Figures:
    """The coverage figures of one group of orders."""

    orders: int = 0
    served: int = 0
    cancelled: int = 0
    expired: int = 0
    open: int = 0
    fulfilment: float | None = None
    median_accept_minutes: float | None = None
    median_serve_minutes: float | None = None
    avg_rating: float | None = None
    ratings: int = 0


@dataclass(frozen=True)
class PriorityRef:
    """A practice priority as reports name it."""

    id: int
    code: str
    name_zh: str
    name_en: str


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


@dataclass(frozen=True)
class VolunteerContribution:
    """What one volunteer did in a period."""

    volunteer_id: int
    code: str
    name: str
    team_id: int | None
    team_name: str | None
    orders_served: int
    hours: float
    points: float
    avg_stars: float | None
    ratings: int
    five_star: int
    tags: dict[str, int]


@dataclass(frozen=True)
class TeamContribution:
    """What one team's volunteers did in a period; orders are counted once however many members served."""

    team_id: int
    code: str
    name: str
    level: str
    volunteers: int
    orders_served: int
    hours: float
    points: float
    avg_stars: float | None
    ratings: int
    tags: dict[str, int]


@dataclass(frozen=True)
class ContributionReport:
    """Who did the work in a period, per volunteer and per team, most points first."""

    start: date
    end: date
    team_id: int | None
    points_per_hour: int
    five_star_bonus: int
    volunteers: list[VolunteerContribution]
    teams: list[TeamContribution]


# ---------------------------------------------------------------------------------------------------------------
# Accumulating figures


@dataclass
class _Acc:
    """Counts and raw durations of a group, mergeable, turned into Figures at the end."""

    orders: int = 0
    served: int = 0
    cancelled: int = 0
    expired: int = 0
    ratings: int = 0
    stars: int = 0
    accept: list[float] = field(default_factory=list)
    serve: list[float] = field(default_factory=list)

    def merge(self, other: _Acc) -> None:
        self.orders += other.orders
        self.served += other.served
        self.cancelled += other.cancelled
        self.expired += other.expired
        self.ratings += other.ratings
        self.stars += other.stars
        self.accept.extend(other.accept)
        self.serve.extend(other.serve)

    def figures(self) -> Figures:
        return Figures(
            orders=self.orders,
            served=self.served,
            cancelled=self.cancelled,
            expired=self.expired,
            open=self.orders - self.served - self.cancelled - self.expired,
            fulfilment=fulfilment(served=self.served, orders=self.orders, cancelled=self.cancelled),
            median_accept_minutes=_median(self.accept),
            median_serve_minutes=_median(self.serve),
            avg_rating=round(self.stars / self.ratings, 2) if self.ratings else None,
            ratings=self.ratings,
        )


def fulfilment(*, served: int, orders: int, cancelled: int) -> float | None:
    """served / (orders - cancelled), rounded to 4 places; None when no order is left."""
    base = orders - cancelled
    return round(served / base, 4) if base > 0 else None


def colour_class(value: float | None) -> str:
    """The map colour class of a fulfilment: none (no orders), low, medium or high."""
    if value is None:
        return "none"
    if value >= current_app.config["COVERAGE_GOOD_FULFILMENT"]:
        return "high"
    if value < current_app.config["COVERAGE_POOR_FULFILMENT"]:
        return "low"
    return "medium"


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _minutes(start: datetime, end: datetime) -> float:
    # Clock skew between kiosks and the server can put an answer a moment before the order; never negative.
    return max(0.0, (end - start).total_seconds() / 60)


def _collect(*, keys: Sequence[ColumnElement[Any]], conds: Sequence[ColumnElement[bool]]) -> dict[tuple, _Acc]:
    """Figures of orders matching conds, grouped by keys: counts in SQL, durations fetched for medians."""
    first_accept = (
        db.select(OrderEvent.order_id.label("order_id"), func.min(OrderEvent.at).label("at"))
        .join(Order, Order.id == OrderEvent.order_id)
        .join(MenuItem, MenuItem.id == Order.menu_item_id)
        .where(OrderEvent.kind == "accepted", *conds)
        .group_by(OrderEvent.order_id)
        .subquery()
    )
    # Keys go through a subquery so that grouping by an expression with bound values works on PostgreSQL too.
    base = (
        db.select(
            *[key.label(f"k{i}") for i, key in enumerate(keys)],
            Order.status.label("status"),
            Order.created_at.label("created_at"),
            func.coalesce(Order.accepted_at, first_accept.c.at).label("accepted_at"),
            Order.completed_at.label("completed_at"),
            Rating.stars.label("stars"),
        )
        .join(MenuItem, MenuItem.id == Order.menu_item_id)
        .outerjoin(Rating, Rating.order_id == Order.id)
        .outerjoin(first_accept, first_accept.c.order_id == Order.id)
        .where(*conds)
        .subquery()
    )
    key_cols = [base.c[f"k{i}"] for i in range(len(keys))]

    def count_if(*statuses: str) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((base.c.status.in_(statuses), 1), else_=0)), 0)

    counts = db.session.execute(
        db.select(
            *key_cols,
            func.count(),
            count_if(*SERVED_STATUSES),
            count_if("cancelled"),
            count_if("expired"),
            func.count(base.c.stars),
            func.coalesce(func.sum(base.c.stars), 0),
        ).group_by(*key_cols)
    ).all()
    accs: dict[tuple, _Acc] = {}
    width = len(keys)
    for row in counts:
        accs[tuple(row[:width])] = _Acc(*[int(v) for v in row[width:]])

    durations = db.session.execute(
        db.select(*key_cols, base.c.status, base.c.created_at, base.c.accepted_at, base.c.completed_at).where(
            or_(base.c.accepted_at.is_not(None), base.c.completed_at.is_not(None))
        )
    ).all()
    for row in durations:
        acc = accs[tuple(row[:width])]
        status, created_at, accepted_at, completed_at = row[width:]
        if accepted_at is not None:
            acc.accept.append(_minutes(created_at, accepted_at))
        if completed_at is not None and status in SERVED_STATUSES:
            acc.serve.append(_minutes(created_at, completed_at))
    return accs


# ---------------------------------------------------------------------------------------------------------------
# Scope, periods, reference data


def _staff_scope(user: User, station_id: int | None) -> set[int] | None:
    """Station ids the report covers (None = everywhere), after the role and scope checks."""
    require_role(user, *STAFF_ROLES)
    ids = scope_station_ids(user)
    if station_id is None:
        return ids
    if db.session.get(Station, station_id) is None:
        raise NotFound("station not found", field="station_id")
    ensure_station_in_scope(user, station_id, field="station_id")
    below = subtree_ids(station_id)
    return below if ids is None else below & ids


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise ValidationFailed("end must not be before start", field="end")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationFailed(f"period is longer than {MAX_PERIOD_DAYS} days", field="start")


def _period_conds(column: Any, start: date, end: date) -> list[ColumnElement[bool]]:
    return [column >= local_midnight(start), column < local_midnight(end + timedelta(days=1))]


def _scope_conds(ids: set[int] | None) -> list[ColumnElement[bool]]:
    return [] if ids is None else [Order.station_id.in_(ids)]


def _local_today() -> date:
    return to_local(utcnow()).date()


def _priorities() -> list[PriorityRef]:
    rows = db.session.scalars(db.select(PracticePriority).order_by(PracticePriority.sort_order, PracticePriority.id))
    return [PriorityRef(id=p.id, code=p.code, name_zh=p.name_zh, name_en=p.name_en) for p in rows]


def _priority_by_code(code: str | None) -> PriorityRef | None:
    if code is None:
        return None
    for ref in _priorities():
        if ref.code == code:
            return ref
    raise ValidationFailed(f"unknown practice priority {code}", field="priority")


def _stations(ids: set[int] | None, with_orders: Iterable[int] = ()) -> list[Station]:
    """Active stations in scope, plus the inactive ones that still have orders in the figures."""
    query = db.select(Station).where(or_(Station.active.is_(True), Station.id.in_(set(with_orders))))
    if ids is not None:
        query = query.where(Station.id.in_(ids))
    return list(db.session.scalars(query.order_by(Station.code)))


# ---------------------------------------------------------------------------------------------------------------
# Coverage


def coverage(*, user: User, start: date, end: date, station_id: int | None = None) -> CoverageReport:
    """Orders, fulfilment, response times and ratings per station and priority over a period."""
    _check_period(start, end)
    ids = _staff_scope(user, station_id)
    return _coverage(ids=ids, start=start, end=end, station_id=station_id)


def _coverage(*, ids: set[int] | None, start: date, end: date, station_id: int | None) -> CoverageReport:
    priorities = _priorities()
    accs = _collect(
        keys=[Order.station_id, MenuItem.priority_id],
        conds=[*_period_conds(Order.created_at, start, end), *_scope_conds(ids)],
    )
    stations = _stations(ids, {sid for sid, _ in accs})
    grand = _Acc()
    per_priority = {p.code: _Acc() for p in priorities}
    rows: list[StationCoverage] = []
    for station in stations:
        total = _Acc()
        cells: dict[str, Figures] = {}
        for priority in priorities:
            acc = accs.get((station.id, priority.id), _Acc())
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


# ---------------------------------------------------------------------------------------------------------------
# Gaps


def gaps(*, user: User, days: int | None = None, today: date | None = None, station_id: int | None = None) -> GapReport:
    """Stations x the five priorities with no order served (completed) in the last ``days`` days."""
    days = current_app.config["COVERAGE_GAP_DAYS"] if days is None else days
    if days < 1:
        raise ValidationFailed("days must be at least 1", field="days")
    ids = _staff_scope(user, station_id)
    today = today or _local_today()
    since = today - timedelta(days=days - 1)
    since_at = local_midnight(since)
    priorities = _priorities()

    last_served = {
        (sid, pid): at
        for sid, pid, at in db.session.execute(
            db.select(Order.station_id, MenuItem.priority_id, func.max(Order.completed_at))
            .join(MenuItem, MenuItem.id == Order.menu_item_id)
            .where(Order.status.in_(SERVED_STATUSES), Order.completed_at.is_not(None), *_scope_conds(ids))
            .group_by(Order.station_id, MenuItem.priority_id)
        )
    }
    demand = {
        (sid, pid): n
        for sid, pid, n in db.session.execute(
            db.select(Order.station_id, MenuItem.priority_id, func.count(Order.id))
            .join(MenuItem, MenuItem.id == Order.menu_item_id)
            .where(*_period_conds(Order.created_at, since, today), Order.status != "cancelled", *_scope_conds(ids))
            .group_by(Order.station_id, MenuItem.priority_id)
        )
    }
    stations = _stations(ids)
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


# ---------------------------------------------------------------------------------------------------------------
# Trends


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
    ids = _staff_scope(user, station_id)
    ref = _priority_by_code(priority)
    today = today or _local_today()
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    mondays = [first + timedelta(weeks=i) for i in range(weeks)]
    bounds = [local_midnight(day) for day in mondays]
    created = Order.created_at
    # Latest boundary first, so each order falls in the last week that started before it.
    bucket = case(*[(created >= bound, i) for i, bound in reversed(list(enumerate(bounds)))], else_=-1)
    conds = [*_period_conds(created, first, mondays[-1] + timedelta(days=6)), *_scope_conds(ids)]
    if ref is not None:
        conds.append(MenuItem.priority_id == ref.id)
    accs = _collect(keys=[bucket], conds=conds)
    result: list[WeekTrend] = []
    for i, monday in enumerate(mondays):
        figures = accs.get((i,), _Acc()).figures()
        year, week, _ = monday.isocalendar()
        result.append(
            WeekTrend(
                week_start=monday,
                week=f"{year}-W{week:02d}",
                orders=figures.orders,
                served=figures.served,
                cancelled=figures.cancelled,
                expired=figures.expired,
                fulfilment=figures.fulfilment,
                median_accept_minutes=figures.median_accept_minutes,
            )
        )
    return result


# ---------------------------------------------------------------------------------------------------------------
# Contributions (incentives)


def _tag_counts() -> dict[str, int]:
    return dict.fromkeys(RATING_TAGS, 0)


def contributions(*, user: User, start: date, end: date, team_id: int | None = None) -> ContributionReport:
    """Orders served, hours, points, stars and praise words per volunteer and per team over a period."""
    _check_period(start, end)
    ids = _staff_scope(user, None)
    if team_id is not None and db.session.get(Team, team_id) is None:
        raise NotFound("team not found", field="team_id")
    conds = [
        *_period_conds(ServiceRecord.check_in_at, start, end),
        Order.status.in_(SERVED_STATUSES),
        *_scope_conds(ids),
    ]
    if team_id is not None:
        conds.append(Volunteer.team_id == team_id)

    def records(*columns: Any) -> Any:
        return (
            db.select(*columns)
            .join(Order, Order.id == ServiceRecord.order_id)
            .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
            .outerjoin(Rating, Rating.order_id == Order.id)
            .where(*conds)
        )

    five = func.coalesce(func.sum(case((Rating.stars == 5, 1), else_=0)), 0)
    per_volunteer = db.session.execute(
        records(
            ServiceRecord.volunteer_id,
            func.count(ServiceRecord.id),
            func.coalesce(func.sum(ServiceRecord.minutes), 0),
            func.count(Rating.id),
            func.coalesce(func.sum(Rating.stars), 0),
            five,
        ).group_by(ServiceRecord.volunteer_id)
    ).all()
    team_orders = dict(
        db.session.execute(
            records(Volunteer.team_id, func.count(func.distinct(ServiceRecord.order_id)))
            .where(Volunteer.team_id.is_not(None))
            .group_by(Volunteer.team_id)
        ).all()
    )
    # Tags live in a JSON list, which SQL cannot count portably; fetch only the rated rows.
    rated = db.session.execute(
        records(ServiceRecord.volunteer_id, Volunteer.team_id, Order.id, Rating.stars, Rating.tags).where(
            Rating.id.is_not(None)
        )
    ).all()

    volunteer_ids = [row[0] for row in per_volunteer]
    people = {v.id: v for v in db.session.scalars(db.select(Volunteer).where(Volunteer.id.in_(volunteer_ids)))}
    teams = {t.id: t for t in db.session.scalars(db.select(Team).where(Team.id.in_(set(team_orders))))}

    volunteer_tags: dict[int, dict[str, int]] = defaultdict(_tag_counts)
    team_ratings: dict[int, dict[int, tuple[int, list[str]]]] = defaultdict(dict)
    for volunteer_id, tid, order_id, stars, tags in rated:
        for tag in tags or []:
            if tag in RATING_TAGS:
                volunteer_tags[volunteer_id][tag] += 1
        if tid is not None:
            team_ratings[tid][order_id] = (stars, list(tags or []))

    earned_by = earned_points(volunteer_ids=volunteer_ids, start=start, end=end, station_ids=ids)
    volunteers: list[VolunteerContribution] = []
    team_minutes: dict[int, int] = defaultdict(int)
    team_points: dict[int, float] = defaultdict(float)
    team_members: dict[int, int] = defaultdict(int)
    for volunteer_id, orders, minutes, ratings, stars, five_star in per_volunteer:
        person = people[volunteer_id]
        team = teams.get(person.team_id) if person.team_id is not None else None
        earned = earned_by.get(volunteer_id, 0)
        volunteers.append(
            VolunteerContribution(
                volunteer_id=volunteer_id,
                code=person.code,
                name=person.name,
                team_id=person.team_id,
                team_name=team.name if team is not None else None,
                orders_served=int(orders),
                hours=round(int(minutes) / 60, 2),
                points=earned,
                avg_stars=round(int(stars) / int(ratings), 2) if ratings else None,
                ratings=int(ratings),
                five_star=int(five_star),
                tags=dict(volunteer_tags.get(volunteer_id, _tag_counts())),
            )
        )
        if person.team_id is not None:
            team_minutes[person.team_id] += int(minutes)
            team_points[person.team_id] += earned
            team_members[person.team_id] += 1

    team_rows: list[TeamContribution] = []
    for tid, team in teams.items():
        by_order = team_ratings.get(tid, {})
        tags = _tag_counts()
        for _, order_tags in by_order.values():
            for tag in order_tags:
                if tag in tags:
                    tags[tag] += 1
        stars_list = [stars for stars, _ in by_order.values()]
        team_rows.append(
            TeamContribution(
                team_id=tid,
                code=team.code,
                name=team.name,
                level=team.level,
                volunteers=team_members[tid],
                orders_served=int(team_orders[tid]),
                hours=round(team_minutes[tid] / 60, 2),
                points=round(team_points[tid], 1),
                avg_stars=round(sum(stars_list) / len(stars_list), 2) if stars_list else None,
                ratings=len(stars_list),
                tags=tags,
            )
        )
    volunteers.sort(key=lambda v: (-v.points, -v.hours, v.code))
    team_rows.sort(key=lambda t: (-t.points, -t.hours, t.code))
    rule = current_rule()
    return ContributionReport(
        start=start,
        end=end,
        team_id=team_id,
        points_per_hour=rule.points_per_hour,
        five_star_bonus=rule.rating_bonus,
        volunteers=volunteers,
        teams=team_rows,
    )


# ---------------------------------------------------------------------------------------------------------------
# Map (GeoJSON)


def _station_figures(
    *, user: User, start: date, end: date, priority: str | None
) -> tuple[list[Station], dict[int, _Acc]]:
    _check_period(start, end)
    ids = _staff_scope(user, None)
    ref = _priority_by_code(priority)
    conds = [*_period_conds(Order.created_at, start, end), *_scope_conds(ids)]
    if ref is not None:
        conds.append(MenuItem.priority_id == ref.id)
    accs = {key[0]: acc for key, acc in _collect(keys=[Order.station_id], conds=conds).items()}
    return _stations(ids, accs), accs


def _figure_properties(figures: Figures) -> dict[str, Any]:
    return {
        "orders": figures.orders,
        "served": figures.served,
        "cancelled": figures.cancelled,
        "expired": figures.expired,
        "open": figures.open,
        "fulfilment": figures.fulfilment,
        "colour": colour_class(figures.fulfilment),
        "median_accept_minutes": figures.median_accept_minutes,
        "median_serve_minutes": figures.median_serve_minutes,
        "avg_rating": figures.avg_rating,
    }


def map_features(*, user: User, start: date, end: date, priority: str | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of station points with their fulfilment and colour class."""
    stations, accs = _station_figures(user=user, start=start, end=end, priority=priority)
    features = [
        {
            "type": "Feature",
            "id": station.id,
            "geometry": {"type": "Point", "coordinates": [station.lon, station.lat]},
            "properties": {
                "station_id": station.id,
                "code": station.code,
                "name": station.name,
                "level": station.level,
                "parent_id": station.parent_id,
                **_figure_properties(accs.get(station.id, _Acc()).figures()),
            },
        }
        for station in stations
    ]
    return {"type": "FeatureCollection", "features": features}


def hexagons(*, user: User, start: date, end: date, priority: str | None = None, resolution: int = 7) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of H3 cells holding stations, with the cells' pooled figures."""
    if not 0 <= resolution <= 15:
        raise ValidationFailed("resolution must be between 0 and 15", field="resolution")
    stations, accs = _station_figures(user=user, start=start, end=end, priority=priority)
    cells: dict[str, tuple[_Acc, list[Station]]] = {}
    for station in stations:
        cell = h3.latlng_to_cell(station.lat, station.lon, resolution)
        pooled, members = cells.setdefault(cell, (_Acc(), []))
        pooled.merge(accs.get(station.id, _Acc()))
        members.append(station)
    features = []
    for cell, (pooled, members) in sorted(cells.items()):
        ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
        ring.append(ring[0])  # GeoJSON rings are closed
        features.append(
            {
                "type": "Feature",
                "id": cell,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "cell": cell,
                    "resolution": resolution,
                    "stations": len(members),
                    "station_codes": [s.code for s in members],
                    **_figure_properties(pooled.figures()),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------------------------------------------------------
# Snapshots


def take_snapshot(*, day: date) -> int:
    """Record every station x priority's coverage as of a local day; replaces that day's rows. Returns rows."""
    window = current_app.config["COVERAGE_SNAPSHOT_WINDOW_DAYS"]
    report = _coverage(ids=None, start=day - timedelta(days=window - 1), end=day, station_id=None)
    # A bulk delete runs at once; ORM deletes would flush after the inserts and trip the unique constraint.
    db.session.execute(delete(CoverageSnapshot).where(CoverageSnapshot.day == day))
    taken_at = utcnow()
    rows = [
        CoverageSnapshot(
            day=day,
            station_id=station.station_id,
            priority_id=priority.id,
            window_days=window,
            orders=figures.orders,
            served=figures.served,
            cancelled=figures.cancelled,
            expired=figures.expired,
            fulfilment=figures.fulfilment,
            median_accept_minutes=figures.median_accept_minutes,
            median_serve_minutes=figures.median_serve_minutes,
            avg_rating=figures.avg_rating,
            taken_at=taken_at,
        )
        for station in report.stations
        for priority in report.priorities
        for figures in [station.by_priority[priority.code]]
    ]
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)


def snapshot_history(*, user: User, start: date, end: date, station_id: int | None = None) -> list[CoverageSnapshot]:
    """Stored snapshots in scope between two days, by day, station and priority."""
    _check_period(start, end)
    ids = _staff_scope(user, station_id)
    query = (
        db.select(CoverageSnapshot)
        .options(selectinload(CoverageSnapshot.priority))
        .where(CoverageSnapshot.day >= start, CoverageSnapshot.day <= end)
        .order_by(CoverageSnapshot.day, CoverageSnapshot.station_id, CoverageSnapshot.priority_id)
    )
    if ids is not None:
        query = query.where(CoverageSnapshot.station_id.in_(ids))
    return list(db.session.scalars(query))
