"""CP-SAT over a subset of orders with exact start times, everything else held fixed.

Over all orders of a small part it is the exact model (its bound is a proof); over a neighbourhood it is one large
neighbourhood search step.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from matching.candidates import Option, Pair
from matching.state import UNIT, Placement, State


@dataclass(frozen=True)
class SubResult:
    """Placements found for a subset, the objective, the proved objective bound and whether it is optimal."""

    placements: dict[int, Placement]
    objective: int
    bound: int
    optimal: bool
    big: int
    work: float = 0.0  # CP-SAT deterministic time spent
    size: int = 0  # volunteer-order pairs in the model, a deterministic measure of the cost of building it
    found: bool = True  # False when CP-SAT found no solution within its limits


def evaluate(state: State, subset: list[int], big: int, placements: dict[int, Placement] | None = None) -> int:
    """The integer objective of a subset's placements (default: the current plan), as the model counts it."""
    base = _outside_load(state, set(subset)) if state.costs.prefs.fairness_weight else {}
    plan = state.plan if placements is None else placements
    total = 0
    for oi in subset:
        pl = plan.get(oi)
        if pl is not None:
            total += state.p.orders[oi].priority * big - _int_cost(state, oi, pl, base)
    return total


def _int_cost(state: State, oi: int, pl: Placement, base: dict[int, int]) -> int:
    pairs = {pr.v: pr for op in state.p.info[oi].options if op.team == pl.team for pr in op.pairs}
    c = sum(round(2 * pairs[v].km * UNIT) for v, _ in pl.crew)
    c += sum(round(x * UNIT) for x in state.costs.team_penalty(oi, pl.team).values())
    if state.costs.prefs.fairness_weight:
        c += sum(round(state.costs.volunteer_penalty(base.get(v, 0)) * UNIT) for v, _ in pl.crew)
    return c


def _outside_load(state: State, subset: set[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for v, lst in state.busy.items():
        out[v] = sum(1 for _, _, oi in lst if oi not in subset)
    return out


def _restricted(state: State, oi: int, max_teams: int | None, extra: int | None) -> list[tuple[int, list[Pair]]]:
    """The order's feasible teams and pairs, cut to the cheapest few (always keeping the current placement)."""
    p = state.p
    n = p.orders[oi].crew_size
    cur = state.plan.get(oi)
    crew = {v for v, _ in cur.crew} if cur else set()
    opts = [op for op in p.info[oi].options if op.feasible]
    if max_teams is not None and len(opts) > max_teams:

        def lb(op: Option) -> float:
            return sum(sorted(pr.km for pr in op.pairs)[:n]) + sum(state.costs.team_penalty(oi, op.team).values())

        ranked = sorted(opts, key=lambda op: (lb(op), op.team))
        keep = ranked[:max_teams]
        if cur and all(op.team != cur.team for op in keep):
            keep += [op for op in opts if op.team == cur.team]
        opts = sorted(keep, key=lambda op: op.team)
    out = []
    for op in opts:
        pairs = op.pairs
        if extra is not None and len(pairs) > n + extra:
            ranked_p = sorted(pairs, key=lambda pr: (pr.km, pr.v))
            chosen = ranked_p[: n + extra]
            if cur and cur.team == op.team:
                chosen += [pr for pr in ranked_p[n + extra :] if pr.v in crew]
            pairs = sorted(chosen, key=lambda pr: pr.v)
        out.append((op.team, pairs))
    return out


def solve_subset(
    state: State,
    subset: list[int],
    *,
    seed: int,
    dtime: float,
    seconds: float,
    workers: int = 1,
    hint: bool = True,
    max_teams: int | None = None,
    extra: int | None = None,
    focus: frozenset[int] = frozenset(),
) -> SubResult:
    """Re-place the orders of subset optimally (within limits) around the rest of the plan.

    max_teams and extra cut each order to its cheapest teams and volunteers, which keeps LNS steps small; orders in
    focus keep all of theirs.
    """
    p = state.p
    sub = set(subset)
    fair = state.costs.prefs.fairness_weight
    base_load = _outside_load(state, sub) if fair else {}
    m = cp_model.CpModel()
    options = {
        oi: _restricted(state, oi, None, None) if oi in focus else _restricted(state, oi, max_teams, extra)
        for oi in subset
    }
    # Data: what each order could cost, so one unit of priority outranks all travel of the subset.
    big = 1
    for oi in subset:
        n = p.orders[oi].crew_size
        worst = 0
        for team, pairs in options[oi]:
            per = sorted(
                (
                    round(2 * pr.km * UNIT)
                    + (round(state.costs.volunteer_penalty(base_load.get(pr.v, 0)) * UNIT) if fair else 0)
                    for pr in pairs
                ),
                reverse=True,
            )[:n]
            pen = sum(round(x * UNIT) for x in state.costs.team_penalty(oi, team).values())
            worst = max(worst, sum(per) + pen)
        big += worst
    # Variables and constraints.
    vol_intervals: dict[int, list[cp_model.IntervalVar]] = {}
    vol_uses: dict[int, list[cp_model.IntVar]] = {}
    terms: list[tuple[cp_model.IntVar, int]] = []
    present: dict[int, cp_model.IntVar] = {}
    team_lit: dict[int, dict[int, cp_model.IntVar]] = {}
    skill_lit: dict[int, dict[tuple[int, str], cp_model.IntVar]] = {}
    starts: dict[int, cp_model.IntVar] = {}
    for oi in subset:
        o = p.orders[oi]
        opts = options[oi]
        if not opts:
            continue
        spans = sorted({r for _, pairs in opts for pr in pairs for r in pr.ranges})
        s = m.new_int_var_from_domain(cp_model.Domain.from_intervals([list(r) for r in spans]), f"s{oi}")
        starts[oi] = s
        pres = m.new_bool_var(f"p{oi}")
        present[oi] = pres
        terms.append((pres, o.priority * big))
        xs = []
        team_lit[oi] = {}
        skill_lit[oi] = {}
        cur = state.plan.get(oi) if hint else None
        for team, pairs in opts:
            x = m.new_bool_var(f"x{oi}_{team}")
            team_lit[oi][team] = x
            xs.append(x)
            pen = sum(round(v * UNIT) for v in state.costs.team_penalty(oi, team).values())
            if pen:
                terms.append((x, -pen))
            by_skill: dict[str, list[cp_model.IntVar]] = {sk: [] for sk in o.demand}
            in_crew = {v for v, _ in cur.crew} if cur is not None and cur.team == team else set()
            for pr in pairs:
                if len(pr.skills) == 1:
                    u = m.new_bool_var(f"u{oi}_{pr.v}")
                    by_skill[pr.skills[0]].append(u)
                    skill_lit[oi][pr.v, pr.skills[0]] = u
                else:
                    u = m.new_bool_var(f"u{oi}_{pr.v}")
                    ys = []
                    for sk in pr.skills:
                        y = m.new_bool_var(f"y{oi}_{pr.v}_{sk}")
                        by_skill[sk].append(y)
                        skill_lit[oi][pr.v, sk] = y
                        ys.append(y)
                    m.add(sum(ys) == u)
                    if cur is not None:
                        m.add_hint(u, pr.v in in_crew)
                cost = round(2 * pr.km * UNIT)
                if fair:
                    cost += round(state.costs.volunteer_penalty(base_load.get(pr.v, 0)) * UNIT)
                if cost:
                    terms.append((u, -cost))
                if len(pr.ranges) == 1:
                    lo, hi = pr.ranges[0]
                    m.add(s >= lo).only_enforce_if(u)
                    m.add(s <= hi).only_enforce_if(u)
                else:
                    rs = []
                    hinted = False
                    for lo, hi in pr.ranges:
                        r = m.new_bool_var("")
                        m.add(s >= lo).only_enforce_if(r)
                        m.add(s <= hi).only_enforce_if(r)
                        rs.append(r)
                        if cur is not None:
                            on = pr.v in in_crew and lo <= cur.start <= hi and not hinted
                            hinted |= on
                            m.add_hint(r, on)
                    m.add(sum(rs) == u)
                iv = m.new_optional_interval_var(s - pr.t, o.duration + 2 * pr.t, s + o.duration + pr.t, u, "")
                vol_intervals.setdefault(pr.v, []).append(iv)
                vol_uses.setdefault(pr.v, []).append(u)
            for sk, n in o.demand.items():
                m.add(sum(by_skill[sk]) == n * x)
        m.add(sum(xs) == pres)
    if not starts:
        return SubResult({}, 0, 0, True, big, 0.0, 0)
    for v in sorted(vol_intervals):
        others = [(a, b) for a, b, oi in state.busy.get(v, ()) if oi not in sub]
        ivs = vol_intervals[v] + [m.new_fixed_size_interval_var(a, b - a, "") for a, b in others]
        if len(ivs) > 1:
            m.add_no_overlap(ivs)
        room = p.cap[v] - len(others)
        if room < len(vol_uses[v]):
            m.add(sum(vol_uses[v]) <= max(room, 0))
    m.maximize(sum(c * x for x, c in terms))
    if hint:
        for oi, pres in present.items():
            pl = state.plan.get(oi)
            m.add_hint(pres, pl is not None)
            if pl is not None:
                m.add_hint(starts[oi], pl.start)
                for team, x in team_lit[oi].items():
                    m.add_hint(x, team == pl.team)
                chosen = set(pl.crew)
                for key, y in skill_lit[oi].items():
                    m.add_hint(y, key in chosen)
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = workers
    prm.random_seed = seed
    prm.max_deterministic_time = dtime
    prm.max_time_in_seconds = seconds
    status = solver.solve(m)
    size = sum(len(pairs) for opts in options.values() for _, pairs in opts)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return SubResult({}, 0, 0, False, big, solver.response_proto.deterministic_time, size, False)
    out: dict[int, Placement] = {}
    for oi, pres in present.items():
        if not solver.boolean_value(pres):
            continue
        team = next(t for t, x in team_lit[oi].items() if solver.boolean_value(x))
        crew = tuple(sorted(key for key, y in skill_lit[oi].items() if solver.boolean_value(y)))
        out[oi] = Placement(team, solver.value(starts[oi]), crew)
    return SubResult(
        out,
        round(solver.objective_value),
        round(solver.best_objective_bound),
        status == cp_model.OPTIMAL,
        big,
        solver.response_proto.deterministic_time,
        size,
    )
