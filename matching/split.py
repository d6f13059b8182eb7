"""Split an instance into independent sub-instances that can be solved anywhere, and merge their solutions."""

from __future__ import annotations

from collections.abc import Sequence

from matching.candidates import Problem
from matching.constraints import objective, validate
from matching.domain import Instance, Solution, Stats
from matching.regions import regions


def split_instance(instance: Instance, *, max_orders: int | None = None) -> list[Instance]:
    """Independent sub-instances: no volunteer can serve orders of two of them, fixed work included.

    Orders nobody could serve on their own go together into one last part, with every volunteer holding a needed
    skill, so that their reasons can still be told. With max_orders, parts bigger than that are cut further by
    geography (as the engine's regions are): those pieces are no longer independent, so merge them with
    `merge_solutions(..., independent=False)`.
    """
    if max_orders is not None:
        out = []
        for part in split_instance(instance):
            out += [part] if len(part.orders) <= max_orders else regions(part, max_orders)
        return out
    problem = Problem(instance)
    n = len(problem.orders)
    parent = list(range(n + len(problem.vols)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        a, b = find(a), find(b)
        if a != b:
            parent[max(a, b)] = min(a, b)

    stuck = []
    for oi in problem.free:
        if not problem.info[oi].feasible:
            stuck.append(oi)
            continue
        for op in problem.info[oi].options:
            if op.feasible:
                for pr in op.pairs:
                    union(oi, n + pr.volunteer)
    for f in instance.fixed:
        oi = problem.order_index[f.order]
        for vid in f.volunteers:
            union(oi, n + problem.vol_index[vid])
    groups: dict[int, tuple[list[int], list[int]]] = {}
    stuck_set = set(stuck)
    for oi in range(n):
        if oi not in stuck_set:
            groups.setdefault(find(oi), ([], []))[0].append(oi)
    for vi in range(len(problem.vols)):
        r = find(n + vi)
        if r in groups:
            groups[r][1].append(vi)
    parts = [_sub(instance, problem, orders, vols) for orders, vols in sorted(groups.values())]
    if stuck:
        skills = {sk for oi in stuck for sk in problem.orders[oi].demand}
        vols = [vi for vi, v in enumerate(problem.vols) if skills & set(v.skills)]
        parts.append(_sub(instance, problem, stuck, vols))
    return parts


def _sub(instance: Instance, problem: Problem, orders: list[int], vols: list[int]) -> Instance:
    volunteers = tuple(problem.vols[v] for v in sorted(vols))
    order_objs = tuple(problem.orders[o] for o in sorted(orders))
    team_ids = {v.team for v in volunteers}
    fixed = tuple(f for f in instance.fixed if f.order in {o.id for o in order_objs})
    team_ids |= {f.team for f in fixed}
    order_objs = tuple(o.within_teams(team_ids) for o in order_objs)
    teams = tuple(t for t in instance.teams if t.id in team_ids)
    st_ids = {t.station for t in teams} | {v.station for v in volunteers} | {o.station for o in order_objs}
    stations = tuple(s for s in instance.stations if s.id in st_ids)
    return Instance(
        stations,
        teams,
        volunteers,
        order_objs,
        fixed,
        instance.horizon_start,
        instance.horizon_minutes,
        instance.road_factor,
        instance.speed_kmh,
    )


def merge_solutions(instance: Instance, solutions: Sequence[Solution], *, independent: bool = True) -> Solution:
    """One solution of the whole instance from solutions of its split parts; raises ValueError if invalid.

    The bound is proved again on the whole instance (every unserved order that could be served on its own); for
    independent parts the sum of their bounds is valid too, and the smaller of the two is kept.
    """
    by_order_a = {a.order: a for s in solutions for a in s.assignments}
    by_order_u = {u.order: u for s in solutions for u in s.unassigned}
    assignments = tuple(by_order_a[o.id] for o in instance.orders if o.id in by_order_a)
    unassigned = tuple(by_order_u[o.id] for o in instance.orders if o.id in by_order_u and o.id not in by_order_a)
    merged = Solution(assignments, unassigned, Stats(0, 0.0, 0, 0.0, ""))
    errors = validate(instance, merged)
    if errors:
        raise ValueError("merged solution breaks hard rules: " + "; ".join(errors[:5]))
    served, km = objective(instance, merged)
    unserved = {o.id for o in instance.orders if o.id not in by_order_a}
    alone = Problem(instance, only_orders=unserved)
    bound = served + sum(alone.orders[oi].priority for oi in alone.free if alone.info[oi].feasible)
    if independent:
        bound = min(bound, sum(s.stats.bound for s in solutions))
    status = (
        "OPTIMAL" if independent and solutions and all(s.stats.status == "OPTIMAL" for s in solutions) else "FEASIBLE"
    )
    # Parts may have run in parallel, so the time is the slowest part's.
    stats = Stats(served, round(km, 3), max(bound, 0), max((s.stats.seconds for s in solutions), default=0.0), status)
    return Solution(assignments, unassigned, stats)
