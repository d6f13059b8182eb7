"""Why an order is left unserved: a machine code and an English sentence, most fundamental cause first."""

from __future__ import annotations

import numpy as np

from matching.candidates import Problem
from matching.domain import Order, Unassigned
from matching.state import State


def _need_text(o: Order) -> str:
    return ", ".join(f"{sk} x{n}" for sk, n in sorted(o.demand.items()))


def _station_km(problem: Problem, o: Order) -> np.ndarray:
    inst = problem.instance
    i = problem.st_index[o.station]
    lat0, lon0 = problem.st_lat[i], problem.st_lon[i]
    lat, lon = problem.st_lat, problem.st_lon
    h = np.sin((lat - lat0) / 2) ** 2 + np.cos(lat0) * np.cos(lat) * np.sin((lon - lon0) / 2) ** 2
    return inst.road_factor * 2 * 6371.0 * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def explain_order(problem: Problem, state: State, oi: int) -> tuple[str, str]:
    """Code and sentence for one unserved free order against the final plan."""
    o = problem.orders[oi]
    if all(b - a < o.duration for a, b in o.windows):
        return "window_too_short", f"every window of order {o.id} is shorter than its duration of {o.duration} minutes"
    excluded = {problem.team_index[t] for t in o.exclude_teams}
    skills = sorted(o.demand)
    holders = {sk: problem.holders(sk) for sk in skills}
    for sk in skills:
        if len(holders[sk]) == 0:
            return "no_skill", f"no volunteer has skill {sk}"
    allowed = {
        sk: h[~np.isin(problem.vol_team[h], np.array(sorted(excluded), dtype=np.int64))] for sk, h in holders.items()
    }
    for sk in skills:
        if len(allowed[sk]) == 0:
            teams = sorted({problem.teams[t].id for t in problem.vol_team[holders[sk]].tolist()})
            return "all_teams_excluded", (
                f"every team with skill {sk} ({', '.join(teams[:5])}"
                f"{', ...' if len(teams) > 5 else ''}) is excluded from order {o.id}"
            )
    km = _station_km(problem, o)
    for sk in skills:
        h = allowed[sk]
        reach = km[problem.vol_st[h]] <= problem.vol_maxkm[h] + 1e-6
        if not reach.any():
            return "out_of_reach", f"no volunteer with skill {sk} lives within their max_km of station {o.station}"
    info = problem.info.get(oi)
    if info is None:
        return "unknown", f"order {o.id} was not considered"
    for sk in skills:
        if not any(sk in pr.skills for op in info.options for pr in op.pairs):
            h = allowed[sk]
            full = h[(problem.vol_cap[h] <= 0) & (km[problem.vol_st[h]] <= problem.vol_maxkm[h] + 1e-6)]
            if len(full) and len(full) == int((km[problem.vol_st[h]] <= problem.vol_maxkm[h] + 1e-6).sum()):
                return "max_orders", (
                    f"every volunteer with skill {sk} in reach is at max_orders (accepted orders counted)"
                )
            return "not_available", (
                f"no volunteer with skill {sk} in reach is free for {o.duration} minutes plus "
                f"travel both ways in any window of order {o.id}"
            )
    if not info.feasible:
        return "no_team_with_all_skills", (
            f"no single team has volunteers free at the same time for all needs ({_need_text(o)}) in any window"
        )
    # Statically servable: find who holds the qualified volunteers' time now.
    at_cap, blockers = 0, set()
    total = 0
    for op in info.options:
        if not op.feasible:
            continue
        for pr in op.pairs:
            total += 1
            if state.load.get(pr.v, 0) >= problem.cap[pr.v]:
                at_cap += 1
                continue
            for bs, be, o2 in state.busy.get(pr.v, ()):
                for lo, hi in pr.ranges:
                    if bs < hi + o.duration + pr.t and be > lo - pr.t:
                        blockers.add(o2)
    if total and at_cap == total:
        return "max_orders", "every qualified volunteer has reached max_orders"
    names = sorted(problem.orders[b].id for b in blockers)
    listed = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    if blockers and not at_cap and all(problem.orders[b].priority > o.priority for b in blockers):
        return "capacity_taken", f"capacity taken by higher-priority orders ({listed})"
    if blockers:
        capped = f", and {at_cap} qualified volunteers are at max_orders" if at_cap else ""
        return "busy", (
            f"every qualified crew is busy in every window (with {listed}){capped}; "
            f"serving order {o.id} would serve less priority overall"
        )
    if at_cap:
        return "max_orders", (
            f"{at_cap} of the {total} qualified volunteers have reached max_orders and the rest "
            f"cannot form a crew at one time"
        )
    return "not_selected", f"order {o.id} could not be fitted alongside the rest of the plan"


def explain_unassigned(
    problem: Problem, state: State, orders: list[int], known: dict[str, tuple[str, str]] | None = None
) -> list[Unassigned]:
    """Reasons for every unserved order, in instance order; known reasons are reused as given."""
    out = []
    for oi in orders:
        o = problem.orders[oi]
        if known and o.id in known:
            code, reason = known[o.id]
        else:
            code, reason = explain_order(problem, state, oi)
        out.append(Unassigned(o.id, code, reason))
    return out
