"""Dispatch adapter: the database as a `diandan.match/1` instance for the engine, and the maps back to rows.

The engine (`matching`) is pure; this module is the only place that translates between it and the models.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app

import matching
from app.accounts.access import subtree_ids
from app.activities.booking import booked_times
from app.core.intervals import subtract
from app.core.timeutil import LOCAL_TZ, week_start
from app.dispatch.models import LIVE, Proposal, ProposalMember
from app.extensions import db
from app.menu.models import Skill
from app.orders.models import Order
from app.stations.models import LEVEL_RANK, Station
from app.volunteers.models import Team, Volunteer
from app.volunteers.service import free_intervals
from matching.travel import haversine_km, travel_minutes


@dataclass
class Problem:
    """One county's dispatch problem: the engine's instance and the maps back to database rows."""

    county: Station
    start: datetime
    instance_dict: dict
    order_rows: dict[str, dict] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    volunteers: dict[str, Volunteer] = field(default_factory=dict)
    skills: dict[str, Skill] = field(default_factory=dict)
    # Which teams may serve which orders: the county's tier rule, or a border part's lending.
    allows: Callable[[Order, Team], bool] = field(default=lambda order, team: allowed_team(order, team))

    def minute_to_time(self, minute: int) -> datetime:
        """The aware moment of an instance minute."""
        return self.start + timedelta(minutes=minute)

    def instance_for(self, keys: set[str], fixed: list[dict]) -> dict:
        """The instance restricted to some orders, with earlier placements held fixed."""
        held = {f["order"] for f in fixed}
        rows = [row for key, row in self.order_rows.items() if key in keys or key in held]
        return {**self.instance_dict, "orders": rows, "fixed": fixed}

    def refresh_exclusions(self, key: str) -> None:
        """Recompute which teams an order excludes (after it escalated a tier)."""
        order = self.orders[key]
        excluded = sorted(
            k for k, t in self.teams.items() if t.id in order.excluded_team_ids or not self.allows(order, t)
        )
        row = self.order_rows[key]
        row.pop("exclude_teams", None)
        if excluded:
            row["exclude_teams"] = excluded


def _minute(start: datetime, moment: datetime) -> int:
    return math.floor((moment - start).total_seconds() / 60)


def _minute_up(start: datetime, moment: datetime) -> int:
    return math.ceil((moment - start).total_seconds() / 60)


def road_km(a: Station, b: Station) -> float:
    return current_app.config["ROAD_FACTOR"] * haversine_km(a, b)


def allowed_team(order: Order, team: Team, *, tier: str | None = None) -> bool:
    """Whether a team may serve an order at its current tier: a team of the order's station or an ancestor,
    at or below the order's tier (village teams first, then the township's, then the county's)."""
    lineage = {s.id for s in order.station.lineage()}
    return team.station_id in lineage and LEVEL_RANK[team.level] >= LEVEL_RANK[tier or order.tier]


@dataclass(frozen=True)
class BorderPart:
    """The second pass's part: some counties' orders left unserved, and the teams lent into those counties."""

    county_ids: frozenset[int]
    teams: tuple[Team, ...]
    reach_km: float

    def allows(self, order: Order, team: Team) -> bool:
        """A lent team serves its neighbouring county's orders whatever their tier (the county's own teams had
        every tier in the first pass)."""
        return order.station.county().id in {c.id for c in team.lent_to}

    def near(self, order: Order) -> bool:
        """Whether an order lies within reach of a team lent into its county (near the border)."""
        return any(self.allows(order, t) and road_km(t.station, order.station) <= self.reach_km for t in self.teams)


def _weekly_capacity(volunteer: Volunteer, busy: list[tuple[datetime, datetime, int]]) -> int:
    """Orders the engine may still give a volunteer: the weekly limit less the busiest week's promised work.

    The engine knows one limit for the whole horizon, so this is exact when the horizon lies within one week
    (the default) and safe (never above any week's limit) when it spans more.
    """
    per_week = Counter(week_start(s) for s, _, _ in busy)
    return max(0, volunteer.max_orders_per_week - max(per_week.values(), default=0))


def build_problem(
    *, county: Station, now: datetime, order_ids: set[int] | None = None, border: BorderPart | None = None
) -> Problem:
    """Build a `diandan.match/1` instance for one county's open orders over the coming horizon.

    With a border part: the open orders of its counties near a lent team, and only the lent teams.
    """
    config = current_app.config
    start = now.astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    horizon_minutes = config["DISPATCH_HORIZON_DAYS"] * 1440
    end = start + timedelta(minutes=horizon_minutes)
    lead = config["DISPATCH_MIN_LEAD_MINUTES"]
    if border is None:
        station_ids = subtree_ids(county.id)
    else:
        station_ids = set().union(*(subtree_ids(county_id) for county_id in sorted(border.county_ids)))
    stations = list(db.session.scalars(db.select(Station).where(Station.id.in_(station_ids)).order_by(Station.id)))
    station_by_id = {s.id: s for s in stations}
    if border is None:
        teams = list(
            db.session.scalars(
                db.select(Team).where(Team.active.is_(True), Team.station_id.in_(station_ids)).order_by(Team.id)
            )
        )
    else:
        teams = sorted(border.teams, key=lambda t: t.id)
        for team in teams:
            station_by_id.setdefault(team.station_id, team.station)
    team_ids = [t.id for t in teams]
    query = (
        db.select(Order)
        .where(Order.status == "submitted", Order.station_id.in_(station_ids))
        .order_by(Order.id)
        .options(db.selectinload(Order.windows), db.selectinload(Order.needs), db.selectinload(Order.exclusions))
    )
    if order_ids is not None:
        query = query.where(Order.id.in_(order_ids))
    open_orders = list(db.session.scalars(query))
    if border is not None:
        open_orders = [o for o in open_orders if border.near(o)]
    if order_ids is not None:
        # Re-dispatching a few orders: only the members of teams that could ever serve them matter (any tier,
        # since the run may escalate an order before it is placed).
        team_ids = [
            t.id
            for t in teams
            if any(allowed_team(o, t, tier="county") and t.id not in o.excluded_team_ids for o in open_orders)
        ]
    volunteers = list(
        db.session.scalars(
            db.select(Volunteer)
            .where(Volunteer.active.is_(True), Volunteer.team_id.in_(team_ids))
            .order_by(Volunteer.id)
            .options(
                db.selectinload(Volunteer.skills),
                db.selectinload(Volunteer.availability),
                db.selectinload(Volunteer.exceptions),
            )
        )
    )
    # Work already promised (pending or accepted proposals) blocks the crew's time, travel included, and counts
    # against the weekly limit of the local calendar week it falls in (from that week's Monday on).
    first_monday = datetime.combine(week_start(start), datetime.min.time(), tzinfo=LOCAL_TZ)
    busy = db.session.execute(
        db.select(ProposalMember.volunteer_id, Proposal.start_at, Proposal.end_at, Order.station_id)
        .join(Proposal, ProposalMember.proposal_id == Proposal.id)
        .join(Order, Proposal.order_id == Order.id)
        .where(Proposal.status.in_(LIVE), Proposal.end_at > first_monday, Proposal.start_at < end)
    ).all()
    busy_by_volunteer: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    for volunteer_id, s, e, station_id in busy:
        busy_by_volunteer[volunteer_id].append((s, e, station_id))
    # A confirmed place in an activity books the volunteer's time (travel included) but is not an order: it does
    # not count against the weekly limit.
    booked_by_volunteer: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    for volunteer_id, s, e, station_id in booked_times(start=start, end=end):
        booked_by_volunteer[volunteer_id].append((s, e, station_id))
    problem = Problem(county=county, start=start, instance_dict={})
    if border is not None:
        problem.allows = border.allows
    volunteer_rows = []
    for volunteer in volunteers:
        if volunteer.station_id not in station_by_id:
            station_by_id[volunteer.station_id] = volunteer.station
        spans = [(_minute(start, s), _minute(start, e)) for s, e in free_intervals(volunteer, start, end)]
        spans = [(max(0, s), min(horizon_minutes, e)) for s, e in spans if e > 0 and s < horizon_minutes and e > s]
        for s, e, station_id in [*busy_by_volunteer.get(volunteer.id, []), *booked_by_volunteer.get(volunteer.id, [])]:
            order_station = station_by_id.get(station_id) or db.session.get_one(Station, station_id)
            travel = travel_minutes(road_km(volunteer.station, order_station), config["SPEED_KMH"])
            spans = subtract(spans, (_minute(start, s) - travel, _minute_up(start, e) + travel))
        capacity = _weekly_capacity(volunteer, busy_by_volunteer.get(volunteer.id, []))
        skills = sorted(s.code for s in volunteer.skills)
        if not spans or capacity == 0 or not skills:
            continue
        key = f"v-{volunteer.id}"
        problem.volunteers[key] = volunteer
        row = {
            "id": key,
            "team": f"tm-{volunteer.team_id}",
            "station": f"st-{volunteer.station_id}",
            "skills": skills,
            "available": spans,
            "max_orders": capacity,
        }
        if volunteer.max_km is not None:
            row["max_km"] = volunteer.max_km
        volunteer_rows.append(row)

    problem.teams = {f"tm-{t.id}": t for t in teams}
    for order in open_orders:
        windows = []
        for w in order.windows:
            s = max(_minute_up(start, w.start_at), lead)
            e = min(_minute(start, w.end_at), horizon_minutes)
            if e - s >= order.duration_minutes:
                windows.append([s, e])
        if not windows:
            continue
        key = f"o-{order.id}"
        problem.orders[key] = order
        problem.order_rows[key] = {
            "id": key,
            "station": f"st-{order.station_id}",
            "needs": [{"skill": n.skill.code, "count": n.count} for n in order.needs],
            "duration": order.duration_minutes,
            "windows": windows,
            "priority": order.priority,
        }
        problem.refresh_exclusions(key)
        station_by_id.setdefault(order.station_id, order.station)

    problem.skills = {s.code: s for s in db.session.scalars(db.select(Skill))}
    problem.instance_dict = {
        "format": "diandan.match/1",
        "horizon": {"start": start.isoformat(), "minutes": horizon_minutes},
        "travel": {"road_factor": config["ROAD_FACTOR"], "speed_kmh": config["SPEED_KMH"]},
        "stations": [
            {"id": f"st-{s.id}", "lat": s.lat, "lon": s.lon, "level": s.level}
            for s in sorted(station_by_id.values(), key=lambda s: s.id)
        ],
        "teams": [{"id": f"tm-{t.id}", "station": f"st-{t.station_id}", "level": t.level} for t in teams],
        "volunteers": volunteer_rows,
    }
    return problem


def preferences(problem: Problem) -> matching.Preferences:
    """Soft preferences from config, with the teams that served each station before (same team for repeats)."""
    config = current_app.config
    history: dict[str, tuple[str, ...]] = {}
    if config["REPEAT_TEAM_WEIGHT"] and problem.orders:
        station_ids = {o.station_id for o in problem.orders.values()}
        rows = db.session.execute(
            db.select(Order.station_id, Proposal.team_id)
            .join(Proposal, Proposal.order_id == Order.id)
            .where(
                Order.station_id.in_(station_ids),
                Proposal.status == "accepted",
                Order.status.in_(("completed", "rated")),
            )
            .distinct()
        ).all()
        by_station: dict[int, set[str]] = defaultdict(set)
        for station_id, team_id in rows:
            by_station[station_id].add(f"tm-{team_id}")
        # A station's own teams are always among its usual ones: a village team serving its own village
        # must not be costed (or explained) as an unusual choice.
        if by_station:
            own = db.session.execute(
                db.select(Team.station_id, Team.id).where(Team.station_id.in_(by_station), Team.active.is_(True))
            ).all()
            for station_id, team_id in own:
                by_station[station_id].add(f"tm-{team_id}")
        # The engine looks repeat teams up by the order's station.
        for station_id, team_keys in by_station.items():
            history[f"st-{station_id}"] = tuple(sorted(team_keys))
    return matching.Preferences(
        tier_weight=config["PREFER_LOWER_TIER_WEIGHT"],
        fairness_weight=config["FAIR_SPREAD_WEIGHT"],
        repeat_team_weight=config["REPEAT_TEAM_WEIGHT"],
        history=history,
    )
