"""Place one or a few orders (declined, new, urgent) against a standing plan without moving accepted work."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable

from matching.assemble import EngineError, build_solution
from matching.candidates import Problem
from matching.constraints import objective, validate
from matching.cpsat import evaluate, solve_subset
from matching.domain import Assignment, FixedAssignment, Instance, Preferences, Solution, Stats
from matching.score import Costs
from matching.state import Placement, State

# Pending (not yet accepted) plan orders that may be moved or bumped to make room, at most this many.
MAX_MOVABLE = 6
# Time kept for explaining, validating and assembling the answer.
ASSEMBLY_SECONDS = 0.02


def _movable(instance: Instance, standing: list[Assignment], targets: list[str]) -> list[Assignment]:
    """Pending plan orders that could compete with the targets: a shared skill and overlapping windows."""
    accepted = set(instance.fixed_by_order)
    wants = [instance.order_by_id[t] for t in targets]
    out = []
    for a in standing:
        if a.order in accepted:
            continue
        o = instance.order_by_id[a.order]
        if any(
            set(o.demand) & set(w.demand)
            and any(x0 < w1 + 600 and w0 < x1 + 600 for x0, x1 in o.windows for w0, w1 in w.windows)
            for w in wants
        ):
            out.append(a)
    return sorted(out, key=lambda a: (instance.order_by_id[a.order].priority, a.order))[:MAX_MOVABLE]


def redispatch(
    instance: Instance,
    plan: Solution,
    order_ids: Iterable[str],
    *,
    time_limit: float = 0.05,
    seed: int = 0,
    preferences: Preferences | None = None,
) -> Solution:
    """Place order_ids against plan; accepted (`fixed`) work never moves, pending plan orders move only to serve more.

    plan is a solution of (an earlier version of) instance; order_ids are orders of instance that were declined,
    added or changed. The answer keeps every other plan assignment as it was, except that a few pending ones may be
    moved, or bumped for a higher-priority order, when that serves more priority.
    """
    # A burst of short-lived objects: the cyclic garbage collector would only add latency here.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _redispatch(instance, plan, order_ids, time_limit=time_limit, seed=seed, preferences=preferences)
    finally:
        if was_enabled:
            gc.enable()


def _redispatch(
    instance: Instance,
    plan: Solution,
    order_ids: Iterable[str],
    *,
    time_limit: float,
    seed: int,
    preferences: Preferences | None,
) -> Solution:
    """The work of redispatch."""
    t0 = time.monotonic()
    targets = sorted(set(order_ids), key=lambda oid: (-instance.order_by_id[oid].priority, oid))
    prefs = preferences or Preferences()
    standing = [a for a in plan.assignments if a.order not in targets and a.order in instance.order_by_id]
    movable = _movable(instance, standing, targets)
    moving = {a.order for a in movable}
    held = [
        FixedAssignment(a.order, a.team, a.start, tuple(c.id for c in a.volunteers))
        for a in standing
        if a.order not in moving
    ]
    crews = {a.order: a.volunteers for a in standing}
    # Only volunteers holding a skill some moving order needs matter, with the held work that keeps them busy.
    moving_orders = [instance.order_by_id[oid] for oid in [*targets, *moving]]
    needed = {sk for o in moving_orders for sk in o.demand}
    windows = sorted(w for o in moving_orders for w in o.windows)
    # A volunteer can only serve inside a window, so one free at no window of these orders cannot help.
    relevant = {
        v.id
        for v in instance.volunteers
        if needed.intersection(v.skills) and any(a < we and ws < b for a, b in v.available for ws, we in windows)
    }
    held = [f for f in held if relevant.intersection(f.volunteers)]
    # Held crews keep only their relevant members here (the others are busy elsewhere, which does not matter).
    keep = relevant | {vid for a in movable for vid in (c.id for c in a.volunteers)}
    inst = Instance(
        instance.stations,
        instance.teams,
        tuple(v for v in instance.volunteers if v.id in keep),
        instance.orders,
        tuple(held),
        instance.horizon_start,
        instance.horizon_minutes,
        instance.road_factor,
        instance.speed_kmh,
    )
    # The standing plan was valid; the answer is validated as a whole at the end.
    problem = Problem(inst, only_orders=set(targets) | moving, trusted_fixed=True, crews=crews)
    costs = Costs(problem, prefs)
    state = State(problem, costs)
    for a in movable:
        oi = problem.order_index[a.order]
        team = problem.team_index[a.team]
        if any(op.team == team for op in problem.info[oi].options):
            state.place(
                oi, Placement(team, a.start, tuple(sorted((problem.vol_index[c.id], c.skill) for c in a.volunteers)))
            )
    original = dict(state.plan)
    for oid in targets:
        oi = problem.order_index[oid]
        if not problem.info[oi].feasible:
            continue
        best = state.best_insert(oi)
        if best is not None:
            state.place(oi, best[1])
        elif state.eject_insert(oi, max_tries=20):
            pass
    missing = [
        problem.order_index[o]
        for o in targets
        if problem.order_index[o] not in state.plan and problem.info[problem.order_index[o]].feasible
    ]
    # CP-SAT may move pending orders to make room, in what is left of the time after the answer is put together;
    # asked only for plans that serve more, it moves none merely to travel less, and soon proves when none exists.
    left = time_limit - (time.monotonic() - t0) - ASSEMBLY_SECONDS
    if missing and left > 0.005:
        subset = sorted(set(missing) | set(state.plan))
        res = solve_subset(state, subset, seed=seed, dtime=left, seconds=left, gain=True)
        if res.found and evaluate(state, subset, res.big, res.placements) > evaluate(state, subset, res.big):
            for oi in subset:
                if oi in state.plan:
                    state.remove(oi)
            for oi in sorted(res.placements):
                state.place(oi, res.placements[oi])
    known = {u.order: u for u in plan.unassigned if u.order not in targets}
    sol = build_solution(
        problem,
        costs,
        dict(state.plan),
        instance.total_priority,
        False,
        t0,
        known,
        check=False,
        fixed_terms=False,
        certify_travel=False,
    )
    # Assignments that did not change come back exactly as written in the plan (same skills, same cost terms);
    # the held work left out of the small problem comes back too.
    kept = {a.order: a for a in standing}
    unchanged = {problem.orders[oi].id for oi, pl in original.items() if state.plan.get(oi) == pl}
    made = {a.order: a for a in sol.assignments}
    assignments = tuple(
        kept[o.id] if o.id in kept and (o.id not in moving or o.id in unchanged) else made[o.id]
        for o in instance.orders
        if o.id in made or (o.id in kept and o.id not in moving)
    )
    out = Solution(assignments, sol.unassigned, sol.stats)
    errors = validate(instance, out, problem.dist)
    if errors:
        raise EngineError("redispatch produced an invalid solution: " + "; ".join(errors[:5]))
    served, km = objective(instance, out, problem.dist)
    in_plan = {a.order for a in plan.assignments} | {u.order for u in plan.unassigned}
    bound = plan.stats.bound + sum(instance.order_by_id[o].priority for o in targets if o not in in_plan)
    if bound < served:
        bound = instance.total_priority  # the plan's bound was for another instance; fall back to the trivial one
    stats = Stats(served, round(km, 3), bound, round(time.monotonic() - t0, 3), "FEASIBLE")
    return Solution(out.assignments, out.unassigned, stats)
