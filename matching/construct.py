"""Construction: greedy insertion, ejection chains, and squeaky-wheel rebuilds that move left-out orders up."""

from __future__ import annotations

import math
import time

from matching.candidates import Problem
from matching.params import Budget, SearchParams, log
from matching.score import Costs
from matching.state import State


def served_priority(state: State) -> int:
    """Priority served by a plan."""
    return sum(state.problem.orders[oi].priority for oi in state.plan)


def plan_cost(state: State) -> float:
    """Soft cost (km-equivalents) of a plan."""
    return sum(state.cost(oi, placement) for oi, placement in state.plan.items())


def greedy(
    state: State,
    orders: list[int],
    params: SearchParams,
    guide: dict[int, float] | None = None,
    boost: dict[int, int] | None = None,
    deadline: float = math.inf,
) -> None:
    """Insert orders one by one: higher (boosted) priority first, then LP guidance, then the fewest options."""
    problem = state.problem

    def key(oi: int) -> tuple:
        n_options = sum(1 for op in problem.info[oi].options if op.feasible)
        guided = guide.get(oi, 0.0) if guide else 0.0
        boosted = boost.get(oi, 0) if boost else 0
        order = problem.orders[oi]
        return (-order.priority - boosted, -round(guided, 3), n_options, -order.duration, oi)

    todo = sorted(orders, key=key)
    pressure_km = params.pressure_km
    # Volunteers many unplaced orders could use cost a little more, so crews come from the less wanted first.
    wanted_by = {oi: {pr.volunteer for op in problem.info[oi].options if op.feasible for pr in op.pairs} for oi in todo}
    uses: dict[int, int] = {}
    for vols in wanted_by.values():
        for v in vols:
            uses[v] = uses.get(v, 0) + 1
    state.pressure = {v: pressure_km * n for v, n in uses.items()} if pressure_km else {}
    for oi in todo:
        if pressure_km:
            for v in wanted_by[oi]:
                state.pressure[v] -= pressure_km
        if oi in state.plan or not problem.info[oi].feasible:
            continue
        if time.monotonic() >= deadline:
            break  # a machine too busy for the time limit: answer with what is placed
        best = state.best_insert(oi)
        if best is not None:
            state.place(oi, best[1])
    state.pressure = {}


def construct(
    problem: Problem,
    costs: Costs,
    feasible: list[int],
    params: SearchParams,
    boost: dict[int, int],
    deadline: float,
    guide: dict[int, float] | None = None,
) -> State:
    """Greedy insertion, then bump what stands in an unserved order's way and re-place it elsewhere."""
    state = State(problem, costs)
    greedy(state, feasible, params, guide=guide, boost=boost, deadline=deadline)
    static = sum(problem.orders[oi].priority for oi in feasible)
    served = served_priority(state)
    for depth in (1, 2):
        for oi in sorted(feasible, key=lambda oi: (-problem.orders[oi].priority, oi)):
            if served >= static or time.monotonic() >= deadline:
                break
            if oi not in state.plan and state.eject_insert(oi, max_tries=params.eject_tries, depth=depth):
                served = served_priority(state)
    return state


def squeaky(
    problem: Problem,
    costs: Costs,
    feasible: list[int],
    params: SearchParams,
    budget: Budget,
    nominal: float,
    bound: int,
    guide: dict[int, float] | None = None,
) -> tuple[State, int]:
    """The best of a construction and its squeaky-wheel rebuilds (orders left out jump the queue); and rebuilds.

    In deterministic mode rebuilds are counted in estimated work, not wall time, so the result does not depend on
    the machine's load; otherwise they may take squeaky_share of the part's wall time.
    """
    began = time.monotonic()
    state = construct(problem, costs, feasible, params, {}, budget.deadline, guide)
    took = time.monotonic() - began
    served = served_priority(state)
    log.debug("part of %d orders: construction served %d/%d", len(feasible), served, bound)
    boost: dict[int, int] = {}
    last = state
    stale = 0
    round_cost = len(feasible) / params.orders_per_second
    share = params.anytime_squeaky_share * (budget.deadline - began)
    rounds = 1
    for rnd in range(params.squeaky_rounds):
        if served >= bound or time.monotonic() + took >= budget.deadline:
            break
        if budget.deterministic and (rnd + 1) * round_cost > params.squeaky_share * nominal:
            break
        if not budget.deterministic and time.monotonic() - began + took > share:
            break
        for oi in feasible:
            if oi not in last.plan:
                boost[oi] = boost.get(oi, 0) + params.squeaky_boost
        alt = last = construct(problem, costs, feasible, params, boost, budget.deadline, guide)
        rounds += 1
        alt_served = served_priority(alt)
        stale = stale + 1 if alt_served <= served else 0
        if (alt_served, -plan_cost(alt)) > (served, -plan_cost(state)):
            state, served = alt, alt_served
        log.debug("squeaky rebuild: %d -> best %d", alt_served, served)
        if stale >= params.squeaky_patience:
            break  # the bound may simply be out of reach; leave the time to CP-SAT
    return state, rounds
