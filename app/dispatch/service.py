"""Dispatch (派单): build the matching instance from the database, solve it, store proposals, and
handle the team lead's answer (志愿者接单).

The engine (`matching`) is pure; this module is the only place that translates between it and the models.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app

import matching
from app.accounts.models import User
from app.core.access import MANAGER_ROLES, STAFF_ROLES, require_role, scope_station_ids, station_in_scope, subtree_ids
from app.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.core.intervals import subtract
from app.core.signals import proposal_created
from app.core.timeutil import LOCAL_TZ, utcnow, week_start
from app.dispatch.models import DispatchRun, Proposal, ProposalMember
from app.extensions import db
from app.menu.models import Skill
from app.orders import service as orders
from app.orders.models import Order
from app.stations.models import LEVEL_RANK, Station
from app.stations.service import counties, station_by_code
from app.volunteers.models import Team, Volunteer
from app.volunteers.service import free_intervals
from matching.travel import haversine_km, travel_minutes

LIVE = ("pending", "accepted")


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
            k for k, t in self.teams.items() if t.id in order.excluded_team_ids or not allowed_team(order, t)
        )
        row = self.order_rows[key]
        row.pop("exclude_teams", None)
        if excluded:
            row["exclude_teams"] = excluded


def _minute(start: datetime, moment: datetime) -> int:
    return math.floor((moment - start).total_seconds() / 60)


def _minute_up(start: datetime, moment: datetime) -> int:
    return math.ceil((moment - start).total_seconds() / 60)


def _road_km(a: Station, b: Station) -> float:
    return current_app.config["ROAD_FACTOR"] * haversine_km(a, b)  # type: ignore[arg-type]


def allowed_team(order: Order, team: Team, *, tier: str | None = None) -> bool:
    """Whether a team may serve an order at its current tier: a team of the order's station or an ancestor,
    at or below the order's tier (village teams first, then the township's, then the county's)."""
    lineage = {s.id for s in order.station.lineage()}
    return team.station_id in lineage and LEVEL_RANK[team.level] >= LEVEL_RANK[tier or order.tier]


def _weekly_capacity(volunteer: Volunteer, busy: list[tuple[datetime, datetime, int]]) -> int:
    """Orders the engine may still give a volunteer: the weekly limit less the busiest week's promised work.

    The engine knows one limit for the whole horizon, so this is exact when the horizon lies within one week
    (the default) and safe (never above any week's limit) when it spans more.
    """
    per_week = Counter(week_start(s) for s, _, _ in busy)
    return max(0, volunteer.max_orders_per_week - max(per_week.values(), default=0))


def build_problem(*, county: Station, now: datetime, order_ids: set[int] | None = None) -> Problem:
    """Build a `diandan.match/1` instance for one county's open orders over the coming horizon."""
    config = current_app.config
    start = now.astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    horizon_minutes = config["DISPATCH_HORIZON_DAYS"] * 1440
    end = start + timedelta(minutes=horizon_minutes)
    lead = config["DISPATCH_MIN_LEAD_MINUTES"]
    station_ids = subtree_ids(county.id)
    stations = list(db.session.scalars(db.select(Station).where(Station.id.in_(station_ids)).order_by(Station.id)))
    station_by_id = {s.id: s for s in stations}
    teams = list(
        db.session.scalars(
            db.select(Team).where(Team.active.is_(True), Team.station_id.in_(station_ids)).order_by(Team.id)
        )
    )
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
    problem = Problem(county=county, start=start, instance_dict={})
    volunteer_rows = []
    for volunteer in volunteers:
        if volunteer.station_id not in station_by_id:
            station_by_id[volunteer.station_id] = volunteer.station
        spans = [[_minute(start, s), _minute(start, e)] for s, e in free_intervals(volunteer, start, end)]
        spans = [[max(0, s), min(horizon_minutes, e)] for s, e in spans if e > 0 and s < horizon_minutes and e > s]
        for s, e, station_id in busy_by_volunteer.get(volunteer.id, []):
            order_station = station_by_id.get(station_id) or db.session.get(Station, station_id)
            travel = travel_minutes(_road_km(volunteer.station, order_station), config["SPEED_KMH"])
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


def _preferences(problem: Problem) -> matching.Preferences:
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
        # The engine looks repeat teams up by the order's station.
        for station_id, team_keys in by_station.items():
            history[f"st-{station_id}"] = tuple(sorted(team_keys))
    return matching.Preferences(
        tier_weight=config["PREFER_LOWER_TIER_WEIGHT"],
        fairness_weight=config["FAIR_SPREAD_WEIGHT"],
        repeat_team_weight=config["REPEAT_TEAM_WEIGHT"],
        history=history,
    )


def _solve(problem: Problem, instance_dict: dict, *, time_limit: float) -> matching.Solution:
    instance = matching.instance_from_dict(instance_dict)
    config = current_app.config
    solution = matching.solve(
        instance,
        time_limit=time_limit,
        seed=config["DISPATCH_SEED"],
        preferences=_preferences(problem),
        workers=config["DISPATCH_ENGINE_WORKERS"],
    )
    dump_dir = current_app.config.get("DISPATCH_DUMP_DIR")
    if dump_dir:
        _dump(dump_dir, problem, instance, solution)
    errors = matching.validate(instance, solution)
    if errors:  # the engine checks itself too; a second look here keeps bad plans out of the database
        raise RuntimeError("matching engine returned an invalid plan: " + "; ".join(errors[:3]))
    return solution


def _dump(directory: str, problem: Problem, instance: matching.Instance, solution: matching.Solution) -> None:
    """Write an instance and its solution as diandan.match/1 files, for the independent checker."""
    import json
    from pathlib import Path

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    n = len(list(folder.glob(f"{problem.county.code}-*-instance.json"))) + 1
    stem = folder / f"{problem.county.code}-{n:02d}"
    Path(f"{stem}-instance.json").write_text(json.dumps(matching.instance_to_dict(instance), ensure_ascii=False))
    Path(f"{stem}-solution.json").write_text(json.dumps(matching.solution_to_dict(solution), ensure_ascii=False))


def _deadline(now: datetime, start_at: datetime) -> datetime:
    config = current_app.config
    latest = min(now + timedelta(hours=config["PROPOSAL_DEADLINE_HOURS"]), start_at - timedelta(hours=1))
    return max(latest, now + timedelta(minutes=15))


def _store_proposal(problem: Problem, assignment, *, run: DispatchRun, now: datetime) -> Proposal:
    order = problem.orders[assignment.order]
    start_at = problem.minute_to_time(assignment.start)
    proposal = Proposal(
        order=order,
        team=problem.teams[assignment.team],
        run=run,
        start_at=start_at,
        end_at=start_at + timedelta(minutes=order.duration_minutes),
        deadline_at=_deadline(now, start_at),
        status="pending",
        created_at=now,
        explanation={
            "cost_terms": [
                {
                    "name": term.name,
                    "value": round(term.value, 3),
                    "volunteer": problem.volunteers[term.volunteer].code if term.volunteer else None,
                }
                for term in assignment.cost_terms
            ],
            "travel_km": round(sum(t.value for t in assignment.cost_terms if t.name == "travel_km"), 2),
        },
    )
    proposal.crew = [
        ProposalMember(volunteer=problem.volunteers[member.id], skill=problem.skills[member.skill])
        for member in assignment.volunteers
    ]
    db.session.add(proposal)
    order.unassigned_code = None
    order.unassigned_reason = None
    orders.transition(
        order,
        "dispatched",
        actor=None,
        reason=f"proposed to {proposal.team.name}",
        data={"team": proposal.team.code, "run": run.id, "start": start_at.isoformat()},
    )
    db.session.flush()
    proposal_created.send(None, proposal=proposal)
    return proposal


def _lock_county(county: Station) -> None:
    """Serialise dispatch runs of one county until this transaction ends, so no order gets two proposals.

    PostgreSQL: a transaction-scoped advisory lock. SQLite allows one writer at a time, and a run writes first.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(db.text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": 3401, "key": county.id})


def run_dispatch(
    *,
    county: Station,
    trigger: str,
    actor: User | None,
    time_limit: float | None = None,
    now: datetime | None = None,
    order_ids: set[int] | None = None,
    run: DispatchRun | None = None,
) -> DispatchRun:
    """Solve one county's open orders (or just some) and store a pending proposal per placed order.

    A queued run (see `app.dispatch.queue`) is passed in and filled; otherwise a new run is recorded.
    """
    config = current_app.config
    now = now or utcnow()
    time_limit = time_limit if time_limit is not None else config["DISPATCH_TIME_LIMIT_S"]
    _lock_county(county)
    if run is None:
        run = DispatchRun(county=county, trigger=trigger, started_at=now, created_by_id=actor.id if actor else None)
        db.session.add(run)
        db.session.flush()
    clock = time.perf_counter()
    problem = build_problem(county=county, now=now, order_ids=order_ids)
    run.orders_considered = len(problem.orders)
    run.volunteers_considered = len(problem.volunteers)
    assignments: list = []
    unassigned: dict[str, object] = {}
    bound = 0
    statuses: list[str] = []
    pending = set(problem.orders)
    fixed: list[dict] = []
    # Each order is tried at its tier first; those the engine cannot place escalate a tier and are retried
    # in the same run with the placements already made held fixed. The run's bound adds up each pass's
    # proved bound on what its new orders could add.
    for _ in range(3):
        if not pending:
            break
        solution = _solve(problem, problem.instance_for(pending, fixed), time_limit=time_limit)
        statuses.append(solution.stats.status)
        bound += solution.stats.bound - sum(problem.orders[f["order"]].priority for f in fixed)
        new = [a for a in solution.assignments if a.order in pending]
        assignments.extend(new)
        fixed = fixed + [
            {"order": a.order, "team": a.team, "start": a.start, "volunteers": [m.id for m in a.volunteers]}
            for a in new
        ]
        pending = set()
        for item in solution.unassigned:
            unassigned[item.order] = item
            order = problem.orders[item.order]
            if config["ESCALATE_WHEN_UNSERVED"] and orders.escalate(
                order, actor=None, reason=f"no team could take it at the {order.tier} tier: {item.reason}"
            ):
                pending.add(item.order)
                problem.refresh_exclusions(item.order)
    for assignment in assignments:
        unassigned.pop(assignment.order, None)
        _store_proposal(problem, assignment, run=run, now=now)
    details = []
    for key, item in unassigned.items():
        order = problem.orders[key]
        if order.unassigned_reason != item.reason:
            orders.record_event(order, kind="not_placed", actor=None, reason=item.reason, data={"code": item.code})
        order.unassigned_code = item.code
        order.unassigned_reason = item.reason
        details.append({"order": order.code, "code": item.code, "reason": item.reason})
    run.orders_proposed = len(assignments)
    run.orders_unassigned = len(unassigned)
    run.served_priority = sum(problem.orders[a.order].priority for a in assignments)
    run.bound = max(bound, run.served_priority)
    run.travel_km = round(sum(t.value for a in assignments for t in a.cost_terms if t.name == "travel_km"), 2)
    run.seconds = round(time.perf_counter() - clock, 3)
    run.solver_status = ",".join(statuses)
    run.status = "done"
    run.finished_at = utcnow()
    run.details = {"unassigned": details}
    db.session.flush()
    return run


def run_dispatch_for_counties(
    *,
    county_code: str | None = None,
    trigger: str,
    actor: User | None,
    time_limit: float | None = None,
    now: datetime | None = None,
) -> list[DispatchRun]:
    """Run dispatch county by county (they are independent); one county when its code is given."""
    if actor is not None:
        require_role(actor, *MANAGER_ROLES)
    if county_code:
        county = station_by_code(county_code)
        if actor is not None and not station_in_scope(actor, county.id):
            raise NotFound("county not found in your scope", field="county")
        if county.level != "county":
            raise ValidationFailed("dispatch runs per county centre", field="county")
        targets = [county]
    else:
        targets = [c for c in counties() if actor is None or station_in_scope(actor, c.id)]
    runs = []
    for county in targets:
        runs.append(run_dispatch(county=county, trigger=trigger, actor=actor, time_limit=time_limit, now=now))
    return runs


def list_runs(*, user: User, limit: int = 50) -> list[DispatchRun]:
    """Past dispatch runs in the user's scope, newest first."""
    require_role(user, *STAFF_ROLES)
    query = db.select(DispatchRun).order_by(DispatchRun.id.desc()).limit(limit)
    ids = scope_station_ids(user)
    if ids is not None:
        # A township's staff see their county's runs: a run covers the whole county.
        scope = db.session.get(Station, user.scope_station_id) if user.scope_station_id else None
        query = query.where(DispatchRun.county_id == (scope.county().id if scope else -1))
    return list(db.session.scalars(query))


def get_run(*, user: User, run_id: int) -> DispatchRun:
    """One dispatch run in the user's scope, or 404."""
    require_role(user, *STAFF_ROLES)
    run = db.session.get(DispatchRun, run_id)
    if run is None:
        raise NotFound("run not found")
    if user.role != "admin":
        scope = db.session.get(Station, user.scope_station_id) if user.scope_station_id else None
        if scope is None or scope.county().id != run.county_id:
            raise NotFound("run not found")
    return run


# --- proposals: the team lead's inbox (志愿者接单) ---


def _visible_proposals_query(user: User):
    query = db.select(Proposal)
    if user.role in STAFF_ROLES:
        ids = scope_station_ids(user)
        if ids is not None:
            query = (
                query.join(Order, Proposal.order_id == Order.id)
                .join(Team, Proposal.team_id == Team.id)
                .where(Order.station_id.in_(ids) | Team.station_id.in_(ids))
            )
    elif user.role == "team_lead":
        query = query.where(Proposal.team_id.in_(db.select(Team.id).where(Team.lead_user_id == user.id)))
    elif user.role == "volunteer":
        mine = db.select(Volunteer.id).where(Volunteer.user_id == user.id)
        query = query.where(
            Proposal.id.in_(db.select(ProposalMember.proposal_id).where(ProposalMember.volunteer_id.in_(mine)))
        )
    else:
        query = query.where(False)
    return query


def list_proposals(
    *, user: User, status: str | None = None, team_id: int | None = None, limit: int = 100, offset: int = 0
) -> list[Proposal]:
    """Proposals the user may see (a lead's inbox: their teams'), soonest deadline first."""
    query = _visible_proposals_query(user)
    if status is not None:
        query = query.where(Proposal.status == status)
    if team_id is not None:
        query = query.where(Proposal.team_id == team_id)
    query = (
        query.order_by(Proposal.deadline_at, Proposal.id)
        .limit(limit)
        .offset(offset)
        .options(
            db.joinedload(Proposal.order).joinedload(Order.menu_item),
            db.joinedload(Proposal.order).joinedload(Order.station),
            db.selectinload(Proposal.crew).joinedload(ProposalMember.volunteer),
            db.selectinload(Proposal.crew).joinedload(ProposalMember.skill),
        )
    )
    return list(db.session.scalars(query).unique())


def get_proposal(*, user: User, proposal_id: int) -> Proposal:
    """One proposal the user may see, or 404."""
    proposal = db.session.scalar(_visible_proposals_query(user).where(Proposal.id == proposal_id))
    if proposal is None:
        raise NotFound("proposal not found")
    return proposal


def _ensure_may_answer(user: User, proposal: Proposal) -> None:
    if proposal.team.lead_user_id == user.id:
        return
    if user.role in MANAGER_ROLES and station_in_scope(user, proposal.team.station_id):
        return
    raise Forbidden("only the team's lead may answer this proposal")


def _ensure_pending(proposal: Proposal, now: datetime) -> None:
    if proposal.status != "pending":
        raise InvalidTransition(f"the proposal is already {proposal.status}", field="status")
    if proposal.deadline_at <= now:
        raise InvalidTransition("the proposal's deadline has passed", field="deadline_at")


def accepted_proposal(order: Order) -> Proposal | None:
    """The order's accepted proposal, if any."""
    return db.session.scalar(db.select(Proposal).where(Proposal.order_id == order.id, Proposal.status == "accepted"))


def _claim(proposal: Proposal, status: str, *, user: User, now: datetime) -> None:
    """Answer a pending proposal exactly once, even when two answers race (the second finds it answered)."""
    result = db.session.execute(
        db.update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.status == "pending")
        .values(status=status, responded_by_id=user.id, responded_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise InvalidTransition("the proposal was answered meanwhile", field="status")
    proposal.status = status
    proposal.responded_by_id = user.id
    proposal.responded_at = now


def accept_proposal(*, user: User, proposal_id: int) -> Proposal:
    """The team lead accepts: the order is accepted and the crew is rostered."""
    proposal = get_proposal(user=user, proposal_id=proposal_id)
    _ensure_may_answer(user, proposal)
    now = utcnow()
    _ensure_pending(proposal, now)
    for member in proposal.crew:
        volunteer = member.volunteer
        if not volunteer.active or volunteer.team_id != proposal.team_id:
            raise InvalidTransition(
                f"{volunteer.name} is no longer an active member of the team; swap them first", field="crew"
            )
        clash = _clash(volunteer, proposal)
        if clash is not None:
            raise InvalidTransition(
                f"{volunteer.name} is already rostered at that time (order {clash.order.code}); swap them first",
                field="crew",
            )
    _claim(proposal, "accepted", user=user, now=now)
    orders.transition(
        proposal.order,
        "accepted",
        actor=user,
        reason=f"accepted by {proposal.team.name}",
        data={"team": proposal.team.code, "proposal": proposal.id},
    )
    return proposal


def _reopen(proposal: Proposal, *, actor: User | None, exclusion: str, reason: str) -> None:
    """Send the order back for re-dispatch without this team, escalating a tier per the rule."""
    order = proposal.order
    orders.exclude_team(order, proposal.team_id, reason=exclusion)
    orders.transition(
        order,
        "submitted",
        actor=actor,
        kind=f"proposal_{exclusion}",
        reason=reason,
        data={"team": proposal.team.code, "proposal": proposal.id},
    )
    rejections = sum(1 for e in order.exclusions if e.team.level == order.tier)
    if rejections >= current_app.config["ESCALATE_AFTER_REJECTIONS"]:
        orders.escalate(order, actor=actor, reason=f"{rejections} team(s) at the {order.tier} tier said no")


def decline_proposal(*, user: User, proposal_id: int, reason: str) -> Proposal:
    """The team lead declines with a reason; the order goes back for re-dispatch without this team."""
    proposal = get_proposal(user=user, proposal_id=proposal_id)
    _ensure_may_answer(user, proposal)
    if not reason or not reason.strip():
        raise ValidationFailed("say why the team declines", field="reason")
    now = utcnow()
    _ensure_pending(proposal, now)
    _claim(proposal, "declined", user=user, now=now)
    proposal.decline_reason = reason.strip()[:400]
    _reopen(proposal, actor=user, exclusion="declined", reason=reason.strip())
    if current_app.config["REDISPATCH_ON_DECLINE"]:
        # Placing it again is a bonus: if that fails, the decline still stands and the next run retries.
        try:
            with db.session.begin_nested():
                redispatch_orders([proposal.order], now=now)
        except Exception:  # noqa: BLE001
            current_app.logger.exception("immediate re-dispatch after a decline failed")
    return proposal


def redispatch_orders(targets: list[Order], *, now: datetime | None = None) -> list[DispatchRun]:
    """Place a few reopened orders at once against the standing plan (proposals held stay where they are)."""
    now = now or utcnow()
    by_county: dict[int, list[Order]] = defaultdict(list)
    for order in targets:
        if order.status == "submitted":
            by_county[order.station.county().id].append(order)
    runs = []
    for county_id, group in sorted(by_county.items()):
        runs.append(
            run_dispatch(
                county=db.session.get(Station, county_id),
                trigger="redispatch",
                actor=None,
                time_limit=current_app.config["REDISPATCH_TIME_LIMIT_S"],
                now=now,
                order_ids={o.id for o in group},
            )
        )
    return runs


def expire_overdue_proposals(*, now: datetime | None = None) -> list[Proposal]:
    """Pending proposals past their deadline lapse; their orders go back without that team (idempotent)."""
    now = now or utcnow()
    overdue = list(
        db.session.scalars(
            db.select(Proposal).where(Proposal.status == "pending", Proposal.deadline_at <= now).order_by(Proposal.id)
        )
    )
    for proposal in overdue:
        proposal.status = "expired"
        proposal.responded_at = now
        _reopen(proposal, actor=None, exclusion="expired", reason="the team did not answer before the deadline")
    db.session.flush()
    return overdue


def withdraw_live_proposals(order: Order, *, actor: User | None, reason: str) -> None:
    """Withdraw an order's pending or accepted proposal (the order was cancelled or expired)."""
    for proposal in db.session.scalars(
        db.select(Proposal).where(Proposal.order_id == order.id, Proposal.status.in_(LIVE))
    ):
        proposal.status = "withdrawn"
        proposal.decline_reason = reason
        proposal.responded_at = utcnow()


def _clash(volunteer: Volunteer, proposal: Proposal) -> Proposal | None:
    """Another live proposal of the volunteer's whose time (with travel) overlaps this one."""
    others = db.session.scalars(
        db.select(Proposal)
        .join(ProposalMember)
        .where(
            ProposalMember.volunteer_id == volunteer.id,
            Proposal.status.in_(LIVE),
            Proposal.id != proposal.id,
            Proposal.start_at < proposal.end_at + timedelta(hours=3),
            Proposal.end_at > proposal.start_at - timedelta(hours=3),
        )
    )
    speed = current_app.config["SPEED_KMH"]
    mine = travel_minutes(_road_km(volunteer.station, proposal.order.station), speed)
    for other in others:
        theirs = travel_minutes(_road_km(volunteer.station, other.order.station), speed)
        if other.start_at - timedelta(minutes=theirs) < proposal.end_at + timedelta(
            minutes=mine
        ) and proposal.start_at - timedelta(minutes=mine) < other.end_at + timedelta(minutes=theirs):
            return other
    return None


def swap_crew_member(*, user: User, proposal_id: int, out_volunteer_id: int, in_volunteer_id: int) -> Proposal:
    """The lead replaces one crew member with another team member who holds the same skill and is free."""
    proposal = get_proposal(user=user, proposal_id=proposal_id)
    _ensure_may_answer(user, proposal)
    if proposal.status not in LIVE or proposal.order.status not in ("dispatched", "accepted"):
        raise InvalidTransition("the crew can change only before the service starts", field="status")
    member = next((m for m in proposal.crew if m.volunteer_id == out_volunteer_id), None)
    if member is None:
        raise ValidationFailed("this volunteer is not on the crew", field="out_volunteer_id")
    newcomer = db.session.get(Volunteer, in_volunteer_id)
    if newcomer is None or newcomer.team_id != proposal.team_id or not newcomer.active:
        raise ValidationFailed("the replacement must be an active member of the team", field="in_volunteer_id")
    if any(m.volunteer_id == newcomer.id for m in proposal.crew):
        raise ValidationFailed("the replacement is already on the crew", field="in_volunteer_id")
    if member.skill not in newcomer.skills:
        raise ValidationFailed(f"the replacement lacks the skill {member.skill.code}", field="in_volunteer_id")
    km = _road_km(newcomer.station, proposal.order.station)
    if newcomer.max_km is not None and km > newcomer.max_km:
        raise ValidationFailed("the order is beyond the replacement's distance limit", field="in_volunteer_id")
    travel = timedelta(minutes=travel_minutes(km, current_app.config["SPEED_KMH"]))
    free = free_intervals(
        newcomer, proposal.start_at - travel - timedelta(minutes=1), proposal.end_at + travel + timedelta(minutes=1)
    )
    if not any(s <= proposal.start_at - travel and proposal.end_at + travel <= e for s, e in free):
        raise ValidationFailed("the replacement is not available then", field="in_volunteer_id")
    if _clash(newcomer, proposal) is not None:
        raise ValidationFailed("the replacement is rostered elsewhere then", field="in_volunteer_id")
    week = week_start(proposal.start_at)
    promised = sum(
        1
        for other in db.session.scalars(
            db.select(Proposal)
            .join(ProposalMember)
            .where(ProposalMember.volunteer_id == newcomer.id, Proposal.status.in_(LIVE))
        )
        if week_start(other.start_at) == week
    )
    if promised >= newcomer.max_orders_per_week:
        raise ValidationFailed("the replacement has reached their weekly limit", field="in_volunteer_id")
    departing = member.volunteer
    member.volunteer = newcomer
    # The engine's cost terms named the departing volunteer; keep only what still holds, and say so.
    explanation = dict(proposal.explanation or {})
    explanation["cost_terms"] = [t for t in explanation.get("cost_terms", []) if t.get("volunteer") != departing.code]
    explanation["crew_changed"] = True
    proposal.explanation = explanation
    orders.record_event(
        proposal.order,
        kind="crew_changed",
        actor=user,
        reason=f"{departing.name} replaced by {newcomer.name}",
        data={"out": departing.code, "in": newcomer.code, "proposal": proposal.id},
    )
    db.session.flush()
    return proposal


def crew_counts(proposal: Proposal) -> Counter:
    """Crew size by skill code."""
    return Counter(m.skill.code for m in proposal.crew)
