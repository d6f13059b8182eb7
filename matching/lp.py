"""The time-indexed LP relaxation: a proved upper bound on served priority, per-order guidance, and a travel floor.

Variables: x[order, team] (the order is served by that team) and y[order, volunteer, skill] (the volunteer fills
that need). Rows keep team choice, crew counts per skill, one need per volunteer, max_orders, each availability
interval's length, and, time-indexed, each volunteer's *sure* busy blocks: an order whose start is confined to
[lo, hi] surely keeps its crew busy over [hi - t, lo + duration + t), so at any minute the orders whose sure blocks
cover it can use that volunteer at most once in total (one row per maximal such set). Every real solution is a
feasible point, so the LP optimum bounds the real optimum. Solved with HiGHS (highspy) from sparse arrays, or with
GLOP when highspy is not installed.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from matching.candidates import Problem
from matching.params import log

try:
    import highspy
except ImportError:  # pragma: no cover - the GLOP fallback is exercised where highspy is missing
    highspy = None

# Slack absorbing solver tolerances, so rounding an optimum down never cuts below the true optimum.
TOLERANCE = 1e-6


@dataclass
class _Rows:
    """A sparse row-wise LP under construction."""

    lower: list[float]
    upper: list[float]
    row: list[int]
    col: list[int]
    val: list[float]

    def add(self, cols: list[int], vals: list[float], lower: float, upper: float) -> None:
        """Append one row lower <= sum(vals * cols) <= upper."""
        index = len(self.lower)
        self.lower.append(lower)
        self.upper.append(upper)
        self.row += [index] * len(cols)
        self.col += cols
        self.val += vals


def _maximal_cliques(blocks: list[tuple[int, int, int]]) -> list[list[int]]:
    """Maximal sets of half-open blocks (start, end, column) sharing a minute, with at least two members."""
    events = sorted([(s, 1, c) for s, e, c in blocks if s < e] + [(e, 0, c) for s, e, c in blocks if s < e])
    active: set[int] = set()
    out = []
    grew = False
    for _, is_start, col in events:
        if is_start:
            active.add(col)
            grew = True
        else:
            if grew and len(active) >= 2:
                out.append(sorted(active))
            grew = False
            active.discard(col)
    return out


class Relaxation:
    """The LP of some free orders of a problem, solved for a bound and, on request, for a travel floor."""

    def __init__(self, problem: Problem, orders: list[int]) -> None:
        self.problem = problem
        inf = math.inf
        rows = _Rows([], [], [], [], [])
        priority: list[float] = []  # per column: the order's priority on x columns, 0 on y
        travel: list[float] = []  # per column: round-trip km on y columns, 0 on x
        self.served_cols: dict[int, list[int]] = {}
        uses: dict[int, list[tuple[int, float]]] = {}  # volunteer -> (y column, busy minutes)
        by_interval: dict[tuple[int, int], list[tuple[int, float]]] = {}
        sure: dict[int, list[tuple[int, int, list[int]]]] = {}  # volunteer -> (from, to, y columns of the pair)
        n_cols = 0
        for oi in orders:
            order = problem.orders[oi]
            opts = [op for op in problem.info[oi].options if op.feasible]
            if not opts:
                continue
            xs = []
            for op in opts:
                x = n_cols
                n_cols += 1
                xs.append(x)
                priority.append(float(order.priority))
                travel.append(0.0)
                fill: dict[str, list[int]] = {skill: [] for skill in order.demand}
                for pr in op.pairs:
                    ys = []
                    for skill in pr.skills:
                        ys.append(n_cols)
                        fill[skill].append(n_cols)
                        n_cols += 1
                        priority.append(0.0)
                        travel.append(2 * pr.km)
                    # A volunteer fills at most one need, and only if the order is served by its team (implied when
                    # it holds one needed skill of which one is needed: the fill row then caps it at x).
                    if len(ys) > 1 or order.demand[pr.skills[0]] > 1:
                        rows.add([*ys, x], [1.0] * len(ys) + [-1.0], -inf, 0.0)
                    busy = order.duration + 2 * pr.trip_minutes
                    for y in ys:
                        uses.setdefault(pr.volunteer, []).append((y, float(busy)))
                    avail = problem.avail[pr.volunteer]
                    where = {bisect.bisect_right(avail, (lo - pr.trip_minutes, math.inf)) - 1 for lo, _ in pr.ranges}
                    if len(where) == 1:
                        by_interval.setdefault((pr.volunteer, where.pop()), []).extend((y, float(busy)) for y in ys)
                    latest = max(hi for _, hi in pr.ranges)
                    earliest = min(lo for lo, _ in pr.ranges)
                    if latest - pr.trip_minutes < earliest + order.duration + pr.trip_minutes:
                        sure.setdefault(pr.volunteer, []).append(
                            (latest - pr.trip_minutes, earliest + order.duration + pr.trip_minutes, ys)
                        )
                for skill, count in order.demand.items():
                    rows.add([*fill[skill], x], [1.0] * len(fill[skill]) + [-float(count)], 0.0, 0.0)
            rows.add(xs, [1.0] * len(xs), -inf, 1.0)
            self.served_cols[oi] = xs
        for v, terms in uses.items():
            if len(terms) > problem.cap[v]:
                rows.add([y for y, _ in terms], [1.0] * len(terms), -inf, float(problem.cap[v]))
            total_free = sum(b - a for a, b in problem.avail[v])
            if sum(w for _, w in terms) > total_free:
                rows.add([y for y, _ in terms], [w for _, w in terms], -inf, float(total_free))
        for (v, k), terms in by_interval.items():
            a, b = problem.avail[v][k]
            if sum(w for _, w in terms) > b - a:
                rows.add([y for y, _ in terms], [w for _, w in terms], -inf, float(b - a))
        n_cliques = 0
        for blocks in sure.values():
            if len(blocks) < 2:
                continue
            members = {i: ys for i, (_, _, ys) in enumerate(blocks)}
            for clique in _maximal_cliques([(s, e, i) for i, (s, e, _) in enumerate(blocks)]):
                cols = [y for i in clique for y in members[i]]
                rows.add(cols, [1.0] * len(cols), -inf, 1.0)
                n_cliques += 1
        self.n_cols, self.rows = n_cols, rows
        self.priority = np.array(priority)
        self.travel = np.array(travel)
        log.debug("LP: %d columns, %d rows (%d sure-block cliques)", n_cols, len(rows.lower), n_cliques)

    def _solve(
        self, objective: np.ndarray, maximize: bool, extra: tuple[np.ndarray, float] | None, seconds: float
    ) -> tuple[float, np.ndarray] | None:
        """Optimum and primal values of the LP with an objective (and one extra row `extra >= value`)."""
        rows = self.rows
        lower, upper = list(rows.lower), list(rows.upper)
        row, col, val = list(rows.row), list(rows.col), list(rows.val)
        if extra is not None:
            coefs, at_least = extra
            nz = np.nonzero(coefs)[0]
            row += [len(lower)] * len(nz)
            col += nz.tolist()
            val += coefs[nz].tolist()
            lower.append(at_least)
            upper.append(math.inf)
        if highspy is not None:
            return _solve_highs(self.n_cols, objective, maximize, lower, upper, row, col, val, seconds)
        return _solve_glop(self.n_cols, objective, maximize, lower, upper, row, col, val, seconds)

    def bound(self, seconds: float) -> tuple[int, dict[int, float]] | None:
        """Floor of the LP optimum, and each order's served fraction; None if unsolved in time."""
        if not self.served_cols:
            return 0, {}
        solved = self._solve(self.priority, True, None, seconds)
        if solved is None:
            return None
        value, primal = solved
        bound = math.floor(value * (1 + TOLERANCE) + 1e-4)
        return bound, {oi: float(primal[xs].sum()) for oi, xs in self.served_cols.items()}

    def travel_floor(self, served: int, seconds: float) -> float | None:
        """A lower bound on the travel (km) of any plan of these orders serving at least `served` priority."""
        if not self.served_cols:
            return 0.0
        # The served row is relaxed by the tolerance, so the floor stays valid for the exact optimum.
        solved = self._solve(self.travel, False, (self.priority, served - 1e-6 * max(1, served)), seconds)
        if solved is None:
            return None
        value, _ = solved
        return max(0.0, value * (1 - TOLERANCE) - 1e-3)


def _solve_highs(n_cols, objective, maximize, lower, upper, row, col, val, seconds):
    model = highspy.HighsLp()
    model.num_col_ = n_cols
    model.num_row_ = len(lower)
    model.col_cost_ = np.asarray(objective, dtype=float)
    model.col_lower_ = np.zeros(n_cols)
    model.col_upper_ = np.ones(n_cols)
    model.row_lower_ = np.asarray(lower, dtype=float)
    model.row_upper_ = np.asarray(upper, dtype=float)
    model.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    rows = np.asarray(row, dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=len(lower))
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.num_col_ = n_cols
    model.a_matrix_.num_row_ = len(lower)
    model.a_matrix_.start_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    model.a_matrix_.index_ = np.asarray(col, dtype=np.int32)[order]
    model.a_matrix_.value_ = np.asarray(val, dtype=float)[order]
    # The bare binding: highspy.Highs prints a banner to stdout when built, and stdout may carry a solution.
    solver = getattr(getattr(highspy, "_core", None), "_Highs", highspy.Highs)()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("time_limit", float(max(0.1, seconds)))
    solver.setOptionValue("threads", 1)
    # Measured on every family: HiGHS's presolve costs more than it saves on these sparse 0-1 rows (the dual
    # simplex alone is 1.5-3x faster, to the same optimum), and a bound that arrives sooner serves short runs too.
    solver.setOptionValue("presolve", "off")
    solver.passModel(model)
    solver.run()
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return solver.getInfo().objective_function_value, np.asarray(solver.getSolution().col_value)


def _solve_glop(n_cols, objective, maximize, lower, upper, row, col, val, seconds):
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("GLOP")
    solver.SetTimeLimit(int(seconds * 1000))
    variables = [solver.NumVar(0.0, 1.0, "") for _ in range(n_cols)]
    inf = solver.infinity()
    constraints = [
        solver.Constraint(-inf if lo == -math.inf else lo, inf if hi == math.inf else hi)
        for lo, hi in zip(lower, upper, strict=True)
    ]
    for r, c, v in zip(row, col, val, strict=True):
        constraints[r].SetCoefficient(variables[c], v)
    goal = solver.Objective()
    for c, coef in enumerate(objective):
        if coef:
            goal.SetCoefficient(variables[c], float(coef))
    if maximize:
        goal.SetMaximization()
    else:
        goal.SetMinimization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return goal.Value(), np.array([x.solution_value() for x in variables])


def lp_bound(problem: Problem, orders: list[int], seconds: float = 30.0) -> tuple[int, dict[int, float]] | None:
    """Floor of the LP optimum over the given free orders, and each order's served fraction; None if unsolved."""
    return Relaxation(problem, orders).bound(seconds)
