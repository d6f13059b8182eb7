"""Polish: travel less by re-placing neighbourhoods of orders that compete for the same volunteers."""

from __future__ import annotations

import random
import time

from matching.lns import Neighbours, lns_step
from matching.params import Budget, SearchParams
from matching.state import State


def polish_round(
    state: State,
    neighbours: Neighbours,
    *,
    size: int,
    params: SearchParams,
    budget: Budget,
    rng: random.Random,
    steps: int | None = None,
    until: float | None = None,
) -> bool:
    """A pass over the served orders (or `steps` of them, or until the monotonic clock reads `until`) in a seeded
    order, each with its neighbourhood; whether anything improved."""
    seeds = sorted(state.plan)
    rng.shuffle(seeds)
    if steps is not None:
        seeds = seeds[:steps]
    improved = False
    for oi in seeds:
        if not budget.left() or (until is not None and time.monotonic() >= until):
            break
        if oi not in state.plan:
            continue
        improved |= lns_step(
            state,
            neighbours.around(oi, size, rng),
            seed=rng.randrange(1 << 30),
            dtime=params.step_dtime,
            budget=budget,
            teams=params.lns_teams,
            extra=params.lns_extra,
            step_overhead=params.step_overhead,
            pair_work=params.pair_work,
        )
    return improved
