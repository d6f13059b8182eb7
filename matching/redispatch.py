"""Place one or a few orders (declined, new, urgent) against a standing plan without moving accepted work."""

from __future__ import annotations

import time
from collections.abc import Iterable

from matching.candidates import Problem
from matching.constraints import objective, validate
from matching.cpsat import evaluate, solve_subset
from matching.domain import FixedAssignment, Instance, Preferences, Solution, Stats
from matching.solver import EngineError, build_solution
from matching.state import Costs, Placement, State

# Movable (not yet accepted) plan orders that may be shuffled to make room for an urgent one.
MAX_MOVABLE = 12


def _with_fixed(instance: Instance, fixed: list[FixedAssignment]) -> Instance:
    return Instance(instance.stations, instance.teams, instance.volunteers, instance.orders, tuple(fixed),
                    instance.horizon_start, instance.horizon_minutes, instance.road_factor, instance.speed_kmh)


def redispatch(instance: Instance, plan: Solution, order_ids: Iterable[str], *, time_limit: float = 0.08,
               seed: int = 0, preferences: Preferences | None = None) -> Solution:
    """Re-place order_ids against plan; only not-yet-accepted plan orders may move, and only to serve more."""
    t0 = time.monotonic()
    targets = sorted(set(order_ids), key=lambda oid: (-instance.order_by_id[oid].priority, oid))
    prefs = preferences or Preferences()
    accepted = set(instance.fixed_by_order)
    standing = [a for a in plan.assignments if a.order not in targets and a.order in instance.order_by_id]
    as_fixed = [FixedAssignment(a.order, a.team, a.start, tuple(c.id for c in a.volunteers)) for a in standing]
    problem = Problem(_with_fixed(instance, as_fixed), only_orders=set(targets))
    costs = Costs(problem, prefs)
    state = State(problem, costs)
    for oid in targets:
        oi = problem.order_index[oid]
        best = state.best_insert(oi)
        if best is not None:
            state.place(oi, best[1])
    moved: set[str] = set()
    missing = [oid for oid in targets if problem.order_index[oid] not in state.plan
               and problem.info[problem.order_index[oid]].feasible]
    if missing:
        # Free the movable plan orders that hold the missing orders' volunteers, and let CP-SAT reshuffle them.
        vols = {pr.v for oid in missing for op in problem.info[problem.order_index[oid]].options for pr in op.pairs}
        prio = {a.order: instance.order_by_id[a.order].priority for a in standing}
        movable = sorted((a for a in standing if a.order not in accepted
                          and any(problem.vol_index[c.id] in vols for c in a.volunteers)),
                         key=lambda a: (prio[a.order], a.order))[:MAX_MOVABLE]
        if movable:
            keep = {a.order for a in movable}
            fixed2 = [f for f in as_fixed if f.order not in keep]
            free = set(targets) | keep
            p2 = Problem(_with_fixed(instance, fixed2), only_orders=free)
            c2 = Costs(p2, prefs)
            s2 = State(p2, c2)
            for a in movable:
                oi = p2.order_index[a.order]
                placed = [op for op in p2.info[oi].options if p2.teams[op.team].id == a.team]
                crew = tuple(sorted((p2.vol_index[c.id], c.skill) for c in a.volunteers))
                if placed:
                    s2.place(oi, Placement(placed[0].team, a.start, crew))
            for oid in targets:
                oi = p2.order_index[oid]
                if oi not in s2.plan:
                    best = s2.best_insert(oi)
                    if best is not None:
                        s2.place(oi, best[1])
            subset = sorted(p2.order_index[o] for o in free)
            left = max(0.01, time_limit - (time.monotonic() - t0))
            res = solve_subset(s2, subset, seed=seed, dtime=left, seconds=left)
            if res is not None and evaluate(s2, subset, res.big, res.placements) > evaluate(s2, subset, res.big):
                for oi in subset:
                    if oi in s2.plan:
                        s2.remove(oi)
                for oi in sorted(res.placements):
                    s2.place(oi, res.placements[oi])
                problem, costs, state = p2, c2, s2
                moved = {a.order for a in movable}
    known = {u.order: (u.code, u.reason) for u in plan.unassigned if u.order not in targets}
    sol = build_solution(problem, costs, dict(state.plan), instance.total_priority, False, t0, known)
    # Standing assignments come back as written in the plan (same skills, same cost terms).
    original = {a.order: a for a in standing}
    assignments = tuple(original[a.order] if a.order in original and a.order not in moved else a
                        for a in sol.assignments)
    out = Solution(assignments, sol.unassigned, sol.stats)
    errors = validate(instance, out)
    if errors:
        raise EngineError("redispatch produced an invalid solution: " + "; ".join(errors[:5]))
    served, km = objective(instance, out)
    in_plan = {a.order for a in plan.assignments} | {u.order for u in plan.unassigned}
    bound = plan.stats.bound + sum(instance.order_by_id[o].priority for o in targets if o not in in_plan)
    if bound < served:
        bound = instance.total_priority  # the plan's bound was for another instance; fall back to the trivial one
    stats = Stats(served, round(km, 3), bound, round(time.monotonic() - t0, 3), "FEASIBLE")
    return Solution(out.assignments, out.unassigned, stats)
