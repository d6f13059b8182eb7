"""Scale by geography: cut a big instance into regions of nearby stations, solve them in parallel, stitch them.

Stations closer than LINK_KM (road) are linked; linked groups that are still too big are bisected along their
wider axis; groups are packed into regions of at most max_orders orders. A team, its volunteers and the orders of
its stations belong to one region, so region solutions never share a volunteer and merge into a valid whole. Only
cross-region dispatch is given up; the proved bound is taken over the whole instance.
"""

from __future__ import annotations

import math
import time

import numpy as np

from matching.assemble import EngineError, assignment
from matching.candidates import Problem
from matching.constraints import objective, validate
from matching.domain import Instance, Order, Preferences, Solution, Stats
from matching.explain import explain_unassigned
from matching.params import log
from matching.score import Costs
from matching.state import State

LINK_KM = 20.0


def _station_groups(instance: Instance, weight: dict[str, int], max_orders: int) -> list[list[int]]:
    sts = instance.stations
    lat = np.radians(np.array([s.lat for s in sts]))
    lon = np.radians(np.array([s.lon for s in sts]))
    n = len(sts)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i in range(n):
        h = (
            np.sin((lat[i + 1 :] - lat[i]) / 2) ** 2
            + np.cos(lat[i]) * np.cos(lat[i + 1 :]) * np.sin((lon[i + 1 :] - lon[i]) / 2) ** 2
        )
        km = instance.road_factor * 2 * 6371.0 * np.arcsin(np.minimum(1.0, np.sqrt(h)))
        for j in (np.nonzero(km <= LINK_KM)[0] + i + 1).tolist():
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    out: list[list[int]] = []
    todo = sorted(groups.values())
    while todo:
        g = todo.pop()
        w = sum(weight.get(sts[i].id, 0) for i in g)
        if w <= max_orders or len(g) == 1:
            out.append(g)
            continue
        # Bisect at the weighted median along the wider axis.
        la = [sts[i].lat for i in g]
        lo = [sts[i].lon for i in g]
        wide_lat = (max(la) - min(la)) >= (max(lo) - min(lo)) * math.cos(math.radians(sum(la) / len(la)))
        key = (lambda i: (sts[i].lat, sts[i].id)) if wide_lat else (lambda i: (sts[i].lon, sts[i].id))
        ordered = sorted(g, key=key)
        acc, cut = 0, 1
        for k, i in enumerate(ordered):
            acc += weight.get(sts[i].id, 0)
            if acc * 2 >= w:
                cut = max(1, min(len(ordered) - 1, k + 1))
                break
        todo += [ordered[:cut], ordered[cut:]]
    return out


def regions(instance: Instance, max_orders: int) -> list[Instance]:
    """Sub-instances by geography, each with at most about max_orders orders."""
    team_station = {t.id: t.station for t in instance.teams}
    fixed_team = {f.order: f.team for f in instance.fixed}

    def home(o: Order) -> str:
        return team_station[fixed_team[o.id]] if o.id in fixed_team else o.station

    weight: dict[str, int] = {}
    for o in instance.orders:
        weight[home(o)] = weight.get(home(o), 0) + 1
    groups = _station_groups(instance, weight, max_orders)
    # Pack groups into bins, biggest first, so regions are few and balanced.
    bins: list[tuple[int, list[int]]] = []
    for g in sorted(groups, key=lambda g: (-sum(weight.get(instance.stations[i].id, 0) for i in g), g[0])):
        w = sum(weight.get(instance.stations[i].id, 0) for i in g)
        for k, (bw, members) in enumerate(bins):
            if bw + w <= max_orders:
                bins[k] = (bw + w, members + g)
                break
        else:
            bins.append((w, list(g)))
    region_of = {instance.stations[i].id: r for r, (_, members) in enumerate(bins) for i in members}
    out = []
    for r in range(len(bins)):
        teams = tuple(t for t in instance.teams if region_of[t.station] == r)
        team_ids = {t.id for t in teams}
        vols = tuple(v for v in instance.volunteers if v.team in team_ids)
        orders = tuple(o.within_teams(team_ids) for o in instance.orders if region_of[home(o)] == r)
        if not orders:
            continue
        ids = {o.id for o in orders}
        fixed = tuple(f for f in instance.fixed if f.order in ids)
        st_ids = {t.station for t in teams} | {v.station for v in vols} | {o.station for o in orders}
        stations = tuple(s for s in instance.stations if s.id in st_ids)
        out.append(
            Instance(
                stations,
                teams,
                vols,
                orders,
                fixed,
                instance.horizon_start,
                instance.horizon_minutes,
                instance.road_factor,
                instance.speed_kmh,
            )
        )
    return out


def stitch(
    instance: Instance, solutions: list[Solution], prefs: Preferences, t0: float, *, deadline: float | None = None
) -> Solution:
    """Merge region solutions, give each unserved order one more chance across regions, and prove the bound.

    The bound counts every order that could be served on its own, taken over the whole instance, and every order
    the deadline left no time to look at.
    """
    by_order = {a.order: a for sol in solutions for a in sol.assignments}
    unserved = {o.id for o in instance.orders if o.id not in by_order}
    # One look at the whole instance for the unserved orders: can they be served at all (the bound), can they be
    # served now by another region's team (insertion), and if not, why.
    # Every fixed assignment was checked by the region that holds it.
    problem = Problem(instance, only_orders=unserved, trusted_fixed=True, deadline=deadline)
    log.debug("stitch problem built after %.2f s", time.monotonic() - t0)
    costs = Costs(problem, prefs)
    state = State(problem, costs)
    fixed_ids = set(instance.fixed_by_order)
    for a in by_order.values():
        if a.order not in fixed_ids:  # fixed work is already folded into the problem
            state.occupy(problem.order_index[a.order], a.start, [problem.vol_index[c.id] for c in a.volunteers])
    bound = sum(o.priority for o in instance.orders if o.id not in unserved)
    bound += sum(problem.orders[oi].priority for oi in problem.unpruned)
    for oi in sorted(problem.free, key=lambda oi: (-problem.orders[oi].priority, oi)):
        if problem.info[oi].feasible:
            bound += problem.orders[oi].priority
            if deadline is not None and time.monotonic() >= deadline:
                continue
            best = state.best_insert(oi)
            if best is not None:
                state.place(oi, best[1])
    log.debug("cross-region insertion: %d more", len(state.plan))
    new = {problem.orders[oi].id: assignment(problem, state, oi, pl) for oi, pl in state.plan.items()}
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
    stats = Stats(served, round(km, 3), bound, round(time.monotonic() - t0, 3), "FEASIBLE")
    return Solution(assignments, unassigned, stats)
