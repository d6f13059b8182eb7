"""The visit planner without app or database: one test per rule, the checker catching broken plans, and a
property test that every plan (and the baseline) passes the independent checker."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from app.visits.planner import Household, Plan, Problem, Route, Shift, Stop, check_plan, nearest_neighbour, solve

BASE = (35.87, 106.66)
# About 100 m of latitude.
STEP = 0.0009


def _homes(count: int, *, weight: int = 1) -> tuple[Household, ...]:
    return tuple(Household(f"h{i}", BASE[0] + STEP * (i + 1), BASE[1], weight) for i in range(count))


def _shift(sid: str = "s1", *, start: int = 510, end: int = 720, cap: int = 8, volunteer: str = "v1") -> Shift:
    return Shift(sid, volunteer, *BASE, start, end, cap)


def _problem(homes, shifts, minutes: int = 20) -> Problem:  # noqa: ANN001
    return Problem(tuple(homes), tuple(shifts), minutes, 4.5)


def test_every_household_that_fits_is_visited_in_the_shift_window() -> None:
    problem = _problem(_homes(5), [_shift()])
    plan = solve(problem, time_limit_s=1)
    assert check_plan(problem, plan) == []
    assert plan.dropped == [] and len(plan.routes[0].stops) == 5
    assert all(s.start >= 510 and s.start + 20 <= 720 for s in plan.routes[0].stops)


def test_a_shift_makes_no_more_visits_than_its_cap() -> None:
    problem = _problem(_homes(6), [_shift(cap=4)])
    plan = solve(problem, time_limit_s=1)
    assert check_plan(problem, plan) == []
    assert len(plan.routes[0].stops) == 4 and len(plan.dropped) == 2


def test_what_does_not_fit_in_the_window_is_dropped_and_the_plan_still_comes_back() -> None:
    far = Household("far", BASE[0] + 0.2, BASE[1])  # about 29 road km: hours on foot
    problem = _problem([*_homes(2), far], [_shift(start=510, end=600)])
    plan = solve(problem, time_limit_s=1)
    assert check_plan(problem, plan) == []
    assert plan.dropped == ["far"]


def test_households_with_priority_tags_are_kept_when_not_all_fit() -> None:
    homes = (*_homes(2), Household("weighty", BASE[0] + STEP * 3, BASE[1], 3))
    problem = _problem(homes, [_shift(cap=1)])
    plan = solve(problem, time_limit_s=1)
    assert [s.household for s in plan.routes[0].stops] == ["weighty"]


def test_travel_is_never_below_the_bound() -> None:
    problem = _problem(_homes(8), [_shift(cap=4), _shift("s2", cap=4, volunteer="v2")])
    plan = solve(problem, time_limit_s=1)
    assert plan.bound_km is not None and 0 < plan.bound_km <= plan.travel_km + 1e-9


def _one_route(problem: Problem, stops: list[Stop]) -> Plan:
    visited = {s.household for s in stops}
    return Plan(
        [Route("s1", tuple(stops), 0.0)], [h.id for h in problem.households if h.id not in visited], 0.0, "TEST", 0.0
    )


def test_the_checker_refuses_a_visit_started_before_the_volunteer_can_walk_there() -> None:
    problem = _problem(_homes(1), [_shift()])
    broken = check_plan(problem, _one_route(problem, [Stop("h0", 510, 0.0)]))
    assert any("reaches h0" in b for b in broken)


def test_the_checker_refuses_a_route_back_after_the_shift_ends() -> None:
    problem = _problem(_homes(1), [_shift(start=510, end=530)])
    broken = check_plan(problem, _one_route(problem, [Stop("h0", 512, 0.0)]))
    assert any("after it ends" in b for b in broken)


def test_the_checker_refuses_a_household_visited_twice_or_left_out_unreported() -> None:
    problem = _problem(_homes(3), [_shift(), _shift("s2", volunteer="v2")])
    plan = solve(problem, time_limit_s=1)
    twice = replace(plan, routes=[*plan.routes, Route("s2", plan.routes[0].stops[:1], plan.routes[0].travel_km)])
    assert any("visited by" in b for b in check_plan(problem, twice))
    lost = replace(plan, routes=[])
    assert any("neither visited nor dropped" in b for b in check_plan(problem, lost))


def test_the_checker_refuses_more_visits_than_the_cap_and_overlapping_shifts() -> None:
    problem = _problem(_homes(3), [_shift(cap=2), _shift("s2", start=600, end=800)])
    plan = solve(replace(problem, shifts=(replace(problem.shifts[0], max_visits=3), problem.shifts[1])), time_limit_s=1)
    broken = check_plan(problem, plan)
    assert any("more than 2" in b for b in broken)
    both = Plan([Route("s1", (), 0.0), Route("s2", (), 0.0)], [h.id for h in problem.households], 0.0, "TEST", 0.0)
    assert any("overlapping shifts" in b for b in check_plan(problem, both))


@st.composite
def problems(draw) -> Problem:  # noqa: ANN001
    count = draw(st.integers(0, 25))
    homes = tuple(
        Household(
            f"h{i}",
            BASE[0] + draw(st.floats(-0.02, 0.02)),
            BASE[1] + draw(st.floats(-0.02, 0.02)),
            draw(st.sampled_from((1, 1, 3))),
        )
        for i in range(count)
    )
    shifts = []
    for v in range(draw(st.integers(0, 4))):
        day = draw(st.integers(0, 2)) * 1440
        start = day + draw(st.sampled_from((510, 870)))
        shifts.append(
            Shift(
                f"s{v}",
                f"v{v}",
                BASE[0] + draw(st.floats(-0.01, 0.01)),
                BASE[1],
                start,
                start + draw(st.integers(30, 240)),
                draw(st.integers(1, 8)),
            )
        )
    return Problem(homes, tuple(shifts), draw(st.integers(5, 40)), draw(st.sampled_from((4.5, 30.0))))


@settings(max_examples=25, deadline=None)
@given(problems())
def test_every_plan_and_the_baseline_pass_the_checker(problem: Problem) -> None:
    plan = solve(problem, time_limit_s=0.2)
    assert check_plan(problem, plan) == []
    assert check_plan(problem, nearest_neighbour(problem)) == []
    assert plan.bound_km is None or plan.bound_km <= plan.travel_km + 1e-6
