"""The dispatch engine: prune, split into independent parts, and per part construct, bound, repair and polish.

Per part: a greedy insertion (priority first, scarce orders first, cheapest crew) gives a plan; the static bound
(orders that could be served alone) and the LP relaxation prove how good it is; CP-SAT then re-places
neighbourhoods with exact start times (large neighbourhood search), first to serve more, then to travel less.
Small parts are solved exactly by CP-SAT instead. Big instances are solved by geographic regions and stitched.

By default the search is anytime: it works until the time limit, stopping early only once it has proved it cannot
do better. In deterministic mode it is bounded by counted work instead (CP-SAT deterministic time, fixed seeds,
one worker), so a seed and time limit repeat the same answer.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import queue
import random
import time
from dataclasses import dataclass

from matching.assemble import EngineError, build_solution, min_travel
from matching.candidates import Problem
from matching.certificate import Certificate
from matching.construct import plan_cost, served_priority, squeaky
from matching.cpsat import evaluate, solve_subset
from matching.domain import Instance, Preferences, Solution
from matching.lns import Neighbours
from matching.lp import Relaxation
from matching.params import Budget, Progress, ProgressCallback, Reporter, SearchParams, log
from matching.polish import polish_round
from matching.regions import regions, stitch
from matching.repair import repair_round
from matching.score import Costs
from matching.state import Placement, State

__all__ = ["EngineError", "PartResult", "build_solution", "components", "solve", "solve_part"]


@dataclass(frozen=True)
class PartResult:
    """Placements of one part, its proved bound on served priority, and whether it is proved optimal."""

    placements: dict[int, Placement]
    bound: int
    optimal: bool
    travel_floor: float | None = None  # least travel of any plan of the part serving `bound`, if proved


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
                    a, b = find(oi), find(n_orders + pr.volunteer)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for oi in problem.free:
        groups.setdefault(find(oi), []).append(oi)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def _pairs(problem: Problem, orders: list[int]) -> int:
    return sum(len(op.pairs) for oi in orders for op in problem.info[oi].options if op.feasible)


def _replace(state: State, subset: list[int], placements: dict[int, Placement]) -> None:
    for oi in subset:
        if oi in state.plan:
            state.remove(oi)
    for oi in sorted(placements):
        state.place(oi, placements[oi])


def _exact(state: State, feasible: list[int], budget: Budget, seed: int, static: int) -> PartResult | None:
    """Solve a small part exactly with CP-SAT; its objective bound caps served priority."""
    if budget.deterministic:
        dtime, seconds = max(budget.work - budget.used, 0.5), max(budget.seconds_left(), 0.5)
    else:
        dtime, seconds = 1e9, max(budget.seconds_left(), 0.05)
    result = solve_subset(state, feasible, seed=seed, dtime=dtime, seconds=seconds)
    if not result.found:
        return None
    if evaluate(state, feasible, result.big, result.placements) >= evaluate(state, feasible, result.big):
        _replace(state, feasible, result.placements)
    # Any solution's objective exceeds priority * big - big, so the objective bound caps priority.
    bound = min(static, (result.bound + result.big - 1) // result.big)
    return PartResult(dict(state.plan), bound, result.optimal)


def _helper_child(
    conn,
    problem: Problem,
    costs: Costs,
    orders: list[int],
    seconds: float,
    deadline: float,
    seed: int,
    params: SearchParams,
    static: int,
) -> None:
    """On the spare core: the LP relaxation (on long runs), then a second search, LP-guided, with another seed."""
    proof = Certificate(static, {})
    if seconds >= params.helper_lp_seconds:
        relaxation = Relaxation(problem, orders)
        solved = relaxation.bound(seconds)
        conn.send(("bound", solved))
        if solved is not None:
            floor = relaxation.travel_floor(solved[0], seconds)
            conn.send(("floor", solved[0], floor))
            proof.absorb(solved[0], solved[1], floor)
    budget = Budget(deadline, None)
    if time.monotonic() < deadline:
        state, _ = squeaky(problem, costs, orders, params, budget, seconds, proof.bound, proof.guide)
        _anytime_search(
            state, orders, Neighbours(state, orders), proof, params, budget, random.Random(seed), Reporter(None)
        )
        conn.send(("plan", served_priority(state), plan_cost(state), dict(state.plan)))
    conn.close()


class _Helper:
    """A forked process on the spare core, solving the LP relaxation and a second search while the search runs."""

    def __init__(
        self,
        problem: Problem,
        costs: Costs,
        orders: list[int],
        budget: Budget,
        seed: int,
        params: SearchParams,
        static: int,
        certificate: Certificate,
    ) -> None:
        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe(duplex=False)
        seconds = budget.seconds_left()
        # Its plan must be back before the part's deadline.
        deadline = budget.deadline - max(0.02, params.helper_margin * seconds)
        args = (child, problem, costs, orders, seconds, deadline, seed + 7919, params, static)
        self.process = ctx.Process(target=_helper_child, args=args, daemon=True)
        self.process.start()
        child.close()
        self.certificate = certificate
        self.plan: tuple[int, float, dict[int, Placement]] | None = None
        self.done = False

    def poll(self, timeout: float = 0.0) -> None:
        """Absorb whatever the helper has sent (waiting up to timeout for something)."""
        while not self.done and self.conn.poll(timeout):
            try:
                message = self.conn.recv()
            except EOFError:
                self.done = True
                break
            if message[0] == "bound" and message[1] is not None:
                self.certificate.absorb(message[1][0], message[1][1], None)
                log.debug("helper: LP bound %d", message[1][0])
            elif message[0] == "floor":
                self.certificate.absorb(message[1], {}, message[2])
            elif message[0] == "plan":
                self.plan = message[1:]
                self.done = True

    def adopt_if_better(self, state: State, feasible: list[int], wait: float) -> None:
        """Take the helper's plan when it serves more, or as much with less cost."""
        self.poll(wait)
        if self.plan is None:
            return
        served, cost, placements = self.plan
        if (served, -cost) > (served_priority(state), -plan_cost(state)):
            log.debug("helper's plan is better: %d, %.1f", served, cost)
            _replace(state, feasible, placements)

    def close(self) -> None:
        """Stop the helper."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.conn.close()


def _inline_lp(problem: Problem, feasible: list[int], certificate: Certificate, seconds: float) -> None:
    relaxation = Relaxation(problem, feasible)
    solved = relaxation.bound(seconds)
    if solved is not None:
        certificate.absorb(solved[0], solved[1], None)


def solve_part(
    problem: Problem,
    costs: Costs,
    orders: list[int],
    *,
    seconds: float,
    seed: int,
    params: SearchParams,
    deterministic: bool,
    work_seconds: float | None = None,
    report: Reporter | None = None,
    helpers: bool = False,
) -> PartResult:
    """Solve one independent part within a wall-clock deadline (and in deterministic mode, a work budget).

    Deterministic: the work budget (work_seconds, by default seconds) decides how much search is done, so runs
    repeat; the deadline only stops a run that a busy machine has slowed down. Anytime: the deadline alone, or a
    proof that nothing better exists. helpers: a spare core may solve the LP relaxation alongside.
    """
    report = report or Reporter(None)
    began = time.monotonic()
    nominal = seconds if work_seconds is None else work_seconds
    # Deterministic: counted work decides, and the wall clock is only a distant safety net.
    wall = seconds * (params.deterministic_slack if deterministic else 1.0)
    budget = Budget(began + wall, nominal * params.dtime_per_second if deterministic else None)
    feasible = [oi for oi in orders if problem.info[oi].feasible]
    static = sum(problem.orders[oi].priority for oi in feasible)
    proof = Certificate(static, {})
    exact_size = len(feasible) <= params.exact_orders and _pairs(problem, feasible) <= params.exact_pairs
    # The LP proves a tighter bound than orders-served-alone, its served fractions say which orders to repair
    # first, and it gives a travel floor. A spare core solves it alongside; its wall time would make a
    # deterministic run differ, so there it runs inline, and only on long runs.
    helper = None
    if problem.complete and not exact_size and not deterministic and helpers:
        helper = _Helper(problem, costs, feasible, budget, seed, params, static, proof)
    try:
        return _search(problem, costs, feasible, static, proof, budget, nominal, seed, params, report, helper)
    finally:
        if helper is not None:
            helper.close()


def _search(
    problem: Problem,
    costs: Costs,
    feasible: list[int],
    static: int,
    proof: Certificate,
    budget: Budget,
    nominal: float,
    seed: int,
    params: SearchParams,
    report: Reporter,
    helper: _Helper | None,
) -> PartResult:
    """Construct, then solve exactly (small parts) or repair and polish until the budget ends or proof."""
    deterministic = budget.deterministic
    state, rounds = squeaky(problem, costs, feasible, params, budget, nominal, proof.bound)
    served = served_priority(state)
    if helper is not None:
        helper.poll()
    report(served, proof.bound, plan_cost(state), "construct")
    if deterministic:
        # What the constructions cost, as estimated (not measured) for repeatability.
        budget.spend(rounds * len(feasible) / params.orders_per_second * params.dtime_per_second)
    if len(feasible) <= params.exact_orders and _pairs(problem, feasible) <= params.exact_pairs:
        exact = _exact(state, feasible, budget, seed, static)
        if exact is not None:
            report(served_priority(state), exact.bound, plan_cost(state), "exact")
            return exact
    if helper is None and served < proof.bound and problem.complete and nominal >= params.lp_min_seconds:
        _inline_lp(problem, feasible, proof, max(1.0, budget.seconds_left() * params.lp_share))
    # Without an LP floor, orders-alone gives one when everything servable is served.
    alone = sum(min_travel(problem, costs, oi) for oi in feasible) if problem.complete else None

    seen: dict[str, float] = {}

    def proved() -> bool:
        if helper is not None:
            helper.poll()
        floors = [f for f in (proof.floor, alone if proof.bound == static else None) if f is not None]
        if not floors:
            return False
        if seen.get("version") != state.version:  # a plan's figures change only when the plan does
            seen.update(version=state.version, served=served_priority(state), cost=plan_cost(state))
        return seen["served"] >= proof.bound and seen["cost"] <= max(floors) + 1e-6

    budget.stop = proved if not deterministic else None
    rng = random.Random(seed)
    neighbours = Neighbours(state, feasible)
    if deterministic:
        _deterministic_search(state, feasible, neighbours, proof, params, budget, rng, seed, report)
    else:
        _anytime_search(state, feasible, neighbours, proof, params, budget, rng, report)
    # Last chance: any order that now fits as is. This pass may run past the deadline when a busy machine cut the
    # construction short: one greedy pass late is better than a plan missing most orders.
    for oi in sorted(feasible, key=lambda o: (-problem.orders[o].priority, o)):
        if oi not in state.plan:
            best = state.best_insert(oi)
            if best is not None:
                state.place(oi, best[1])
    if helper is not None and not proved():
        helper.adopt_if_better(state, feasible, wait=max(0.0, budget.deadline - time.monotonic()) + 0.05)
    optimal = not deterministic and proved()
    report(served_priority(state), proof.bound, plan_cost(state), "done")
    floors = [f for f in (proof.floor, alone if proof.bound == static else None) if f is not None]
    return PartResult(dict(state.plan), proof.bound, optimal, max(floors) if floors else None)


def _deterministic_search(
    state: State,
    feasible: list[int],
    neighbours: Neighbours,
    proof: Certificate,
    params: SearchParams,
    budget: Budget,
    rng: random.Random,
    seed: int,
    report: Reporter,
) -> None:
    """A fixed number of repair rounds in half the work, then polish rounds until one brings nothing."""
    for rnd in range(params.repair_rounds):
        if served_priority(state) >= proof.bound or not budget.left(0.5):
            break
        repair_round(
            state,
            feasible,
            neighbours,
            proof=proof,
            size=params.repair_neighbourhood,
            focus=1,
            params=params,
            budget=budget,
            rng=rng,
            seed=seed + rnd,
            share=0.5,
        )
        report(served_priority(state), proof.bound, plan_cost(state), "repair")
    while budget.left():
        if not polish_round(state, neighbours, size=params.neighbourhood, params=params, budget=budget, rng=rng):
            break
        report(served_priority(state), proof.bound, plan_cost(state), "polish")


def _anytime_search(
    state: State,
    feasible: list[int],
    neighbours: Neighbours,
    proof: Certificate,
    params: SearchParams,
    budget: Budget,
    rng: random.Random,
    report: Reporter,
) -> None:
    """Until the deadline or proof: repair while short of the bound, widening when stuck, polishing in between."""
    repair_size, polish_size, focus = params.repair_neighbourhood, params.neighbourhood, 1
    while budget.left():
        until = None
        if served_priority(state) < proof.bound:
            began = time.monotonic()
            more = repair_round(
                state,
                feasible,
                neighbours,
                proof=proof,
                size=repair_size,
                focus=focus,
                params=params,
                budget=budget,
                rng=rng,
                seed=rng.randrange(1 << 30),
            )
            report(served_priority(state), proof.bound, plan_cost(state), "repair")
            if more:
                continue
            # Stuck: look wider next time, letting the main blockers move to any team too.
            repair_size = min(params.max_neighbourhood, math.ceil(repair_size * params.widen))
            focus = min(params.max_focus, focus + 1)
            # Polish for about as long as the repair round took, so neither starves the other.
            steps = params.polish_slice
            until = time.monotonic() + max(params.polish_slice_seconds, time.monotonic() - began)
        else:
            steps = None
        improved = polish_round(
            state, neighbours, size=polish_size, params=params, budget=budget, rng=rng, steps=steps, until=until
        )
        report(served_priority(state), proof.bound, plan_cost(state), "polish")
        if not improved and steps is None:
            polish_size = min(params.max_neighbourhood, math.ceil(polish_size * params.widen))


class _Tracker:
    """The whole plan's progress from its parts' reports (fixed work included), passed to the callback."""

    def __init__(
        self,
        callback: ProgressCallback | None,
        t0: float,
        bounds: list[int],
        fixed: int,
        fixed_km: float,
        bound_above: int = 0,
    ) -> None:
        self.callback = callback
        self.t0 = t0
        self.fixed, self.fixed_km = fixed, fixed_km
        self.bound_above = bound_above  # bound beyond the parts' own (whose served is counted in the parts)
        self.parts = [(0, bound, 0.0) for bound in bounds]

    def part(self, index: int) -> Reporter:
        """A reporter for one part."""
        return Reporter(None if self.callback is None else lambda *news: self.update(index, *news))

    def update(self, index: int, served: int, bound: int, travel: float, stage: str) -> None:
        """Record a part's news and report the whole."""
        self.parts[index] = (served, bound, travel)
        if self.callback is not None:
            self.callback(
                Progress(
                    seconds=round(time.monotonic() - self.t0, 3),
                    served_priority=self.fixed + sum(p[0] for p in self.parts),
                    bound=self.fixed + self.bound_above + sum(p[1] for p in self.parts),
                    travel_km=round(self.fixed_km + sum(p[2] for p in self.parts), 3),
                    stage=stage,
                )
            )


_SHARED: dict[str, object] = {}


def _run_task(task: tuple[int, list[int], float, float, int]) -> PartResult:
    index, part, seconds, work_seconds, seed = task
    news: queue.Queue | None = _SHARED.get("news")  # type: ignore[assignment]
    send = None if news is None else (lambda *item: news.put((index, *item)))
    return solve_part(
        _SHARED["problem"],
        _SHARED["costs"],
        part,
        seconds=seconds,
        seed=seed,
        params=_SHARED["params"],
        deterministic=bool(_SHARED["deterministic"]),
        work_seconds=work_seconds,
        report=Reporter(send),
    )


def _solve_parts(
    problem: Problem,
    costs: Costs,
    parts: list[list[int]],
    *,
    seconds: float,
    seed: int,
    workers: int,
    nominal: float,
    params: SearchParams,
    deterministic: bool,
    tracker: _Tracker,
    helpers: bool,
) -> list[PartResult]:
    """Solve the parts, in forked processes when there are several workers; time shared by size."""
    total = sum(max(1, _pairs(problem, p)) for p in parts) or 1
    # Each worker gets about `seconds` (wall) and `nominal` (work); parts share them in proportion to their size.
    shares = [workers * max(1, _pairs(problem, p)) / total for p in parts]
    if workers <= 1 or len(parts) <= 1:
        results = []
        deadline = time.monotonic() + seconds
        for i, (part, share) in enumerate(zip(parts, shares, strict=True)):
            # Anytime: a part that proved itself early leaves its time to the parts after it.
            left = sum(shares[i:])
            secs = seconds * share if deterministic else max(0.05, (deadline - time.monotonic()) * share / left)
            results.append(
                solve_part(
                    problem,
                    costs,
                    part,
                    seconds=secs,
                    seed=seed + i,
                    params=params,
                    deterministic=deterministic,
                    work_seconds=nominal * share,
                    report=tracker.part(i),
                    helpers=helpers,
                )
            )
        return results
    secs = [seconds * share for share in shares]
    # Deal parts by size onto workers to see how loaded each is, and scale down an overloaded worker's parts.
    buckets: list[list[int]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for i in sorted(range(len(parts)), key=lambda i: (-secs[i], i)):
        w = min(range(workers), key=lambda k: (loads[k], k))
        buckets[w].append(i)
        loads[w] += secs[i]
    tasks: list[tuple[int, list[int], float, float, int]] = []
    for w, idx in enumerate(buckets):
        scale = seconds / loads[w] if loads[w] > seconds else 1.0
        for i in idx:
            tasks.append((i, parts[i], secs[i] * scale, nominal * shares[i] * scale, seed + i))
    tasks.sort()
    ctx = multiprocessing.get_context("fork")
    news = ctx.Queue() if tracker.callback is not None else None
    _SHARED.update(problem=problem, costs=costs, params=params, deterministic=deterministic, news=news)
    try:
        with ctx.Pool(workers) as pool:
            pending = pool.map_async(_run_task, tasks, chunksize=1)
            while news is not None and not pending.ready():
                with contextlib.suppress(queue.Empty):
                    tracker.update(*news.get(timeout=0.1))
            results = pending.get()
    finally:
        _SHARED.clear()
    while news is not None and not news.empty():
        tracker.update(*news.get())
    return results


def solve(
    instance: Instance,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int | None = None,
    preferences: Preferences | None = None,
    params: SearchParams | None = None,
    deterministic: bool = False,
    progress: ProgressCallback | None = None,
) -> Solution:
    """Dispatch every order it can: most priority served, then least travel, within time_limit seconds.

    Anytime by default: it uses the time unless it proves it cannot do better. deterministic=True bounds the
    search by counted work with one worker, so the same seed and time limit give the same answer. progress, if
    given, is called with a Progress as the best plan or the bound changes.
    """
    t0 = time.monotonic()
    prefs = preferences or Preferences()
    params = params or SearchParams()
    if deterministic:
        workers = 1
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    run = _Run(time_limit, seed, workers, prefs, params, deterministic, progress, t0)
    if len(instance.orders) > params.regional_above:
        return _solve_regional(instance, run)
    return _solve_plain(instance, run)


@dataclass(frozen=True)
class _Run:
    """What one solve was asked for: time limit (from t0), seed, processes, preferences, knobs, mode, callback."""

    time_limit: float
    seed: int
    workers: int
    prefs: Preferences
    params: SearchParams
    deterministic: bool
    progress: ProgressCallback | None
    t0: float


def _slowdown(wall: float, cpu: float) -> float:
    """How many times slower than its CPU time the work since (wall, cpu) ran: a busy machine's factor, at least 1."""
    return max(1.0, (time.perf_counter() - wall) / max(1e-3, time.process_time() - cpu))


def _solve_plain(
    instance: Instance, run: _Run, max_teams: int | None = None, prune_deadline: float | None = None
) -> Solution:
    time_limit, seed, workers, prefs, params = run.time_limit, run.seed, run.workers, run.prefs, run.params
    deterministic, progress, t0 = run.deterministic, run.progress, run.t0
    wall, cpu = time.perf_counter(), time.process_time()
    problem = Problem(instance, max_teams=max_teams, deadline=prune_deadline)
    costs = Costs(problem, prefs)
    parts = components(problem)
    # How much of a core this process gets (measured on the prune): a busy machine assembles slower.
    slowdown = _slowdown(wall, cpu)
    log.debug("pruned %d orders in %d parts after %.2f s", len(problem.free), len(parts), time.monotonic() - t0)
    per_order = params.assembly_seconds_per_order * len(instance.orders)
    reserve = min(params.assembly_share * time_limit, (params.assembly_seconds + per_order) * slowdown)
    if deterministic:
        reserve = 0.08 * time_limit + 0.3  # wide enough for a busy machine, so the work budget decides
    remaining = max(0.1, time_limit - (time.monotonic() - t0) - reserve)
    # The work budget assumes the prune took its usual time, so it does not depend on how busy the machine is.
    nominal = max(0.1, time_limit * 0.92 - 0.3 - len(problem.free) / params.prune_orders_per_second)
    fixed = sum(instance.order_by_id[f.order].priority for f in instance.fixed)
    fixed_km = sum(
        costs.travel(problem.dist.km(instance.volunteer_by_id[c.id].station, instance.order_by_id[a.order].station))
        for a in problem.fixed_assignments
        for c in a.volunteers
    )
    static = [sum(problem.orders[oi].priority for oi in part if problem.info[oi].feasible) for part in parts]
    tracker = _Tracker(progress, t0, static, fixed, fixed_km)
    use_workers = workers if _big_enough(problem, parts) else 1
    results = _solve_parts(
        problem,
        costs,
        parts,
        seconds=remaining,
        seed=seed,
        workers=use_workers,
        nominal=nominal,
        params=params,
        deterministic=deterministic,
        tracker=tracker,
        # A spare core and a process allowed to fork helpers (pool workers are not).
        helpers=workers > 1 and not multiprocessing.current_process().daemon,
    )
    placements: dict[int, Placement] = {}
    # Orders the prune had no time for are not proved unservable.
    bound = fixed + sum(problem.orders[oi].priority for oi in problem.unpruned)
    optimal = not problem.unpruned
    floor: float | None = fixed_km
    for part, result in zip(parts, results, strict=True):
        placements.update(result.placements)
        bound += result.bound
        optimal &= result.optimal
        served = sum(problem.orders[oi].priority for oi in part if oi in result.placements)
        # A plan serving the whole bound serves each part's bound, so the parts' floors add up.
        if floor is not None and served >= result.bound and result.travel_floor is not None:
            floor += result.travel_floor
        else:
            floor = None
    if not problem.complete:
        floor = None
    solution = build_solution(problem, costs, placements, bound, optimal, t0, travel_floor=floor)
    if progress is not None:
        stats = solution.stats
        progress(Progress(stats.seconds, stats.served_priority, stats.bound, stats.travel_km, "done"))
    return solution


def _solve_region(args: tuple[int, float, float, int, Preferences]) -> Solution:
    index, deadline, share, seed, prefs = args
    # Regions reach forked workers through _SHARED rather than pickled with each task: they are big.
    sub: Instance = _SHARED["regions"][index]  # type: ignore[index]
    # Deterministic: a region gets its fixed share of the time, so runs repeat, unless earlier regions ran long (a
    # busy machine, a slow prune) and its share of what is left is smaller. Anytime: its share of what is left, so
    # the time a region proved optimal or otherwise left unused goes to the regions after it.
    left, workers = _SHARED["orders_left"], int(_SHARED.get("workers", 1))
    params: SearchParams = _SHARED["params"]  # type: ignore[assignment]
    deterministic = bool(_SHARED["deterministic"])
    slowdown = _SHARED["slowdown"]
    if not deterministic:
        # The stitch's reserve at how busy the machine is now, as the regions before this one measured it.
        deadline = _stitch_start(_SHARED["stitch"], slowdown.value)  # type: ignore[arg-type]
    with left.get_lock():
        pending = left.value
        left.value -= len(sub.orders)
    parallel = min(workers, max(1, math.ceil(pending / max(1, len(sub.orders)))))
    catch_up = (deadline - time.monotonic()) * parallel * len(sub.orders) / max(1, pending)
    if deterministic:
        limit = max(0.3, share if catch_up * 0.95 >= 0.8 * share else catch_up * 0.95)
    else:
        # Never past the regions' deadline: a region bigger than those still waiting would otherwise be given more.
        limit = max(0.3, min(catch_up, deadline - time.monotonic()))
    news = _SHARED.get("news")
    progress = None
    if news is not None:

        def progress(p: Progress) -> None:
            news.put((index, p.served_priority, p.bound, p.travel_km, p.stage))

    # Within a region only nearby volunteers are considered; the whole-instance bound is proved afterwards.
    teams = params.region_teams if len(sub.teams) > 2 * params.region_teams else None
    began = time.monotonic()
    # A late region still searches a little: its pruning stops at a share of its time or at the regions' deadline.
    prune_deadline = min(deadline, began + params.region_prune_share * limit)
    if deterministic:
        prune_deadline = None  # counted work decides there, not the clock
    run = _Run(limit, seed, 1, prefs, params, deterministic, progress, began)
    wall, cpu = time.perf_counter(), time.process_time()
    solution = _solve_plain(sub, run, teams, prune_deadline)
    if not deterministic:
        # The worse of the last two regions' measures: one region's is noisy, and a stitch past the limit is worse
        # than one that ends a little early.
        measured, last = _slowdown(wall, cpu), _SHARED["last_slowdown"]
        with slowdown.get_lock():
            slowdown.value = max(measured, last.value)  # type: ignore[attr-defined]
            last.value = measured  # type: ignore[attr-defined]
    return solution


@dataclass(frozen=True)
class _StitchTime:
    """When a regional run must end, and what its stitch needs on an idle core and at most."""

    end: float
    need: float
    most: float

    def reserve(self, slowdown: float) -> float:
        """Seconds kept for the stitch when the machine runs slowdown times slower than an idle core."""
        return min(self.most, self.need * slowdown)


def _stitch_start(stitch_time: _StitchTime, slowdown: float) -> float:
    return stitch_time.end - stitch_time.reserve(slowdown)


def _solve_regional(instance: Instance, run: _Run) -> Solution:
    """Solve region by region in parallel, then give unserved orders one more chance across regions."""
    time_limit, seed, workers, prefs, params = run.time_limit, run.seed, run.workers, run.prefs, run.params
    deterministic, progress, t0 = run.deterministic, run.progress, run.t0
    wall, cpu = time.perf_counter(), time.process_time()
    subs = regions(instance, params.region_orders)
    # How much of a core this process gets (measured on cutting the regions): a busy machine stitches slower.
    slowdown = 1.0 if deterministic else _slowdown(wall, cpu)
    # The stitching after the regions needs a few seconds on a province; the regions get the rest.
    stitch_need = (
        params.stitch_seconds
        + params.stitch_seconds_per_volunteer * len(instance.volunteers)
        + params.stitch_seconds_per_order * len(instance.orders)
    )
    stitch_time = _StitchTime(t0 + time_limit, stitch_need, params.stitch_share * time_limit)
    reserve = stitch_time.reserve(slowdown)
    log.debug("%d regions; stitch reserve %.1f s (slowdown %.1f)", len(subs), reserve, slowdown)
    budget = max(0.5, time_limit - reserve)  # not the wall clock: each region's share must repeat exactly
    deadline = t0 + max(0.5, time_limit - reserve)
    total = sum(len(r.orders) for r in subs)
    par = min(workers, len(subs))
    jobs = sorted(
        ((i, deadline, budget * par * len(r.orders) / total * 0.95, seed + i, prefs) for i, r in enumerate(subs)),
        key=lambda j: (-len(subs[j[0]].orders), j[0]),
    )
    ctx = multiprocessing.get_context("fork")
    # Region bounds do not add up to a bound of the whole (orders may cross regions): report the trivial one. A
    # region's served priority already counts its accepted work, so none is added to it.
    tracker = _Tracker(progress, t0, [0] * len(subs), 0, 0.0, bound_above=instance.total_priority)
    news = ctx.Queue() if progress is not None else None
    _SHARED.update(
        regions=subs,
        orders_left=ctx.Value("i", total),
        workers=workers if len(jobs) > 1 else 1,
        params=params,
        deterministic=deterministic,
        news=news,
        # Each region measures how busy the machine is; the next one to start moves the stitch's reserve by it.
        slowdown=ctx.Value("d", slowdown),
        last_slowdown=ctx.Value("d", 0.0),
        stitch=stitch_time,
    )

    def drain() -> None:
        while news is not None and not news.empty():
            index, served, _, travel, stage = news.get()
            tracker.update(index, served, 0, travel, stage)

    try:
        if workers > 1 and len(jobs) > 1:
            with ctx.Pool(workers) as pool:
                pending = pool.map_async(_solve_region, jobs, chunksize=1)
                while news is not None and not pending.ready():
                    try:
                        index, served, _, travel, stage = news.get(timeout=0.1)
                        tracker.update(index, served, 0, travel, stage)
                    except queue.Empty:
                        pass
                sols = pending.get()
        else:
            sols = []
            for job in jobs:
                sols.append(_solve_region(job))
                drain()
        drain()
        if not deterministic:
            slowdown = _SHARED["slowdown"].value  # type: ignore[attr-defined]
    finally:
        _SHARED.clear()
    by_index = dict(zip((j[0] for j in jobs), sols, strict=True))
    log.debug("regions solved: %d after %.2f s (slowdown %.1f)", len(subs), time.monotonic() - t0, slowdown)
    # The stitch stops looking at orders in time to validate and assemble the whole answer.
    tail = (params.assembly_seconds + params.stitch_tail_per_order * len(instance.orders)) * slowdown
    stitch_deadline = None if deterministic else t0 + time_limit - tail
    solution = stitch(instance, [by_index[i] for i in sorted(by_index)], prefs, t0, deadline=stitch_deadline)
    if progress is not None:
        stats = solution.stats
        progress(Progress(stats.seconds, stats.served_priority, stats.bound, stats.travel_km, "done"))
    return solution


def _big_enough(problem: Problem, parts: list[list[int]]) -> bool:
    # Forking costs tens of milliseconds; only worth it when there is real work to share.
    return len(parts) > 1 and _pairs(problem, [o for p in parts[1:] for o in p]) > 2000
