"""Repair: serve more by re-placing each unserved order together with the orders that hold its volunteers' time."""

from __future__ import annotations

import random

from matching.certificate import Certificate
from matching.construct import served_priority
from matching.lns import Neighbours, lns_step
from matching.params import Budget, SearchParams
from matching.state import State


def repair_round(
    state: State,
    feasible: list[int],
    neighbours: Neighbours,
    *,
    proof: Certificate,
    size: int,
    focus: int,
    params: SearchParams,
    budget: Budget,
    rng: random.Random,
    seed: int,
    share: float = 1.0,
) -> bool:
    """One pass over the unserved orders, highest priority (then LP guidance) first; whether any more was served.

    The unserved order and its `focus - 1` main blockers may use any team and volunteer; the rest of its
    neighbourhood of `size` orders stays with their cheapest few.
    """
    problem = state.problem
    served = served_priority(state)
    before = served
    waiting = sorted(
        (oi for oi in feasible if oi not in state.plan),
        key=lambda oi: (-problem.orders[oi].priority, -round(proof.guide.get(oi, 0.0), 3), oi),
    )
    for oi in waiting:
        if served >= proof.bound or not budget.left(share):
            break
        if oi in state.plan:
            continue
        hoods = []
        tried = neighbours.tried.get(oi, 0)
        if focus > 1:
            neighbours.tried[oi] = tried + 1
        wide = min(size, params.closure_orders)
        if focus > 1 and params.closure_orders:
            # Stuck: first the chain of holders of holders, every one of them free to use any team and volunteer.
            chain = neighbours.closure(oi, wide)
            hoods.append((chain, len(chain)))
            if params.deep_holders:
                # Then a deeper chain: each order's few main holders only (so many, in turn), followed further.
                per = params.deep_holders[tried % len(params.deep_holders)]
                chain = neighbours.closure(oi, wide, per=per)
                hoods.append((chain, len(chain)))
        if focus > 1 and params.team_repair and params.closure_orders:
            # Then the same chain starting from one of the order's teams (the next in turn): what holds the
            # volunteers of that team it would need, and what holds their alternatives.
            teams = neighbours.teams_to_try(oi)
            chain = neighbours.closure(oi, wide, teams[tried % len(teams)])
            hoods.append((chain, len(chain)))
        # Last, its blockers across all teams, the main ones free to move, the rest cut to their cheapest volunteers.
        hoods.append((neighbours.blockers(oi, size, rng, chain=params.chain_blockers * (focus - 1)), focus))
        for hood, lead in hoods:
            if not budget.left(share):
                break
            if lns_step(
                state,
                hood,
                seed=seed,
                dtime=params.repair_dtime,
                budget=budget,
                teams=params.repair_teams,
                extra=params.repair_extra,
                step_overhead=params.step_overhead,
                pair_work=params.pair_work,
                focus=frozenset(hood[:lead]),
                gain=params.repair_first_gain,
            ):
                served = served_priority(state)
                break
    return served > before
