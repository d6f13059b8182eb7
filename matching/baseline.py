"""First-come-first-served dispatch, the baseline: what a dispatcher with a phone list does.

Orders are taken in arrival order (instance order). Each goes to the team whose base is nearest to the order's
station among those that can field a full crew, at the earliest start that works, with the first free volunteers on
the team's roster (by id) rather than the nearest ones.
"""

from __future__ import annotations

import time

from matching.assemble import build_solution
from matching.candidates import Problem, match_crew
from matching.domain import Instance, Preferences, Solution
from matching.score import Costs
from matching.state import Placement, State


def fcfs(instance: Instance) -> Solution:
    """Serve orders in arrival order with the nearest team's first free volunteers."""
    t0 = time.monotonic()
    # The nearest dozen teams (all of them when none of those can) is all a dispatcher would phone.
    problem = Problem(instance, max_teams=12)
    costs = Costs(problem, Preferences())
    state = State(problem, costs)
    dist = problem.dist
    for oi in problem.free:
        o = problem.orders[oi]
        info = problem.info[oi]
        teams = sorted(
            (op for op in info.options if op.feasible),
            key=lambda op: (dist.km(problem.teams[op.team].station, o.station), op.team),
        )
        for op in teams:
            points = sorted(
                {lo for p in op.pairs for lo, _ in p.ranges}
                | {be + p.trip_minutes for p in op.pairs for _, be, _ in state.busy.get(p.volunteer, ())}
            )
            placed = False
            for s in points:
                cands = [
                    (p.volunteer, p.skills, float(p.volunteer))
                    for p in op.pairs
                    if p.can_start(s)
                    and state.is_free(p.volunteer, s - p.trip_minutes, s + o.duration + p.trip_minutes)
                ]
                crew = match_crew(o.demand, cands) if len(cands) >= o.crew_size else None
                if crew is not None:
                    state.place(oi, Placement(op.team, s, tuple(crew)))
                    placed = True
                    break
            if placed:
                break
    bound = instance.total_priority
    return build_solution(problem, costs, dict(state.plan), bound, False, t0)
