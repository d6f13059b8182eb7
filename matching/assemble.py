"""Assembly: turn placements into a solution with cost terms and reasons, validate it, and certify its figures."""

from __future__ import annotations

import time

from matching.candidates import Problem
from matching.constraints import objective, validate
from matching.domain import Assignment, CostTerm, CrewMember, Solution, Stats, Unassigned
from matching.explain import explain_unassigned
from matching.score import TRAVEL, Costs, Term
from matching.state import Placement, State


class EngineError(RuntimeError):
    """The engine produced a solution that breaks a hard rule: a bug, never a user error."""


def cost_terms(problem: Problem, terms: list[Term]) -> tuple[CostTerm, ...]:
    """Score terms as the solution writes them, volunteers by id."""
    return tuple(
        CostTerm(t.name, round(t.value, 3), None if t.volunteer is None else problem.vols[t.volunteer].id)
        for t in terms
    )


def assignment(problem: Problem, state: State, oi: int, placement: Placement) -> Assignment:
    """The assignment of one placed free order, with its named cost terms."""
    order = problem.orders[oi]
    crew = tuple(CrewMember(problem.vols[v].id, skill) for v, skill in placement.crew)
    terms = cost_terms(problem, state.terms(oi, placement))
    return Assignment(order.id, problem.teams[placement.team].id, placement.start, crew, terms)


def min_travel(problem: Problem, costs: Costs, oi: int) -> float:
    """The least travel any crew of the order could have, ignoring every other order (a lower bound)."""
    crew_size = problem.orders[oi].crew_size
    best = float("inf")
    for op in problem.info[oi].options:
        if op.feasible:
            best = min(best, sum(sorted(costs.travel(pr.km) for pr in op.pairs)[:crew_size]))
    return best


def travel_bound(problem: Problem, costs: Costs, served: set[int], fixed_km: float) -> float | None:
    """A lower bound on travel at the served priority, when every order that could be served alone is served.

    Then any solution serving as much serves the same orders, and each needs at least its cheapest crew.
    """
    if not problem.complete or len(problem.free) + len(problem.fixed_assignments) != len(problem.orders):
        return None  # some pairs or orders are left out of this problem: their travel is unknown here
    feasible = [oi for oi in problem.free if problem.info[oi].feasible]
    if any(oi not in served for oi in feasible):
        return None
    return fixed_km + sum(min_travel(problem, costs, oi) for oi in feasible)


def build_solution(
    problem: Problem,
    costs: Costs,
    placements: dict[int, Placement],
    bound: int,
    optimal: bool,
    t0: float,
    reasons: dict[str, Unassigned] | None = None,
    check: bool = True,
    fixed_terms: bool = True,
    certify_travel: bool = True,
    travel_floor: float | None = None,
) -> Solution:
    """Assemble, explain and validate a solution from placements of free orders."""
    inst = problem.instance
    state = State(problem, costs)
    for oi in sorted(placements):
        state.place(oi, placements[oi])
    assignments: list[Assignment] = []
    fixed = {a.order: a for a in problem.fixed_assignments}
    fixed_km = 0.0
    for oi, order in enumerate(problem.orders):
        if order.id in fixed:
            accepted = fixed[order.id]
            if not fixed_terms:
                assignments.append(accepted)
                continue
            kms = [problem.dist.km(inst.volunteer_by_id[c.id].station, order.station) for c in accepted.volunteers]
            fixed_km += sum(costs.travel(km) for km in kms)
            terms = tuple(
                CostTerm(TRAVEL, round(costs.travel(km), 3), c.id)
                for c, km in zip(accepted.volunteers, kms, strict=True)
            )
            head = CostTerm("fixed", 0.0)
            assignments.append(
                Assignment(accepted.order, accepted.team, accepted.start, accepted.volunteers, (head, *terms))
            )
        elif oi in placements:
            assignments.append(assignment(problem, state, oi, placements[oi]))
    served_ids = {a.order for a in assignments}
    # Unserved: the free orders, and orders outside this problem whose reasons the caller already knows.
    free = set(problem.free)
    unserved = [
        oi
        for oi, order in enumerate(problem.orders)
        if order.id not in served_ids and (oi in free or (reasons and order.id in reasons))
    ]
    unassigned = explain_unassigned(problem, state, unserved, reasons)
    sol = Solution(tuple(assignments), tuple(unassigned), Stats(0, 0.0, 0, 0.0, ""))
    errors = validate(inst, sol, problem.dist) if check else []
    if errors:
        raise EngineError("engine produced an invalid solution: " + "; ".join(errors[:5]))
    served, km = objective(inst, sol, problem.dist)
    if served > bound:
        raise EngineError(f"engine proved bound {bound} below its own served priority {served}")
    floor = travel_bound(problem, costs, set(placements), fixed_km) if certify_travel and fixed_terms else None
    if certify_travel and travel_floor is not None:
        floor = travel_floor if floor is None else max(floor, travel_floor)
    if floor is not None and floor > km + 1e-6:
        raise EngineError(f"engine proved travel bound {floor} above its own travel {km}")
    status = "OPTIMAL" if optimal else "FEASIBLE"
    stats = Stats(
        served,
        round(km, 3),
        bound,
        round(time.monotonic() - t0, 3),
        status,
        None if floor is None else _floor3(floor),
    )
    return Solution(sol.assignments, sol.unassigned, stats)


def _floor3(km: float) -> float:
    """Round a lower bound down to metres, so that rounding never lifts it above the truth."""
    return int(km * 1000 - 1e-6) / 1000
