"""CP-SAT over a subset of orders with exact start times, everything else held fixed.

Over all orders of a small part it is the exact model (its bound is a proof); over a neighbourhood it is one large
neighbourhood search step. The model reads as Data / Variables / Constraints / Objective / Solve.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    value = 0
    for oi in subset:
        placement = plan.get(oi)
        if placement is not None:
            value += state.problem.orders[oi].priority * big - _int_cost(state, oi, placement, base)
    return value


def _int_cost(state: State, oi: int, placement: Placement, base: dict[int, int]) -> int:
    """The model's integer cost of a placement: the same score terms, in metres."""
    pairs = {pr.volunteer: pr for op in state.problem.info[oi].options if op.team == placement.team for pr in op.pairs}
    costs = state.costs
    cost = sum(_metres(costs.volunteer_cost(pairs[v].km, base.get(v, 0))) for v, _ in placement.crew)
    return cost + _metres(sum(costs.team_penalty(oi, placement.team).values()))


def _metres(km: float) -> int:
    return round(km * UNIT)


def _outside_load(state: State, subset: set[int]) -> dict[int, int]:
    """Orders each volunteer serves outside the subset: the load its fair-spread term is priced at."""
    return {v: sum(1 for _, _, oi in lst if oi not in subset) for v, lst in state.busy.items()}


def _restricted(state: State, oi: int, max_teams: int | None, extra: int | None) -> list[tuple[int, list[Pair]]]:
    """The order's feasible teams and pairs, cut to the cheapest few (always keeping the current placement)."""
    problem = state.problem
    crew_size = problem.orders[oi].crew_size
    current = state.plan.get(oi)
    crew = {v for v, _ in current.crew} if current else set()
    opts = [op for op in problem.info[oi].options if op.feasible]
    if max_teams is not None and len(opts) > max_teams:

        def cheapest(op: Option) -> float:
            travel = sum(sorted(state.costs.travel(pr.km) for pr in op.pairs)[:crew_size])
            return travel + sum(state.costs.team_penalty(oi, op.team).values())

        ranked = sorted(opts, key=lambda op: (cheapest(op), op.team))
        keep = ranked[:max_teams]
        if current and all(op.team != current.team for op in keep):
            keep += [op for op in opts if op.team == current.team]
        opts = sorted(keep, key=lambda op: op.team)
    out = []
    for op in opts:
        pairs = op.pairs
        if extra is not None and len(pairs) > crew_size + extra:
            pairs = _nearest_per_skill(pairs, problem.orders[oi].demand, extra, crew)
        out.append((op.team, pairs))
    return out


def _nearest_per_skill(pairs: list[Pair], demand: dict[str, int], extra: int, crew: set[int]) -> list[Pair]:
    """The nearest volunteers holding each needed skill, extra more than it needs, and the current crew.

    Per skill rather than overall: an order held off a scarce volunteer can move only to another holder of that
    skill, and the nearest few of the whole team may hold none.
    """
    ranked = sorted(pairs, key=lambda pr: (pr.km, pr.volunteer))
    chosen = {pr.volunteer: pr for pr in ranked if pr.volunteer in crew}
    for skill, count in demand.items():
        holders = [pr for pr in ranked if skill in pr.skills]
        for pr in holders[: count + extra]:
            chosen.setdefault(pr.volunteer, pr)
    return sorted(chosen.values(), key=lambda pr: pr.volunteer)


@dataclass
class _Variables:
    """The decision variables of a subset model, by order."""

    start: dict[int, cp_model.IntVar] = field(default_factory=dict)
    served: dict[int, cp_model.IntVar] = field(default_factory=dict)
    team: dict[int, dict[int, cp_model.IntVar]] = field(default_factory=dict)
    fills: dict[int, dict[tuple[int, str], cp_model.IntVar]] = field(default_factory=dict)  # (volunteer, skill)
    uses: dict[int, list[tuple[int, Pair, cp_model.IntVar]]] = field(default_factory=dict)  # volunteer on the order
    intervals: dict[int, list[cp_model.IntervalVar]] = field(default_factory=dict)  # by volunteer
    volunteer_uses: dict[int, list[cp_model.IntVar]] = field(default_factory=dict)  # by volunteer


class SubsetModel:
    """The CP-SAT model of re-placing a subset of orders around the rest of the plan."""

    def __init__(
        self, state: State, subset: list[int], *, max_teams: int | None, extra: int | None, focus: frozenset[int]
    ) -> None:
        self.state = state
        self.subset = subset
        self.model = cp_model.CpModel()
        self.vars = _Variables()
        self.objective_terms: list[tuple[cp_model.IntVar, int]] = []
        self.range_literals: dict[tuple[int, int], list[tuple[tuple[int, int], cp_model.IntVar]]] = {}
        self.first_solution = False
        self._data(max_teams, extra, focus)
        self._variables()
        self._constraints()
        self._objective()

    # Data ------------------------------------------------------------------------------------------------------

    def _data(self, max_teams: int | None, extra: int | None, focus: frozenset[int]) -> None:
        """Each order's teams and pairs, the load outside the subset, and BIG: one priority unit outranks all cost."""
        state = self.state
        self.options = {
            oi: _restricted(state, oi, None, None) if oi in focus else _restricted(state, oi, max_teams, extra)
            for oi in self.subset
        }
        self.base_load = _outside_load(state, set(self.subset)) if state.costs.prefs.fairness_weight else {}
        self.size = sum(len(pairs) for opts in self.options.values() for _, pairs in opts)
        big = 1
        for oi in self.subset:
            crew_size = state.problem.orders[oi].crew_size
            worst = 0
            for team, pairs in self.options[oi]:
                per = sorted((self.pair_cost(pr) for pr in pairs), reverse=True)[:crew_size]
                worst = max(worst, sum(per) + self.team_cost(oi, team))
            big += worst
        self.big = big

    def pair_cost(self, pr: Pair) -> int:
        """Integer cost of one volunteer on an order: travel and fair spread."""
        return _metres(self.state.costs.volunteer_cost(pr.km, self.base_load.get(pr.volunteer, 0)))

    def team_cost(self, oi: int, team: int) -> int:
        """Integer cost of serving an order with a team: tier and repeat-team terms."""
        return _metres(sum(self.state.costs.team_penalty(oi, team).values()))

    # Variables -------------------------------------------------------------------------------------------------

    def _variables(self) -> None:
        """Per order: served, start, team; per (order, volunteer): used, and per skill it may fill, fills."""
        model, var = self.model, self.vars
        for oi in self.subset:
            opts = self.options[oi]
            if not opts:
                continue
            spans = sorted({r for _, pairs in opts for pr in pairs for r in pr.ranges})
            var.start[oi] = model.new_int_var_from_domain(
                cp_model.Domain.from_intervals([list(r) for r in spans]), f"start_{oi}"
            )
            var.served[oi] = model.new_bool_var(f"served_{oi}")
            var.team[oi] = {team: model.new_bool_var(f"team_{oi}_{team}") for team, _ in opts}
            var.fills[oi] = {}
            var.uses[oi] = []
            for _, pairs in opts:
                for pr in pairs:
                    used = model.new_bool_var(f"uses_{oi}_{pr.volunteer}")
                    var.uses[oi].append((pr.volunteer, pr, used))
                    if len(pr.skills) == 1:
                        var.fills[oi][pr.volunteer, pr.skills[0]] = used
                    else:
                        for skill in pr.skills:
                            var.fills[oi][pr.volunteer, skill] = model.new_bool_var(
                                f"fills_{oi}_{pr.volunteer}_{skill}"
                            )

    # Constraints -----------------------------------------------------------------------------------------------

    def _constraints(self) -> None:
        """One team if served; each need filled by that team; starts each volunteer allows; no overlap; max_orders."""
        model, var, problem = self.model, self.vars, self.state.problem
        for oi, served in var.served.items():
            order = problem.orders[oi]
            model.add(sum(var.team[oi].values()) == served)
            pair_team = {pr.volunteer: team for team, pairs in self.options[oi] for pr in pairs}
            for v, pr, used in var.uses[oi]:
                if len(pr.skills) > 1:
                    model.add(sum(var.fills[oi][v, skill] for skill in pr.skills) == used)
                self._start_allowed(oi, pr, used)
                interval = model.new_optional_interval_var(
                    var.start[oi] - pr.trip_minutes,
                    order.duration + 2 * pr.trip_minutes,
                    var.start[oi] + order.duration + pr.trip_minutes,
                    used,
                    "",
                )
                var.intervals.setdefault(v, []).append(interval)
                var.volunteer_uses.setdefault(v, []).append(used)
            for team, team_var in var.team[oi].items():
                for skill, count in order.demand.items():
                    fillers = [lit for (v, sk), lit in var.fills[oi].items() if sk == skill and pair_team[v] == team]
                    model.add(sum(fillers) == count * team_var)
        subset = set(self.subset)
        for v in sorted(var.intervals):
            others = [(a, b) for a, b, oi in self.state.busy.get(v, ()) if oi not in subset]
            intervals = var.intervals[v] + [model.new_fixed_size_interval_var(a, b - a, "") for a, b in others]
            if len(intervals) > 1:
                model.add_no_overlap(intervals)
            room = problem.cap[v] - len(others)
            if room < len(var.volunteer_uses[v]):
                model.add(sum(var.volunteer_uses[v]) <= max(room, 0))

    def _start_allowed(self, oi: int, pr: Pair, used: cp_model.IntVar) -> None:
        """A volunteer on the order means the start lies in one of that volunteer's ranges."""
        model, start = self.model, self.vars.start[oi]
        if len(pr.ranges) == 1:
            lo, hi = pr.ranges[0]
            model.add(start >= lo).only_enforce_if(used)
            model.add(start <= hi).only_enforce_if(used)
            return
        in_range = []
        for lo, hi in pr.ranges:
            lit = model.new_bool_var("")
            model.add(start >= lo).only_enforce_if(lit)
            model.add(start <= hi).only_enforce_if(lit)
            in_range.append(lit)
        model.add(sum(in_range) == used)
        self.range_literals[oi, pr.volunteer] = list(zip(pr.ranges, in_range, strict=True))

    # Objective -------------------------------------------------------------------------------------------------

    def _objective(self) -> None:
        """Maximise priority x BIG minus the score terms (travel, fair spread, tier, repeat team)."""
        var, problem = self.vars, self.state.problem
        terms = self.objective_terms
        for oi, served in var.served.items():
            terms.append((served, problem.orders[oi].priority * self.big))
            for team, team_var in var.team[oi].items():
                if cost := self.team_cost(oi, team):
                    terms.append((team_var, -cost))
            for _, pr, used in var.uses[oi]:
                if cost := self.pair_cost(pr):
                    terms.append((used, -cost))
        self.model.maximize(sum(coef * lit for lit, coef in terms))

    def hint(self) -> None:
        """Start the search from the current plan."""
        model, var = self.model, self.vars
        for oi, served in var.served.items():
            placement = self.state.plan.get(oi)
            model.add_hint(served, placement is not None)
            crew = set(placement.crew) if placement is not None else set()
            members = {v for v, _ in crew}
            if placement is not None:
                model.add_hint(var.start[oi], placement.start)
            for team, team_var in var.team[oi].items():
                model.add_hint(team_var, placement is not None and team == placement.team)
            for v, pr, used in var.uses[oi]:
                model.add_hint(used, v in members)
                if len(pr.skills) > 1:
                    for skill in pr.skills:
                        model.add_hint(var.fills[oi][v, skill], (v, skill) in crew)
                hinted = False
                for (lo, hi), lit in self.range_literals.get((oi, v), ()):
                    hit = v in members and lo <= placement.start <= hi and not hinted
                    hinted |= hit
                    model.add_hint(lit, hit)

    # Solve -----------------------------------------------------------------------------------------------------

    def require_gain(self, first: bool) -> None:
        """Ask only for plans serving more priority than the current one; with first, stop at the first found.

        CP-SAT proves quickly that a neighbourhood can serve no more once asked only for plans that do, where
        proving the current plan optimal, travel included, takes it far longer. Travel is left to the polish that
        follows a repair, or to the rest of the time limit.
        """
        var, problem = self.vars, self.state.problem
        now = sum(problem.orders[oi].priority for oi in var.served if oi in self.state.plan)
        self.model.add(sum(problem.orders[oi].priority * served for oi, served in var.served.items()) >= now + 1)
        self.first_solution = first

    def solve(self, *, seed: int, dtime: float, seconds: float, workers: int = 1) -> SubResult:
        """Run CP-SAT within deterministic and wall-clock limits; read placements back."""
        var = self.vars
        if not var.served:
            return SubResult({}, 0, 0, True, self.big, 0.0, 0)
        solver = cp_model.CpSolver()
        solver.parameters.stop_after_first_solution = self.first_solution
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        solver.parameters.max_deterministic_time = dtime
        solver.parameters.max_time_in_seconds = seconds
        status = solver.solve(self.model)
        work = solver.response_proto.deterministic_time
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return SubResult({}, 0, 0, False, self.big, work, self.size, False)
        out: dict[int, Placement] = {}
        for oi, served in var.served.items():
            if not solver.boolean_value(served):
                continue
            team = next(t for t, lit in var.team[oi].items() if solver.boolean_value(lit))
            crew = tuple(sorted(key for key, lit in var.fills[oi].items() if solver.boolean_value(lit)))
            out[oi] = Placement(team, solver.value(var.start[oi]), crew)
        return SubResult(
            out,
            round(solver.objective_value),
            round(solver.best_objective_bound),
            status == cp_model.OPTIMAL,
            self.big,
            work,
            self.size,
        )


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
    gain: bool = False,
    first: bool = False,
) -> SubResult:
    """Re-place the orders of subset optimally (within limits) around the rest of the plan.

    max_teams and extra cut each order to its cheapest teams and volunteers, which keeps LNS steps small; orders in
    focus keep all of theirs. gain asks only for plans serving more priority; first stops at the first one found.
    """
    model = SubsetModel(state, subset, max_teams=max_teams, extra=extra, focus=focus)
    if hint:
        model.hint()
    if gain:
        model.require_gain(first=first)
    return model.solve(seed=seed, dtime=dtime, seconds=seconds, workers=workers)
