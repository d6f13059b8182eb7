"""Coverage (覆盖): which stations and practice priorities are served, how fast, and who did the work.

Public functions (stable; the dashboard pages and the scheduler build on them), each report in its own module
(report, gaps, trends, maps, snapshots; contributions here) over the shared aggregator (aggregate). Every function
but take_snapshot takes the calling ``user``, refuses (403) anyone but station_staff, county_staff and admin,
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

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func

from app.accounts.access import home_county_id
from app.accounts.models import User
from app.core.errors import NotFound
from app.coverage.aggregate import (
    SERVED_STATUSES,
    Figures,
    PriorityRef,
    check_period,
    period_conds,
    scope_conds,
    staff_scope,
)
from app.coverage.gaps import Gap, GapReport, gaps
from app.coverage.maps import hexagons, map_areas, map_features, station_label
from app.coverage.report import CoverageReport, StationCoverage, coverage
from app.coverage.snapshots import snapshot_history, take_snapshot
from app.coverage.trends import WeekTrend, trends
from app.extensions import db
from app.incentives.service import current_rule, earned_points
from app.orders.models import RATING_TAGS, Order, Rating, ServiceRecord
from app.volunteers.models import Team, Volunteer

__all__ = [
    "ContributionReport",
    "CoverageReport",
    "Figures",
    "Gap",
    "GapReport",
    "PriorityRef",
    "StationCoverage",
    "TeamContribution",
    "VolunteerContribution",
    "WeekTrend",
    "contributions",
    "coverage",
    "gaps",
    "hexagons",
    "map_areas",
    "map_features",
    "snapshot_history",
    "station_label",
    "take_snapshot",
    "trends",
]


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


# Contributions (incentives)


def _tag_counts() -> dict[str, int]:
    return dict.fromkeys(RATING_TAGS, 0)


def contributions(*, user: User, start: date, end: date, team_id: int | None = None) -> ContributionReport:
    """Orders served, hours, points, stars and praise words per volunteer and per team over a period."""
    check_period(start, end)
    ids = staff_scope(user, None)
    if team_id is not None and db.session.get(Team, team_id) is None:
        raise NotFound("team not found", field="team_id")
    conds = [
        *period_conds(ServiceRecord.check_in_at, start, end),
        Order.status.in_(SERVED_STATUSES),
        *scope_conds(ids),
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
    team_orders: dict[int, int] = dict(
        db.session.execute(
            records(Volunteer.team_id, func.count(func.distinct(ServiceRecord.order_id)))
            .where(Volunteer.team_id.is_not(None))
            .group_by(Volunteer.team_id)
        )
        .tuples()
        .all()
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
    rule = current_rule(county_id=home_county_id(user))  # the rule the caller's county pays by
    return ContributionReport(
        start=start,
        end=end,
        team_id=team_id,
        points_per_hour=rule.points_per_hour,
        five_star_bonus=rule.rating_bonus,
        volunteers=volunteers,
        teams=team_rows,
    )
