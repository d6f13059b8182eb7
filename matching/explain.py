"""Why an order is left unserved: a machine code, the values of its sentence, and the English sentence.

REASONS lists every code the engine gives, with its sentence; a translation keys on the code and fills in the
same params.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from matching.candidates import Problem
from matching.domain import Order, Unassigned
from matching.state import State

REASONS: Mapping[str, str] = {
    "window_too_short": "every window of order {order} is shorter than its duration of {duration} minutes",
    "no_skill": "no volunteer has skill {skill}",
    "all_teams_excluded": "every team with skill {skill} ({teams}) is excluded from order {order}",
    "out_of_reach": "no volunteer with skill {skill} lives within their max_km of station {station}",
    "skill_at_max_orders": "every volunteer with skill {skill} in reach is at max_orders (accepted orders counted)",
    "not_available": (
        "no volunteer with skill {skill} in reach is free for {duration} minutes plus travel both ways in any window "
        "of order {order}"
    ),
    "no_team_with_all_skills": (
        "no single team has volunteers free at the same time for all needs ({needs}) in any window"
    ),
    "max_orders": "every qualified volunteer has reached max_orders",
    "capacity_taken": "capacity taken by higher-priority orders ({orders})",
    "busy": (
        "every qualified crew is busy in every window (with {orders}); serving order {order} would serve less "
        "priority overall"
    ),
    "busy_max_orders": (
        "every qualified crew is busy in every window (with {orders}), and {at_max} qualified volunteers are at "
        "max_orders; serving order {order} would serve less priority overall"
    ),
    "max_orders_partly": (
        "{at_max} of the {qualified} qualified volunteers have reached max_orders and the rest cannot form a crew at "
        "one time"
    ),
    "not_selected": "order {order} could not be fitted alongside the rest of the plan",
    "unknown": "order {order} was not considered",
}


def reason(order_id: str, code: str, /, **params: str | int) -> Unassigned:
    """An Unassigned with the code's sentence filled in from params."""
    return Unassigned(order_id, code, REASONS[code].format(**params), params)


def _need_text(o: Order) -> str:
    return ", ".join(f"{sk} x{n}" for sk, n in sorted(o.demand.items()))


def _listed(names: list[str]) -> str:
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")


def _station_km(problem: Problem, o: Order) -> np.ndarray:
    inst = problem.instance
    i = problem.st_index[o.station]
    lat0, lon0 = problem.st_lat[i], problem.st_lon[i]
    lat, lon = problem.st_lat, problem.st_lon
    h = np.sin((lat - lat0) / 2) ** 2 + np.cos(lat0) * np.cos(lat) * np.sin((lon - lon0) / 2) ** 2
    return inst.road_factor * 2 * 6371.0 * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def explain_order(problem: Problem, state: State, oi: int) -> Unassigned:
    """Why one unserved free order is unserved against the final plan, most fundamental cause first."""
    o = problem.orders[oi]
    if oi in problem.unpruned:
        return reason(o.id, "unknown", order=o.id)
    if all(b - a < o.duration for a, b in o.windows):
        return reason(o.id, "window_too_short", order=o.id, duration=o.duration)
    excluded = {problem.team_index[t] for t in o.exclude_teams}
    skills = sorted(o.demand)
    holders = {sk: problem.holders(sk) for sk in skills}
    for sk in skills:
        if len(holders[sk]) == 0:
            return reason(o.id, "no_skill", skill=sk)
    excluded_ix = np.array(sorted(excluded), dtype=np.int64)
    allowed = {sk: h[~np.isin(problem.vol_team[h], excluded_ix)] for sk, h in holders.items()}
    for sk in skills:
        if len(allowed[sk]) == 0:
            teams = sorted({problem.teams[t].id for t in problem.vol_team[holders[sk]].tolist()})
            return reason(o.id, "all_teams_excluded", skill=sk, teams=_listed(teams), order=o.id)
    km = _station_km(problem, o)
    for sk in skills:
        h = allowed[sk]
        if not (km[problem.vol_st[h]] <= problem.vol_maxkm[h] + 1e-6).any():
            return reason(o.id, "out_of_reach", skill=sk, station=o.station)
    info = problem.info.get(oi)
    if info is None:
        return reason(o.id, "unknown", order=o.id)
    for sk in skills:
        if not any(sk in pr.skills for op in info.options for pr in op.pairs):
            h = allowed[sk]
            reach = km[problem.vol_st[h]] <= problem.vol_maxkm[h] + 1e-6
            full = h[(problem.vol_cap[h] <= 0) & reach]
            if len(full) and len(full) == int(reach.sum()):
                return reason(o.id, "skill_at_max_orders", skill=sk)
            return reason(o.id, "not_available", skill=sk, duration=o.duration, order=o.id)
    if not info.feasible:
        return reason(o.id, "no_team_with_all_skills", needs=_need_text(o))
    # Statically servable: find who holds the qualified volunteers' time now.
    at_cap, blockers = 0, set()
    qualified = 0
    for op in info.options:
        if not op.feasible:
            continue
        for pr in op.pairs:
            qualified += 1
            if state.load.get(pr.volunteer, 0) >= problem.cap[pr.volunteer]:
                at_cap += 1
                continue
            for busy_from, busy_to, o2 in state.busy.get(pr.volunteer, ()):
                if any(
                    busy_from < hi + o.duration + pr.trip_minutes and busy_to > lo - pr.trip_minutes
                    for lo, hi in pr.ranges
                ):
                    blockers.add(o2)
    if qualified and at_cap == qualified:
        return reason(o.id, "max_orders")
    listed = _listed(sorted(problem.orders[b].id for b in blockers))
    if blockers and not at_cap and all(problem.orders[b].priority > o.priority for b in blockers):
        return reason(o.id, "capacity_taken", orders=listed)
    if blockers and at_cap:
        return reason(o.id, "busy_max_orders", orders=listed, at_max=at_cap, order=o.id)
    if blockers:
        return reason(o.id, "busy", orders=listed, order=o.id)
    if at_cap:
        return reason(o.id, "max_orders_partly", at_max=at_cap, qualified=qualified)
    return reason(o.id, "not_selected", order=o.id)


def explain_unassigned(
    problem: Problem, state: State, orders: list[int], known: dict[str, Unassigned] | None = None
) -> list[Unassigned]:
    """Reasons for every unserved order, in instance order; known reasons are reused as given."""
    out = []
    for oi in orders:
        o = problem.orders[oi]
        out.append(known[o.id] if known and o.id in known else explain_order(problem, state, oi))
    return out
