"""Dispatch runs (派单): solve a county's open orders and store a pending proposal per placed order."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app

import matching
from app.accounts.access import (
    authorize,
    in_scope,
    is_admin,
    scope_station_ids,
)
from app.accounts.models import User
from app.core.errors import NotFound, ValidationFailed
from app.core.signals import proposal_created
from app.core.timeutil import utcnow
from app.dispatch.adapter import Problem, build_problem, preferences
from app.dispatch.models import DispatchRun, Proposal, ProposalMember
from app.dispatch.progress import progress_reporter
from app.extensions import db
from app.orders import service as orders
from app.orders.models import Order
from app.stations.models import Station
from app.stations.service import counties, station_by_code
from matching.domain import Unassigned


def _solve(
    problem: Problem, instance_dict: dict, *, time_limit: float, progress: matching.ProgressCallback | None = None
) -> matching.Solution:
    instance = matching.instance_from_dict(instance_dict)
    config = current_app.config
    # DISPATCH_ENGINE_WORKERS (1) keeps the engine from forking out of a threaded web or scheduler process.
    solution = matching.solve(
        instance,
        time_limit=time_limit,
        seed=config["DISPATCH_SEED"],
        preferences=preferences(problem),
        workers=config["DISPATCH_ENGINE_WORKERS"],
        progress=progress,
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
    order.unassigned_params = {}
    orders.transition(
        order,
        "dispatched",
        actor=None,
        reason="proposed to %(team)s",
        reason_params={"team": proposal.team.name},
        data={"team": proposal.team.code, "run": run.id, "start": start_at.isoformat()},
    )
    db.session.flush()
    proposal_created.send(None, proposal=proposal)
    return proposal


def _lock_county(county: Station, *, wait: bool = True) -> bool:
    """Serialise dispatch runs of one county until this transaction ends, so no order gets two proposals.

    PostgreSQL: a transaction-scoped advisory lock, first in the one lock order (county, orders, proposals);
    without `wait`, False when another run holds it. SQLite allows one writer at a time, and a run writes first.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        db.session.execute(db.text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": 3401, "key": county.id})
        return True
    return bool(
        db.session.scalar(db.text("SELECT pg_try_advisory_xact_lock(:space, :key)"), {"space": 3401, "key": county.id})
    )


def run_dispatch(
    *,
    county: Station,
    trigger: str,
    actor: User | None,
    time_limit: float | None = None,
    now: datetime | None = None,
    order_ids: set[int] | None = None,
    run: DispatchRun | None = None,
    wait: bool = True,
) -> DispatchRun | None:
    """Solve one county's open orders (or just some) and store a pending proposal per placed order.

    Orders are read without locks and solved; only at the end are they locked (in id order) and re-read, and
    only those still `submitted` get a proposal or an escalation: a cancel during the run is never overwritten.
    Without `wait`, None when another run of the county holds its lock. A queued run (see `app.dispatch.queue`)
    is passed in and filled; otherwise a new run is recorded.
    """
    config = current_app.config
    now = now or utcnow()
    time_limit = time_limit if time_limit is not None else config["DISPATCH_TIME_LIMIT_S"]
    if not _lock_county(county, wait=wait):
        return None
    if run is None:
        run = DispatchRun(county=county, trigger=trigger, started_at=now, created_by_id=actor.id if actor else None)
        db.session.add(run)
        db.session.flush()
    clock = time.perf_counter()
    problem = build_problem(county=county, now=now, order_ids=order_ids)
    run.orders_considered = len(problem.orders)
    run.volunteers_considered = len(problem.volunteers)
    assignments: list = []
    unassigned: dict[str, Unassigned] = {}
    bound = 0
    statuses: list[str] = []
    pending = set(problem.orders)
    fixed: list[dict] = []
    tiers = {key: order.tier for key, order in problem.orders.items()}
    escalations: dict[str, list[dict]] = defaultdict(list)
    # Each order is tried at its tier first; those the engine cannot place escalate a tier and are retried
    # in the same run with the placements already made held fixed. The run's bound adds up each pass's
    # proved bound on what its new orders could add. Escalations are only noted here (nothing is written
    # while the engine works) and recorded below for the orders still submitted.
    with db.session.no_autoflush:
        for _ in range(3):
            if not pending:
                break
            solution = _solve(
                problem, problem.instance_for(pending, fixed), time_limit=time_limit, progress=progress_reporter(run.id)
            )
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
                higher = orders.next_tier(order.tier) if config["ESCALATE_WHEN_UNSERVED"] else None
                if higher is not None:
                    escalations[item.order].append(
                        {"tier": order.tier, "why": item.reason, "code": item.code, **_engine_params(item)}
                    )
                    order.tier = higher
                    pending.add(item.order)
                    problem.refresh_exclusions(item.order)
        for key, order in problem.orders.items():
            order.tier = tiers[key]
    locked = orders.lock_orders({order.id for order in problem.orders.values()})
    still_open = {key for key, order in problem.orders.items() if locked.get(order.id, order).status == "submitted"}
    for key in sorted(still_open & set(escalations)):
        for params in escalations[key]:
            orders.escalate(
                problem.orders[key],
                actor=None,
                reason="no team could take it at the %(tier)s tier: %(why)s",
                reason_params=params,
            )
    assignments = [a for a in assignments if a.order in still_open]
    unassigned = {key: item for key, item in unassigned.items() if key in still_open}
    for assignment in assignments:
        unassigned.pop(assignment.order, None)
        _store_proposal(problem, assignment, run=run, now=now)
    details = []
    for key, item in unassigned.items():
        order = problem.orders[key]
        if order.unassigned_reason != item.reason:
            orders.record_event(
                order,
                kind="not_placed",
                actor=None,
                reason=item.reason,
                data={"code": item.code, "params": _engine_params(item)},
            )
        order.unassigned_code = item.code
        order.unassigned_reason = item.reason
        order.unassigned_params = _engine_params(item)
        details.append({"order": order.code, "code": item.code, "reason": item.reason, "params": _engine_params(item)})
    return finish_run(
        run,
        problem,
        assignments,
        unassigned=len(unassigned),
        bound=bound,
        statuses=statuses,
        started=clock,
        details={"unassigned": details},
    )


def finish_run(
    run: DispatchRun,
    problem: Problem,
    assignments: list,
    *,
    unassigned: int,
    bound: int,
    statuses: list[str],
    started: float,
    details: dict,
) -> DispatchRun:
    """Mark a run done with its figures: what it proposed and left, the priority served, its bound and travel."""
    run.orders_proposed = len(assignments)
    run.orders_unassigned = unassigned
    run.served_priority = sum(problem.orders[a.order].priority for a in assignments)
    run.bound = max(bound, run.served_priority)
    run.travel_km = round(sum(t.value for a in assignments for t in a.cost_terms if t.name == "travel_km"), 2)
    run.seconds = round(time.perf_counter() - started, 3)
    run.solver_status = ",".join(statuses)
    run.status = "done"
    run.finished_at = utcnow()
    run.details = details
    db.session.flush()
    return run


def target_counties(*, county_code: str | None, actor: User | None) -> list[Station]:
    """The counties a run covers: one by its code, or every county in the actor's scope."""
    if actor is not None:
        authorize(actor, "dispatch.run")
    if county_code:
        county = station_by_code(county_code)
        if actor is not None and not in_scope(actor, "dispatch.run", county.id):
            raise NotFound("county not found in your scope", field="county")
        if county.level != "county":
            raise ValidationFailed("dispatch runs per county centre", field="county")
        return [county]
    return [c for c in counties() if actor is None or in_scope(actor, "dispatch.run", c.id)]


def run_dispatch_for_counties(
    *,
    county_code: str | None = None,
    trigger: str,
    actor: User | None,
    time_limit: float | None = None,
    now: datetime | None = None,
) -> list[DispatchRun]:
    """Run dispatch county by county (they are independent); one county when its code is given.

    The first pass only: `app.dispatch.border.dispatch_counties` adds the second pass across county lines.
    """
    runs = []
    for county in target_counties(county_code=county_code, actor=actor):
        run = run_dispatch(county=county, trigger=trigger, actor=actor, time_limit=time_limit, now=now)
        assert run is not None, "a run that waits for the county's lock always runs"
        runs.append(run)
    return runs


def list_runs(*, user: User, limit: int = 50) -> list[DispatchRun]:
    """Past dispatch runs in the user's scope, newest first."""
    authorize(user, "dispatch.runs.see")
    query = db.select(DispatchRun).order_by(DispatchRun.id.desc()).limit(limit)
    ids = scope_station_ids(user)
    if ids is not None:
        # A township's staff see their county's runs: a run covers the whole county.
        scope = db.session.get(Station, user.scope_station_id) if user.scope_station_id else None
        query = query.where(DispatchRun.county_id == (scope.county().id if scope else -1))
    return list(db.session.scalars(query))


def get_run(*, user: User, run_id: int) -> DispatchRun:
    """One dispatch run in the user's scope, or 404."""
    authorize(user, "dispatch.runs.see")
    run = db.session.get(DispatchRun, run_id)
    if run is None:
        raise NotFound("run not found")
    if not is_admin(user):
        scope = db.session.get(Station, user.scope_station_id) if user.scope_station_id else None
        if scope is None or scope.county().id != run.county_id:
            raise NotFound("run not found")
    return run


def redispatch_orders(targets: list[Order], *, now: datetime | None = None) -> list[DispatchRun]:
    """Place a few reopened orders at once against the standing plan (proposals held stay where they are)."""
    now = now or utcnow()
    by_county: dict[int, list[Order]] = defaultdict(list)
    for order in targets:
        if order.status == "submitted":
            by_county[order.station.county().id].append(order)
    runs = []
    for county_id, group in sorted(by_county.items()):
        # Never wait for a county's lock while holding an order's (that is the wrong lock order): when a run
        # is under way, the next one places these orders.
        run = run_dispatch(
            county=db.session.get_one(Station, county_id),
            trigger="redispatch",
            actor=None,
            time_limit=current_app.config["REDISPATCH_TIME_LIMIT_S"],
            now=now,
            order_ids={o.id for o in group},
            wait=False,
        )
        if run is not None:
            runs.append(run)
    return runs


def _engine_params(item: object) -> dict:
    """The values the engine gives with an unassigned reason (skill, counts ...), for translated sentences."""
    params = getattr(item, "params", None) or {}
    return {str(key): value for key, value in dict(params).items() if isinstance(value, str | int | float)}
