"""The LP relaxation: a proved upper bound on served priority, and per-order guidance.

It keeps team choice, crew counts per skill, distinct volunteers, max_orders and each volunteer's free time, and
drops only the exact timing; every real solution is a feasible point, so its optimum bounds the real optimum.
"""

from __future__ import annotations

import bisect
import math

from ortools.linear_solver import pywraplp

from matching.candidates import Problem


def lp_bound(problem: Problem, orders: list[int], seconds: float = 30.0) -> tuple[int, dict[int, float]] | None:
    """Floor of the LP optimum over the given free orders, and each order's served fraction; None if unsolved."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    solver.SetTimeLimit(int(seconds * 1000))
    inf = solver.infinity()
    obj = solver.Objective()
    obj.SetMaximization()
    vol_use: dict[int, list[pywraplp.Variable]] = {}
    vol_time: dict[int, dict[int, list[tuple[pywraplp.Variable, int]]]] = {}  # v -> interval (-1: any) -> terms
    served: dict[int, list[pywraplp.Variable]] = {}
    for oi in orders:
        o = problem.orders[oi]
        opts = [op for op in problem.info[oi].options if op.feasible]
        if not opts:
            continue
        one = solver.Constraint(-inf, 1.0)
        served[oi] = []
        for op in opts:
            x = solver.NumVar(0.0, 1.0, "")
            one.SetCoefficient(x, 1.0)
            obj.SetCoefficient(x, float(o.priority))
            served[oi].append(x)
            fill = {sk: solver.Constraint(0.0, 0.0) for sk in o.demand}
            for sk, n in o.demand.items():
                fill[sk].SetCoefficient(x, -float(n))
            for pr in op.pairs:
                cap = solver.Constraint(-inf, 0.0)  # a volunteer fills at most one need, and only if x
                cap.SetCoefficient(x, -1.0)
                avail = problem.avail[pr.v]
                ivs = {bisect.bisect_right(avail, (lo - pr.t, math.inf)) - 1 for lo, _ in pr.ranges}
                key = ivs.pop() if len(ivs) == 1 else -1
                for sk in pr.skills:
                    y = solver.NumVar(0.0, 1.0, "")
                    fill[sk].SetCoefficient(y, 1.0)
                    cap.SetCoefficient(y, 1.0)
                    vol_use.setdefault(pr.v, []).append(y)
                    vol_time.setdefault(pr.v, {}).setdefault(key, []).append((y, o.duration + 2 * pr.t))
    for v in sorted(vol_use):
        if len(vol_use[v]) > problem.cap[v]:
            c = solver.Constraint(-inf, float(problem.cap[v]))
            for y in vol_use[v]:
                c.SetCoefficient(y, 1.0)
        avail = problem.avail[v]
        total_free = sum(b - a for a, b in avail)
        everything = [t for terms in vol_time[v].values() for t in terms]
        if sum(w for _, w in everything) > total_free:
            c = solver.Constraint(-inf, float(total_free))
            for y, w in everything:
                c.SetCoefficient(y, float(w))
        for key, terms in sorted(vol_time[v].items()):
            if key < 0:
                continue
            length = avail[key][1] - avail[key][0]
            if sum(w for _, w in terms) > length:
                c = solver.Constraint(-inf, float(length))
                for y, w in terms:
                    c.SetCoefficient(y, float(w))
    if not served:
        return 0, {}
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        return None
    value = solver.Objective().Value()
    # Slack absorbs the LP tolerances, so rounding down can never cut below the true optimum.
    bound = math.floor(value * (1 + 1e-7) + 1e-4)
    return bound, {oi: sum(x.solution_value() for x in xs) for oi, xs in served.items()}
