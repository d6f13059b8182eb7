"""Large neighbourhood search: which orders to re-place together, and one CP-SAT step that re-places them."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable

from matching.cpsat import evaluate, solve_subset
from matching.params import Budget
from matching.state import State


class Neighbours:
    """Which orders compete for the same volunteers, nearest in time first."""

    def __init__(self, state: State, orders: list[int]) -> None:
        self.state = state
        self.by_vol: dict[int, list[int]] = {}
        self.mid: dict[int, int] = {}
        self.tried: dict[int, int] = {}  # team-targeted repair steps taken per unserved order
        for oi in orders:
            lo_all, hi_all = None, None
            for op in state.problem.info[oi].options:
                if op.feasible:
                    for pr in op.pairs:
                        self.by_vol.setdefault(pr.volunteer, []).append(oi)
                        for lo, hi in pr.ranges:
                            lo_all = lo if lo_all is None else min(lo_all, lo)
                            hi_all = hi if hi_all is None else max(hi_all, hi)
            self.mid[oi] = ((lo_all or 0) + (hi_all or 0)) // 2

    def holding(self, oi: int, team: int | None = None) -> dict[int, int]:
        """The other orders holding time oi's volunteers (of one team, if given) could give it, by how many of its
        volunteers each holds."""
        state = self.state
        order = state.problem.orders[oi]
        mine = {volunteer for volunteer, _ in state.plan[oi].crew} if oi in state.plan else set()
        found: dict[int, int] = {}
        for op in state.problem.info[oi].options:
            if not op.feasible or (team is not None and op.team != team):
                continue
            for pr in op.pairs:
                if pr.volunteer in mine:
                    continue
                # A volunteer at max_orders is held by every order it serves, whenever that is.
                capped = state.load.get(pr.volunteer, 0) >= state.problem.cap[pr.volunteer]
                for busy_from, busy_to, o2 in state.busy.get(pr.volunteer, ()):
                    if o2 != oi and (
                        capped
                        or any(
                            busy_from < hi + order.duration + pr.trip_minutes and busy_to > lo - pr.trip_minutes
                            for lo, hi in pr.ranges
                        )
                    ):
                        found[o2] = found.get(o2, 0) + 1
        return found

    def blockers(self, oi: int, size: int, rng: random.Random, chain: int = 0) -> list[int]:
        """An unserved order with the served orders holding its volunteers' time, filled up with near ones.

        With chain > 0, the orders holding the alternatives of its chain main blockers come next: a blocker on a
        scarce volunteer can make way only by moving to another holder of that skill, who may be held in turn.
        """
        problem = self.state.problem
        found = self.holding(oi)
        # Blockers holding many of its volunteers first; a random few of the rest keep retries different.
        ranked = sorted(found, key=lambda o2: (-found[o2], problem.orders[o2].priority, o2))
        head = ranked[: (size - 1) * 2 // 3]
        if chain:
            head = head[: (size - 1) // 2]
            second: dict[int, int] = {}
            for o2 in head[:chain]:
                for o3, count in self.holding(o2).items():
                    if o3 != oi and o3 not in found:
                        second[o3] = second.get(o3, 0) + count
            head += sorted(second, key=lambda o3: (-second[o3], problem.orders[o3].priority, o3))[: (size - 1) // 3]
        taken = set(head)
        rest = [o2 for o2 in ranked if o2 not in taken]
        pick = head + sorted(rng.sample(rest, min(len(rest), max(0, size - 1 - len(head)))))
        if len(pick) < size - 1:
            taken = set(pick)
            pick += [x for x in self.around(oi, size, rng)[1:] if x not in taken][: size - 1 - len(pick)]
        return [oi, *pick]

    def teams_to_try(self, oi: int) -> list[int]:
        """An unserved order's feasible teams, those short of the fewest free holders of its skills first.

        A holder is free when it has load to spare; a team short of none may still be blocked in time.
        """
        state = self.state
        order = state.problem.orders[oi]
        ranked = []
        for op in state.problem.info[oi].options:
            if not op.feasible:
                continue
            free = [pr for pr in op.pairs if state.load.get(pr.volunteer, 0) < state.problem.cap[pr.volunteer]]
            short = sum(max(0, count - sum(skill in pr.skills for pr in free)) for skill, count in order.demand.items())
            km = sum(sorted(pr.km for pr in op.pairs)[: order.crew_size])
            ranked.append((short, km, op.team))
        return [team for _, _, team in sorted(ranked)]

    def closure(self, oi: int, size: int, team: int | None = None, per: int | None = None) -> list[int]:
        """An unserved order, what holds its volunteers (of one team, if given), what holds theirs, and so on,
        breadth first, up to size; with per, only each order's per main holders, so the chain reaches deeper.

        Each order in it may need to move to volunteers the next holds: a chain of small moves that the nearest
        blockers alone, cut to their cheapest volunteers, do not contain.
        """
        problem = self.state.problem

        def most_held(counts: dict[int, int], orders: Iterable[int]) -> list[int]:
            return sorted(orders, key=lambda o2: (-counts[o2], problem.orders[o2].priority, o2))

        hood, level, seen = [oi], [oi], {oi}
        while level and len(hood) < size:
            found: dict[int, int] = {}
            for o in level:
                held = self.holding(o, team if o == oi else None)
                for o2 in most_held(held, [o2 for o2 in held if o2 not in seen])[:per]:
                    found[o2] = found.get(o2, 0) + held[o2]
            # With per, by the order of the holders they follow: the main chains are kept whole.
            level = most_held(found, found) if per is None else list(found)
            level = level[: size - len(hood)]
            hood += level
            seen.update(level)
        return hood

    def around(self, oi: int, size: int, rng: random.Random) -> list[int]:
        """Up to size orders sharing volunteers with oi, preferring the ones close in time."""
        plan = self.state.plan
        at = plan[oi].start if oi in plan else self.mid[oi]
        seen = {oi}
        near = []
        for op in self.state.problem.info[oi].options:
            if op.feasible:
                for pr in op.pairs:
                    for o2 in self.by_vol.get(pr.volunteer, ()):
                        if o2 not in seen:
                            seen.add(o2)
                            t2 = plan[o2].start if o2 in plan else self.mid[o2]
                            near.append((abs(t2 - at), o2))
        near.sort()
        pool = [o2 for _, o2 in near[: 2 * size]]
        if len(pool) > size - 1:
            # Mostly the nearest, with a little randomness so repeated visits explore different neighbourhoods.
            pool = pool[: (size - 1) // 2] + sorted(rng.sample(pool[(size - 1) // 2 :], size - 1 - (size - 1) // 2))
        return [oi, *pool]


def lns_step(
    state: State,
    subset: list[int],
    *,
    seed: int,
    dtime: float,
    budget: Budget,
    teams: int,
    extra: int,
    step_overhead: float,
    pair_work: float,
    focus: frozenset[int] = frozenset(),
    gain: bool = False,
) -> bool:
    """Re-place a neighbourhood with CP-SAT and keep it if strictly better; counts its work in the budget."""
    # Deterministic time decides when a step ends; its wall-clock cap must not, where runs are to repeat.
    seconds = max(0.05, min(dtime * (40 if budget.deterministic else 4), budget.deadline - time.monotonic()))
    result = solve_subset(
        state,
        subset,
        seed=seed,
        dtime=dtime,
        seconds=seconds,
        max_teams=teams,
        extra=extra,
        focus=focus,
        gain=gain,
        first=gain,
    )
    # Work is counted from the model's size alone, which repeats exactly (CP-SAT's own time is capped by dtime).
    budget.spend(step_overhead + pair_work * result.size)
    if not result.found:
        return False
    before = evaluate(state, subset, result.big)
    after = evaluate(state, subset, result.big, result.placements)
    if after <= before:
        return False
    for oi in subset:
        if oi in state.plan:
            state.remove(oi)
    for oi in sorted(result.placements):
        state.place(oi, result.placements[oi])
    return True
