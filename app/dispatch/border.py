"""The second pass across county lines: orders the county runs left unserved near a border, placed with the teams
lent across it.

The first pass solves every county on its own (its own teams only), so its parts share no one and fan out one task
per county. Counties joined by lent teams form a group; once the group's county runs are finished, one border run
takes their orders still unserved within reach of a lent team and the lent teams' volunteers, with everything the
first pass proposed held (it blocks the crews' time and weekly limits), and adds its proposals to the plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.dispatch import runs as county_runs
from app.dispatch.adapter import BorderPart, build_problem
from app.dispatch.models import DispatchRun
from app.dispatch.progress import progress_reporter
from app.extensions import db
from app.orders import service as orders
from app.stations.models import Station
from app.volunteers.models import Team, team_lent_counties

FINISHED = ("done", "failed")


@dataclass(frozen=True)
class BorderGroup:
    """Counties joined by lent teams: those whose unserved orders the second pass takes, and all it touches."""

    receiving: frozenset[int]
    counties: frozenset[int]


def lending_groups(county_ids: set[int]) -> list[BorderGroup]:
    """The groups of counties joined by active lent teams that receive help in some of the given counties."""
    links = db.session.execute(
        db.select(Team, team_lent_counties.c.county_id)
        .join(team_lent_counties, team_lent_counties.c.team_id == Team.id)
        .where(Team.active.is_(True))
        .order_by(Team.id, team_lent_counties.c.county_id)
    ).all()
    parent: dict[int, int] = {}

    def root(county_id: int) -> int:
        parent.setdefault(county_id, county_id)
        while parent[county_id] != county_id:
            county_id = parent[county_id]
        return county_id

    receiving: set[int] = set()
    for team, lent_county_id in links:
        home = team.station.county().id
        if home == lent_county_id:
            continue
        parent[root(lent_county_id)] = root(home)
        receiving.add(lent_county_id)
    members: dict[int, set[int]] = {}
    for county_id in list(parent):
        members.setdefault(root(county_id), set()).add(county_id)
    groups = []
    for group in sorted(members.values(), key=min):
        taken = group & receiving & county_ids
        if taken:
            groups.append(BorderGroup(receiving=frozenset(taken), counties=frozenset(group)))
    return groups


def queue_border_runs(
    first_runs: list[DispatchRun],
    *,
    actor: User | None,
    trigger: str,
    time_limit: float | None,
    now: datetime | None = None,
) -> list[DispatchRun]:
    """Queue one border run per group the county runs touch, waiting for those runs (a waiting one is reused)."""
    now = now or utcnow()
    db.session.flush()
    made = []
    for group in lending_groups({run.county_id for run in first_runs}):
        county_id = min(group.receiving)
        waiting = db.session.scalar(
            db.select(DispatchRun)
            .where(
                DispatchRun.county_id == county_id,
                DispatchRun.kind == "border",
                DispatchRun.status.in_(("queued", "running")),
            )
            .order_by(DispatchRun.id)
            .limit(1)
        )
        if waiting is not None:
            made.append(waiting)
            continue
        run = DispatchRun.asked_for(
            county_id=county_id,
            kind="border",
            trigger=trigger,
            actor=actor,
            time_limit=time_limit,
            now=now,
            border_county_ids=sorted(group.receiving),
            after_run_ids=sorted(run.id for run in first_runs if run.county_id in group.counties),
        )
        db.session.add(run)
        made.append(run)
    db.session.flush()
    return made


def ready(run: DispatchRun) -> bool:
    """Whether every county run a border run waits for has finished."""
    if not run.after_run_ids:
        return True
    unfinished = db.session.scalar(
        db.select(db.func.count(DispatchRun.id)).where(
            DispatchRun.id.in_(run.after_run_ids), DispatchRun.status.not_in(FINISHED)
        )
    )
    return not unfinished


def _lent_teams(county_ids: set[int]) -> list[Team]:
    return list(
        db.session.scalars(
            db.select(Team)
            .join(team_lent_counties, team_lent_counties.c.team_id == Team.id)
            .where(Team.active.is_(True), team_lent_counties.c.county_id.in_(county_ids))
            .distinct()
            .order_by(Team.id)
        )
    )


def lock_part(run: DispatchRun) -> None:
    """Take the dispatch locks of every county the border run reads or writes, in id order (the one lock order)."""
    receiving = set(run.border_county_ids)
    touched = receiving | {team.station.county().id for team in _lent_teams(receiving)}
    for county in db.session.scalars(db.select(Station).where(Station.id.in_(touched)).order_by(Station.id)):
        county_runs._lock_county(county)


def run_border_pass(*, run: DispatchRun, now: datetime, time_limit: float | None = None) -> DispatchRun:
    """Place the unserved orders of the run's counties within reach of lent teams, with the first pass held.

    Call it holding `lock_part`'s locks. Orders it cannot place keep the reasons their county run gave.
    """
    config = current_app.config
    time_limit = time_limit if time_limit is not None else config["DISPATCH_TIME_LIMIT_S"]
    clock = time.perf_counter()
    receiving = frozenset(run.border_county_ids)
    teams = tuple(_lent_teams(set(receiving)))
    part = BorderPart(county_ids=receiving, teams=teams, reach_km=config["DISPATCH_BORDER_KM"])
    problem = build_problem(county=run.county, now=now, border=part)
    run.orders_considered = len(problem.orders)
    run.volunteers_considered = len(problem.volunteers)
    assignments: list = []
    statuses: list[str] = []
    if problem.orders and problem.volunteers:
        with db.session.no_autoflush:
            solution = county_runs._solve(
                problem,
                problem.instance_for(set(problem.orders), []),
                time_limit=time_limit,
                progress=progress_reporter(run.id),
            )
        statuses.append(solution.stats.status)
        run.bound = solution.stats.bound
        locked = orders.lock_orders({order.id for order in problem.orders.values()})
        assignments = [
            a
            for a in solution.assignments
            if locked.get(problem.orders[a.order].id, problem.orders[a.order]).status == "submitted"
        ]
        for assignment in assignments:
            county_runs._store_proposal(problem, assignment, run=run, now=now)
    return county_runs.finish_run(
        run,
        problem,
        assignments,
        unassigned=len(problem.orders) - len(assignments),
        bound=run.bound or 0,
        statuses=statuses,
        started=clock,
        details={"unassigned": [], "counties": sorted(receiving)},
    )


def dispatch_counties(
    *,
    county_code: str | None = None,
    trigger: str,
    actor: User | None,
    time_limit: float | None = None,
    now: datetime | None = None,
) -> list[DispatchRun]:
    """In-process dispatch: the county runs (one county when its code is given), then their second passes."""
    now = now or utcnow()
    first = county_runs.run_dispatch_for_counties(
        county_code=county_code, trigger=trigger, actor=actor, time_limit=time_limit, now=now
    )
    return first + run_second_passes(first, actor=actor, trigger=trigger, time_limit=time_limit, now=now)


def run_second_passes(
    first_runs: list[DispatchRun], *, actor: User | None, trigger: str, time_limit: float | None, now: datetime
) -> list[DispatchRun]:
    """In-process: after the county runs, the border run of each group they touch, one after the other."""
    done = []
    for run in queue_border_runs(first_runs, actor=actor, trigger=trigger, time_limit=time_limit, now=now):
        if run.status != "queued":
            continue
        run.status = "running"
        run.attempts += 1
        lock_part(run)
        done.append(run_border_pass(run=run, now=now, time_limit=time_limit))
    return done
