"""The dispatch engine: prune, split into independent parts, construct, bound, repair and polish.

Per part: a greedy insertion (priority first, scarce orders first, cheapest crew) gives a plan; the static bound
(orders that could be served alone) or the LP relaxation proves how good it is; CP-SAT then re-places small
neighbourhoods with exact start times (large neighbourhood search), first to serve more, then to travel less.
Small parts are solved exactly by CP-SAT instead.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import sys
import time
from dataclasses import dataclass

from matching.candidates import Problem
from matching.constraints import objective, validate
from matching.cpsat import evaluate, solve_subset
from matching.domain import (
    Assignment,
    CostTerm,
    CrewMember,
    Instance,
    Preferences,
    Solution,
    Stats,
)
from matching.explain import explain_unassigned
from matching.lp import lp_bound
from matching.regions import regions
from matching.state import Costs, Placement, State

# Construction cost (km) per other unplaced order that could use the same volunteer.
PRESSURE_KM = 0.3
# Ejection tries per unserved order; squeaky-wheel rebuilds and the share of a part's time they may take.
EJECT_TRIES = 40
SQUEAKY_ROUNDS = 12
SQUEAKY_SHARE = 0.6
SQUEAKY_BOOST = 5  # priority levels an order left out jumps per rebuild
SQUEAKY_PATIENCE = 2  # rebuilds in a row that serve no more before giving up
ORDERS_PER_SECOND = 1000  # rough speed of one greedy-and-ejection pass, for budgeting rebuilds
# Parts at most this big (orders, pruned pairs) go to the exact CP-SAT model.
EXACT_ORDERS = 40
EXACT_PAIRS = 1500
# LNS neighbourhood size (orders), its cheapest teams and spare volunteers per team, and CP-SAT work per step
# (deterministic seconds); each step also counts STEP_OVERHEAD for building the model.
NEIGHBOURHOOD = 25
LNS_TEAMS = 5
LNS_EXTRA = 4
STEP_DTIME = 0.3
PRUNE_ORDERS_PER_SECOND = 600  # typical pruning speed, to budget the search independently of the wall clock
STEP_OVERHEAD = 0.01
PAIR_WORK = 6e-4
# Repair (serving more) looks wider: more orders, teams and volunteers per step, a few rounds.
REPAIR_NEIGHBOURHOOD = 30
REPAIR_TEAMS = 8
REPAIR_EXTRA = 6
REPAIR_ROUNDS = 3
REPAIR_FOCUS = 0
REPAIR_DTIME = 0.3
# Instances with more orders than this are solved by geographic regions of about REGION_ORDERS orders, with
# about STITCH_SECONDS per 10,000 volunteers kept for stitching and proving the bound.
REGIONAL_ABOVE = 2500
REGION_ORDERS = 1000
STITCH_SECONDS = 1.3
# Within a region of many teams, each order looks at its nearest REGION_TEAMS teams (all of them if none of those
# can serve it).
REGION_TEAMS = 20
# Parts given less time than this skip the LP relaxation and rely on the static bound.
LP_MIN_SECONDS = 15.0
# Deterministic work units granted per second of time limit; wall clock is only a safety net.
DTIME_PER_SECOND = 0.35


class EngineError(RuntimeError):
    """The engine produced a solution that breaks a hard rule: a bug, never a user error."""


@dataclass(frozen=True)
class PartResult:
    """Placements of one part, its proved bound on served priority, and whether it is proved optimal."""

    placements: dict[int, Placement]
    bound: int
    optimal: bool


def components(problem: Problem) -> list[list[int]]:
    """Free orders split into groups that share no volunteer (feasible options only), largest first."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    n_orders = len(problem.orders)
    for oi in problem.free:
        find(oi)
        for op in problem.info[oi].options:
            if op.feasible:
                for pr in op.pairs:
                    a, b = find(oi), find(n_orders + pr.v)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for oi in problem.free:
        groups.setdefault(find(oi), []).append(oi)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def _pairs(problem: Problem, orders: list[int]) -> int:
    return sum(len(op.pairs) for oi in orders for op in problem.info[oi].options if op.feasible)


def greedy(
    state: State, orders: list[int], guide: dict[int, float] | None = None, boost: dict[int, int] | None = None
) -> None:
    """Insert orders one by one: higher (boosted) priority first, then LP guidance, then the fewest options."""
    p = state.p

    def key(oi: int) -> tuple:
        n_opts = sum(1 for op in p.info[oi].options if op.feasible)
        g = guide.get(oi, 0.0) if guide else 0.0
        b = boost.get(oi, 0) if boost else 0
        return (-p.orders[oi].priority - b, -round(g, 3), n_opts, p.orders[oi].duration * -1, oi)

    todo = sorted(orders, key=key)
    # Volunteers many unplaced orders could use cost a little more, so crews come from the less wanted first.
    uses: dict[int, int] = {}
    for oi in todo:
        for v in {pr.v for op in p.info[oi].options if op.feasible for pr in op.pairs}:
            uses[v] = uses.get(v, 0) + 1
    state.pressure = {v: PRESSURE_KM * n for v, n in uses.items()} if PRESSURE_KM else {}
    for oi in todo:
        if PRESSURE_KM:
            for v in {pr.v for op in p.info[oi].options if op.feasible for pr in op.pairs}:
                state.pressure[v] -= PRESSURE_KM
        if oi in state.plan or not p.info[oi].feasible:
            continue
        best = state.best_insert(oi)
        if best is not None:
            state.place(oi, best[1])
    state.pressure = {}


class _Neighbours:
    """Which orders compete for the same volunteers, nearest in time first."""

    def __init__(self, state: State, orders: list[int]) -> None:
        self.state = state
        self.by_vol: dict[int, list[int]] = {}
        self.mid: dict[int, int] = {}
        for oi in orders:
            lo_all, hi_all = None, None
            for op in state.p.info[oi].options:
                if op.feasible:
                    for pr in op.pairs:
                        self.by_vol.setdefault(pr.v, []).append(oi)
                        for lo, hi in pr.ranges:
                            lo_all = lo if lo_all is None else min(lo_all, lo)
                            hi_all = hi if hi_all is None else max(hi_all, hi)
            self.mid[oi] = ((lo_all or 0) + (hi_all or 0)) // 2

    def blockers(self, oi: int, size: int, rng: random.Random) -> list[int]:
        """An unserved order with the served orders holding its volunteers' time, filled up with near ones."""
        st = self.state
        o = st.p.orders[oi]
        found: dict[int, int] = {}
        for op in st.p.info[oi].options:
            if not op.feasible:
                continue
            for pr in op.pairs:
                for bs, be, o2 in st.busy.get(pr.v, ()):
                    if any(bs < hi + o.duration + pr.t and be > lo - pr.t for lo, hi in pr.ranges):
                        found[o2] = found.get(o2, 0) + 1
        # Blockers holding many of its volunteers first; a random few of the rest keep retries different.
        ranked = sorted(found, key=lambda o2: (-found[o2], st.p.orders[o2].priority, o2))
        head = ranked[: (size - 1) * 2 // 3]
        rest = ranked[len(head) :]
        pick = head + sorted(rng.sample(rest, min(len(rest), size - 1 - len(head))))
        if len(pick) < size - 1:
            pick += [x for x in self.around(oi, size, rng)[1:] if x not in set(pick)][: size - 1 - len(pick)]
        return [oi, *pick]

    def around(self, oi: int, size: int, rng: random.Random) -> list[int]:
        """Up to size orders sharing volunteers with oi, preferring the ones close in time."""
        p = self.state.p
        at = self.state.plan[oi].start if oi in self.state.plan else self.mid[oi]
        seen = {oi}
        cands = []
        for op in p.info[oi].options:
            if op.feasible:
                for pr in op.pairs:
                    for o2 in self.by_vol.get(pr.v, ()):
                        if o2 not in seen:
                            seen.add(o2)
                            t2 = self.state.plan[o2].start if o2 in self.state.plan else self.mid[o2]
                            cands.append((abs(t2 - at), o2))
        cands.sort()
        pool = [o2 for _, o2 in cands[: 2 * size]]
        if len(pool) > size - 1:
            # Mostly the nearest, with a little randomness so repeated visits explore different neighbourhoods.
            pool = pool[: (size - 1) // 2] + sorted(rng.sample(pool[(size - 1) // 2 :], size - 1 - (size - 1) // 2))
        return [oi, *pool]


def _lns_step(
    state: State,
    subset: list[int],
    seed: int,
    dtime: float,
    deadline: float,
    teams: int = 0,
    extra: int = 0,
    focus: frozenset[int] = frozenset(),
) -> tuple[bool, float]:
    """Re-place a neighbourhood with CP-SAT; keep it if strictly better. Returns (improved, work used)."""
    secs = max(0.05, min(dtime * 4, deadline - time.monotonic()))
    res = solve_subset(
        state,
        subset,
        seed=seed,
        dtime=dtime,
        seconds=secs,
        max_teams=teams or LNS_TEAMS,
        extra=extra or LNS_EXTRA,
        focus=focus,
    )
    # Work is counted from the model's size alone, which repeats exactly (CP-SAT's own time is capped by dtime).
    used = STEP_OVERHEAD + PAIR_WORK * res.size
    if not res.found:
        return False, used
    before = evaluate(state, subset, res.big)
    after = evaluate(state, subset, res.big, res.placements)
    if after <= before:
        return False, used
    for oi in subset:
        if oi in state.plan:
            state.remove(oi)
    for oi in sorted(res.placements):
        state.place(oi, res.placements[oi])
    return True, used


def solve_part(
    problem: Problem, costs: Costs, orders: list[int], seconds: float, seed: int, work_seconds: float | None = None
) -> PartResult:
    """Solve one independent part within a wall-clock deadline and a deterministic work budget.

    The work budget (work_seconds, by default seconds) decides how much search is done, so runs repeat; the
    deadline (seconds) only stops a run that a busy machine has slowed down.
    """
    start = time.monotonic()
    deadline = start + seconds
    nominal = seconds if work_seconds is None else work_seconds
    work = nominal * DTIME_PER_SECOND
    feasible = [oi for oi in orders if problem.info[oi].feasible]
    static = sum(problem.orders[oi].priority for oi in feasible)
    state = _construct(problem, costs, feasible, {}, deadline)
    took = time.monotonic() - start
    served = sum(problem.orders[oi].priority for oi in state.plan)
    _debug(f"part {len(orders)} orders: greedy+ejection served {served}/{static} travel {_travel(state):.1f}", start)
    # Squeaky wheel: rebuild with the orders left out moved up the queue; keep the best plan.
    # Rounds are counted in estimated work, not wall time, so the result does not depend on the machine's load.
    boost: dict[int, int] = {}
    last = state
    stale = 0
    round_cost = len(feasible) / ORDERS_PER_SECOND
    rounds = 1
    for r in range(SQUEAKY_ROUNDS):
        # The wall-clock test only matters on a busy machine: a rebuild must not run past the deadline.
        if served >= static or (r + 1) * round_cost > SQUEAKY_SHARE * nominal or time.monotonic() + took >= deadline:
            break
        for oi in feasible:
            if oi not in last.plan:
                boost[oi] = boost.get(oi, 0) + SQUEAKY_BOOST
        alt = last = _construct(problem, costs, feasible, boost, deadline)
        rounds += 1
        alt_served = sum(problem.orders[oi].priority for oi in alt.plan)
        stale = stale + 1 if alt_served <= served else 0
        if (alt_served, -_travel(alt)) > (served, -_travel(state)):
            state, served = alt, alt_served
        if stale >= SQUEAKY_PATIENCE:
            break  # the bound may simply be out of reach; leave the time to CP-SAT
        _debug(f"squeaky rebuild: {alt_served} -> best {served}", start)
    # What is left of the work budget after the constructions, as estimated (not measured) for repeatability.
    work = max(0.0, nominal - rounds * round_cost) * DTIME_PER_SECOND
    if len(feasible) <= EXACT_ORDERS and _pairs(problem, feasible) <= EXACT_PAIRS:
        res = solve_subset(state, feasible, seed=seed, dtime=max(work, 0.5), seconds=max(seconds, 0.5))
        if res.found:
            if evaluate(state, feasible, res.big, res.placements) >= evaluate(state, feasible, res.big):
                for oi in list(state.plan):
                    state.remove(oi)
                for oi in sorted(res.placements):
                    state.place(oi, res.placements[oi])
            # Any solution's objective exceeds priority * big - big, so the objective bound caps priority.
            bound = min(static, (res.bound + res.big - 1) // res.big)
            return PartResult(dict(state.plan), bound, res.optimal)
    bound = static
    rng = random.Random(seed)
    # The LP costs seconds on a county and only helps when the orders compete; run it when there is time. Its
    # optimum proves a tighter bound, and its served fractions say which unserved orders to repair first.
    guide: dict[int, float] = {}
    if served < bound and problem.complete and nominal >= LP_MIN_SECONDS:
        lp = lp_bound(problem, feasible, seconds=max(1.0, seconds / 4))
        if lp is not None:
            bound = min(bound, lp[0])
            guide = lp[1]
    nb = _Neighbours(state, feasible)
    used = 0.0
    # Repair: give each unserved order a neighbourhood of its competitors, highest priority first.
    for rnd in range(REPAIR_ROUNDS):
        if served >= bound:
            break
        waiting = sorted(
            (oi for oi in feasible if oi not in state.plan),
            key=lambda oi: (-problem.orders[oi].priority, -round(guide.get(oi, 0.0), 3), oi),
        )
        for oi in waiting:
            if used >= work / 2 or time.monotonic() >= deadline or served >= bound:
                break
            if oi in state.plan:
                continue
            hood = nb.blockers(oi, REPAIR_NEIGHBOURHOOD, rng)
            # The unserved order and its main blockers may use any team and volunteer; the rest stay cheap.
            ok, w = _lns_step(
                state,
                hood,
                seed + rnd,
                REPAIR_DTIME,
                deadline,
                REPAIR_TEAMS,
                REPAIR_EXTRA,
                frozenset(hood[: 1 + REPAIR_FOCUS]),
            )
            used += w
            if ok:
                served = sum(problem.orders[o].priority for o in state.plan)
    _debug(f"repaired: served {served} travel {_travel(state):.1f} work {used:.2f}", start)
    # Polish: neighbourhoods around served orders in a seeded order, until a full round brings nothing.
    idle = 0
    while used < work and time.monotonic() < deadline:
        seeds = sorted(state.plan)
        rng.shuffle(seeds)
        if not seeds:
            break
        improved_round = False
        for oi in seeds:
            if used >= work or time.monotonic() >= deadline:
                break
            if oi not in state.plan:
                continue
            ok, w = _lns_step(state, nb.around(oi, NEIGHBOURHOOD, rng), rng.randrange(1 << 30), STEP_DTIME, deadline)
            used += w
            improved_round |= ok
        _debug(f"polish round: travel {_travel(state):.1f} work {used:.2f}", start)
        idle = 0 if improved_round else idle + 1
        if idle >= 1:
            break
    # Last chance: any order that now fits as is.
    for oi in sorted(feasible, key=lambda o: (-problem.orders[o].priority, o)):
        if oi not in state.plan:
            best = state.best_insert(oi)
            if best is not None:
                state.place(oi, best[1])
    served = sum(problem.orders[oi].priority for oi in state.plan)
    return PartResult(dict(state.plan), bound, False)


def _construct(problem: Problem, costs: Costs, feasible: list[int], boost: dict[int, int], deadline: float) -> State:
    """Greedy insertion, then bump what stands in an unserved order's way and re-place it elsewhere."""
    state = State(problem, costs)
    greedy(state, feasible, boost=boost)
    static = sum(problem.orders[oi].priority for oi in feasible)
    served = sum(problem.orders[oi].priority for oi in state.plan)
    for depth in (1, 2):
        for oi in sorted(feasible, key=lambda oi: (-problem.orders[oi].priority, oi)):
            if served >= static or time.monotonic() >= deadline:
                break
            if oi not in state.plan and state.eject_insert(oi, max_tries=EJECT_TRIES, depth=depth):
                served = sum(problem.orders[o].priority for o in state.plan)
    return state


def _debug(msg: str, since: float) -> None:
    if os.environ.get("MATCHING_DEBUG"):
        print(f"[{time.monotonic() - since:7.2f}s] {msg}", file=sys.stderr)


def _travel(state: State) -> float:
    return sum(state.cost(oi, pl) for oi, pl in state.plan.items())


_SHARED: dict[str, object] = {}


def _run_task(task: tuple[list[int], float, float, int]) -> PartResult:
    part, secs, wsecs, seed = task
    return solve_part(_SHARED["problem"], _SHARED["costs"], part, secs, seed, wsecs)


def _solve_parts(
    problem: Problem, costs: Costs, parts: list[list[int]], time_limit: float, seed: int, workers: int, nominal: float
) -> list[PartResult]:
    total = sum(max(1, _pairs(problem, p)) for p in parts) or 1
    # Each worker gets about time_limit (wall) and nominal (work); parts share them in proportion to their size.
    shares = [workers * max(1, _pairs(problem, p)) / total for p in parts]
    secs = [time_limit * sh for sh in shares]
    if workers <= 1 or len(parts) <= 1:
        return [
            solve_part(problem, costs, p, time_limit * sh, seed + i, nominal * sh)
            for i, (p, sh) in enumerate(zip(parts, shares, strict=True))
        ]
    # Deal parts round-robin by size into one task per worker, then run them in forked processes.
    tasks: list[tuple[list[int], float, float, int]] = []
    buckets: list[list[int]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for i in sorted(range(len(parts)), key=lambda i: (-secs[i], i)):
        w = min(range(workers), key=lambda k: (loads[k], k))
        buckets[w].append(i)
        loads[w] += secs[i]
    scale = [time_limit / max(1e-9, loads[w]) if loads[w] > time_limit else 1.0 for w in range(workers)]
    for w, idx in enumerate(buckets):
        for i in idx:
            tasks.append((parts[i], secs[i] * scale[w], nominal * shares[i] * scale[w], seed + i))
    _SHARED["problem"] = problem
    _SHARED["costs"] = costs
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        # One part per task keeps results in part order; chunking by bucket keeps the load balanced.
        results = pool.map(_run_task, tasks, chunksize=1)
    _SHARED.clear()
    return results


def solve(
    instance: Instance,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int | None = None,
    preferences: Preferences | None = None,
) -> Solution:
    """Dispatch every order it can: most priority served, then least travel, within time_limit seconds."""
    t0 = time.monotonic()
    prefs = preferences or Preferences()
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if len(instance.orders) > REGIONAL_ABOVE:
        return _solve_regional(instance, time_limit, seed, workers, prefs, t0)
    return _solve_plain(instance, time_limit, seed, workers, prefs, t0, None)


def _solve_plain(
    instance: Instance, time_limit: float, seed: int, workers: int, prefs: Preferences, t0: float, max_teams: int | None
) -> Solution:
    problem = Problem(instance, max_teams=max_teams)
    costs = Costs(problem, prefs)
    parts = components(problem)
    _debug(f"pruned {len(problem.free)} orders in {len(parts)} parts", t0)
    remaining = max(0.1, time_limit - (time.monotonic() - t0) - 0.08 * time_limit - 0.3)
    # The work budget assumes the prune took its usual time, so it does not depend on how busy the machine is.
    nominal = max(0.1, time_limit * 0.92 - 0.3 - len(problem.free) / PRUNE_ORDERS_PER_SECOND)
    results = _solve_parts(
        problem, costs, parts, remaining, seed, workers if _big_enough(problem, parts) else 1, nominal
    )
    placements: dict[int, Placement] = {}
    bound = sum(instance.order_by_id[f.order].priority for f in instance.fixed)
    optimal = True
    for r in results:
        placements.update(r.placements)
        bound += r.bound
        optimal &= r.optimal
    return build_solution(problem, costs, placements, bound, optimal, t0)


def _solve_region(args: tuple[Instance, float, float, int, Preferences]) -> Solution:
    sub, deadline, share, seed, prefs = args
    # A region gets its fixed share of the time, so runs repeat; if earlier regions ran long (a busy machine, a slow
    # prune), its share of what is left is smaller, and that wins.
    left, workers = _SHARED["orders_left"], int(_SHARED.get("workers", 1))
    with left.get_lock():
        pending = left.value
        left.value -= len(sub.orders)
    parallel = min(workers, max(1, math.ceil(pending / max(1, len(sub.orders)))))
    catch_up = (deadline - time.monotonic()) * parallel * len(sub.orders) / max(1, pending) * 0.95
    limit = max(0.3, share if catch_up >= 0.8 * share else catch_up)
    # Within a region only nearby volunteers are considered; the whole-instance bound is proved afterwards.
    teams = REGION_TEAMS if len(sub.teams) > 2 * REGION_TEAMS else None
    return _solve_plain(sub, limit, seed, 1, prefs, time.monotonic(), teams)


def _solve_regional(
    instance: Instance, time_limit: float, seed: int, workers: int, prefs: Preferences, t0: float
) -> Solution:
    """Solve region by region in parallel, then give unserved orders one more chance across regions."""
    subs = regions(instance, REGION_ORDERS)
    # The stitching after the regions needs a few seconds on a province; the regions get the rest.
    reserve = STITCH_SECONDS * (1 + len(instance.volunteers) / 10000)
    budget = max(0.5, time_limit - reserve)  # not the wall clock: each region's share must repeat exactly
    deadline = t0 + max(0.5, time_limit - reserve)
    total = sum(len(r.orders) for r in subs)
    par = min(workers, len(subs))
    jobs = sorted(
        ((r, deadline, budget * par * len(r.orders) / total * 0.95, seed + i, prefs) for i, r in enumerate(subs)),
        key=lambda j: (-len(j[0].orders), j[3]),
    )
    ctx = multiprocessing.get_context("fork")
    _SHARED["orders_left"] = ctx.Value("i", sum(len(r.orders) for r in subs))
    _SHARED["workers"] = workers if len(jobs) > 1 else 1
    try:
        if workers > 1 and len(jobs) > 1:
            with ctx.Pool(workers) as pool:
                sols = pool.map(_solve_region, jobs, chunksize=1)
        else:
            sols = [_solve_region(j) for j in jobs]
    finally:
        _SHARED.clear()
    _debug(f"regions solved: {len(subs)}; took {[s.stats.seconds for s in sols]}", t0)
    by_order = {a.order: a for sol in sols for a in sol.assignments}
    unserved = {o.id for o in instance.orders if o.id not in by_order}
    # One look at the whole instance for the unserved orders: can they be served at all (the bound), can they be
    # served now by another region's team (insertion), and if not, why.
    problem = Problem(instance, only_orders=unserved)
    _debug("stitch problem built", t0)
    costs = Costs(problem, prefs)
    state = State(problem, costs)
    fixed_ids = set(instance.fixed_by_order)
    for a in by_order.values():
        if a.order not in fixed_ids:  # fixed work is already folded into the problem
            state.occupy(problem.order_index[a.order], a.start, [problem.vol_index[c.id] for c in a.volunteers])
    bound = sum(o.priority for o in instance.orders if o.id not in unserved)
    for oi in sorted(problem.free, key=lambda oi: (-problem.orders[oi].priority, oi)):
        if problem.info[oi].feasible:
            bound += problem.orders[oi].priority
            best = state.best_insert(oi)
            if best is not None:
                state.place(oi, best[1])
    _debug(f"cross-region insertion: {len(state.plan)} more", t0)
    new = {}
    for oi, pl in state.plan.items():
        o = problem.orders[oi]
        pairs = {pr.v: pr for op in problem.info[oi].options if op.team == pl.team for pr in op.pairs}
        terms = tuple(CostTerm("travel_km", round(2 * pairs[v].km, 3), problem.vols[v].id) for v, _ in pl.crew)
        terms += tuple(CostTerm(n, round(x, 3)) for n, x in sorted(costs.team_penalty(oi, pl.team).items()))
        new[o.id] = Assignment(
            o.id,
            problem.teams[pl.team].id,
            pl.start,
            tuple(CrewMember(problem.vols[v].id, sk) for v, sk in pl.crew),
            terms,
        )
    assignments = tuple(by_order.get(o.id) or new[o.id] for o in instance.orders if o.id in by_order or o.id in new)
    left = [oi for oi in sorted(problem.free) if oi not in state.plan]
    unassigned = tuple(explain_unassigned(problem, state, left))
    sol = Solution(assignments, unassigned, Stats(0, 0.0, 0, 0.0, ""))
    errors = validate(instance, sol, problem.dist)
    if errors:
        raise EngineError("engine produced an invalid solution: " + "; ".join(errors[:5]))
    served, km = objective(instance, sol, problem.dist)
    if served > bound:
        raise EngineError(f"engine proved bound {bound} below its own served priority {served}")
    return Solution(
        assignments, unassigned, Stats(served, round(km, 3), bound, round(time.monotonic() - t0, 3), "FEASIBLE")
    )


def _big_enough(problem: Problem, parts: list[list[int]]) -> bool:
    # Forking costs tens of milliseconds; only worth it when there is real work to share.
    return len(parts) > 1 and _pairs(problem, [o for p in parts[1:] for o in p]) > 2000


def build_solution(
    problem: Problem,
    costs: Costs,
    placements: dict[int, Placement],
    bound: int,
    optimal: bool,
    t0: float,
    reasons: dict[str, tuple[str, str]] | None = None,
    check: bool = True,
    fixed_terms: bool = True,
) -> Solution:
    """Assemble, explain and validate a solution from placements of free orders."""
    inst = problem.instance
    state = State(problem, costs)
    for oi in sorted(placements):
        state.place(oi, placements[oi])
    assignments: list[Assignment] = []
    fixed = {a.order: a for a in problem.fixed_assignments}
    for oi, o in enumerate(problem.orders):
        if o.id in fixed:
            a = fixed[o.id]
            if not fixed_terms:
                assignments.append(a)
                continue
            terms = tuple(
                CostTerm(
                    "travel_km", round(2 * problem.dist.km(inst.volunteer_by_id[c.id].station, o.station), 3), c.id
                )
                for c in a.volunteers
            )
            assignments.append(Assignment(a.order, a.team, a.start, a.volunteers, (CostTerm("fixed", 0.0), *terms)))
        elif oi in placements:
            pl = placements[oi]
            pairs = {pr.v: pr for op in problem.info[oi].options if op.team == pl.team for pr in op.pairs}
            terms = [CostTerm("travel_km", round(2 * pairs[v].km, 3), problem.vols[v].id) for v, _ in pl.crew]
            terms += [CostTerm(name, round(val, 3)) for name, val in sorted(costs.team_penalty(oi, pl.team).items())]
            if costs.prefs.fairness_weight:
                terms += [
                    CostTerm(
                        "fairness", round(costs.prefs.fairness_weight * (state.load[v] - 1), 3), problem.vols[v].id
                    )
                    for v, _ in pl.crew
                    if state.load[v] > 1
                ]
            crew = tuple(CrewMember(problem.vols[v].id, sk) for v, sk in pl.crew)
            assignments.append(Assignment(o.id, problem.teams[pl.team].id, pl.start, crew, tuple(terms)))
    served_ids = {a.order for a in assignments}
    # Unserved: the free orders, and orders outside this problem whose reasons the caller already knows.
    free = set(problem.free)
    unassigned = explain_unassigned(
        problem,
        state,
        [
            oi
            for oi, o in enumerate(problem.orders)
            if o.id not in served_ids and (oi in free or (reasons and o.id in reasons))
        ],
        reasons,
    )
    sol = Solution(tuple(assignments), tuple(unassigned), Stats(0, 0.0, 0, 0.0, ""))
    errors = validate(inst, sol, problem.dist) if check else []
    if errors:
        raise EngineError("engine produced an invalid solution: " + "; ".join(errors[:5]))
    served, km = objective(inst, sol, problem.dist)
    if served > bound:
        raise EngineError(f"engine proved bound {bound} below its own served priority {served}")
    status = "OPTIMAL" if optimal else "FEASIBLE"
    stats = Stats(served, round(km, 3), bound, round(time.monotonic() - t0, 3), status)
    return Solution(sol.assignments, sol.unassigned, stats)
