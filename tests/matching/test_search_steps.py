"""The search's steps: whose orders a repair looks at, what a repair step asks CP-SAT for, how long polish runs."""

from __future__ import annotations

import random
import time

from matching import instance_from_dict
from matching.candidates import Problem
from matching.cpsat import _nearest_per_skill, solve_subset
from matching.domain import Preferences
from matching.lns import Neighbours
from matching.params import Budget, SearchParams
from matching.polish import polish_round
from matching.score import Costs
from matching.state import Placement, State
from tests.matching.builders import base_instance, order, team, volunteer


def _state(data: dict) -> State:
    problem = Problem(instance_from_dict(data))
    return State(problem, Costs(problem, Preferences()))


def _place(state: State, oid: str, vid: str, start: int, skill: str) -> None:
    problem = state.problem
    oi, vi = problem.order_index[oid], problem.vol_index[vid]
    state.place(oi, Placement(problem.team_index[problem.vols[vi].team], start, ((vi, skill),)))


def _chain() -> State:
    """u can use only a; o1 holds a and could move to b; o2 holds b and could move to c. Everyone serves once."""
    data = base_instance(
        teams=[team("ta"), team("tb"), team("tc")],
        volunteers=[
            volunteer("a", team="ta", skills=("rare",), max_orders=1),
            volunteer("b", team="tb", skills=("rare",), max_orders=1),
            volunteer("c", team="tc", skills=("rare",), max_orders=1),
        ],
        orders=[
            order("u", needs=(("rare", 1),), exclude_teams=["tb", "tc"]),
            order("o1", needs=(("rare", 1),), exclude_teams=["tc"]),
            order("o2", needs=(("rare", 1),), exclude_teams=["ta"]),
        ],
    )
    state = _state(data)
    _place(state, "o1", "a", 100, "rare")
    _place(state, "o2", "b", 100, "rare")
    return state


def _ids(state: State, orders: list[int]) -> list[str]:
    return [state.problem.orders[oi].id for oi in orders]


def test_repair_neighbourhood_follows_the_blockers_alternatives_only_when_asked() -> None:
    state = _chain()
    feasible = list(range(len(state.problem.orders)))
    neighbours = Neighbours(state, feasible)
    u = state.problem.order_index["u"]
    assert _ids(state, neighbours.blockers(u, 4, random.Random(0))) == ["u", "o1"]
    assert _ids(state, neighbours.blockers(u, 4, random.Random(0), chain=1)) == ["u", "o1", "o2"]
    # What holds o1's alternatives, not o1's own volunteer.
    assert _ids(state, sorted(neighbours.holding(state.problem.order_index["o1"]))) == ["o2"]


def test_the_chain_of_holders_reaches_every_order_in_the_way_breadth_first() -> None:
    state = _chain()
    neighbours = Neighbours(state, list(range(len(state.problem.orders))))
    u = state.problem.order_index["u"]
    # u waits on o1 (on a), o1 could move only to b, held by o2: the whole chain, nearest link first.
    assert _ids(state, neighbours.closure(u, 10)) == ["u", "o1", "o2"]
    assert _ids(state, neighbours.closure(u, 2)) == ["u", "o1"]


def _fork() -> State:
    """u can use a1 or a2, held by o1 and w; o1 could move only to b, held by o3, which could move to c."""
    data = base_instance(
        teams=[team("ta"), team("tb"), team("tc")],
        volunteers=[
            volunteer("a1", team="ta", skills=("rare", "x"), max_orders=1),
            volunteer("a2", team="ta", skills=("rare",), max_orders=1),
            volunteer("b", team="tb", skills=("x",), max_orders=1),
            volunteer("c", team="tc", skills=("x",), max_orders=1),
        ],
        orders=[
            order("u", needs=(("rare", 1),)),
            order("o1", needs=(("x", 1),), exclude_teams=["tc"]),
            order("w", needs=(("rare", 1),)),
            order("o3", needs=(("x", 1),), exclude_teams=["ta"]),
        ],
    )
    state = _state(data)
    _place(state, "o1", "a1", 100, "x")
    _place(state, "w", "a2", 100, "rare")
    _place(state, "o3", "b", 100, "x")
    return state


def test_the_deep_chain_follows_each_orders_main_holder_past_the_breadth_first_level() -> None:
    state = _fork()
    neighbours = Neighbours(state, list(range(len(state.problem.orders))))
    u = state.problem.order_index["u"]
    # Breadth first, three orders are u and both its holders; one main holder each goes from o1 on to o3.
    assert _ids(state, neighbours.closure(u, 3)) == ["u", "o1", "w"]
    assert _ids(state, neighbours.closure(u, 3, per=1)) == ["u", "o1", "o3"]
    assert _ids(state, neighbours.closure(u, 10, per=1)) == ["u", "o1", "o3"]  # o3 could move to c, held by none
    assert _ids(state, neighbours.closure(u, 10)) == ["u", "o1", "w", "o3"]


def test_the_chain_from_one_team_starts_with_the_orders_holding_that_teams_volunteers() -> None:
    state = _chain()
    neighbours = Neighbours(state, list(range(len(state.problem.orders))))
    problem = state.problem
    u, team_a = problem.order_index["u"], problem.team_index["ta"]
    assert neighbours.teams_to_try(u) == [team_a]  # tb and tc are excluded
    assert _ids(state, neighbours.closure(u, 10, team_a)) == ["u", "o1", "o2"]
    # o1 holds a (team ta) and o2 holds b (team tb): from tb, o2 is what stands in o1's way, o1 in none of tb's.
    o1 = problem.order_index["o1"]
    assert _ids(state, neighbours.closure(o1, 10, problem.team_index["tb"])) == ["o1", "o2"]
    # With o2 gone, b has room: o1's team tb is short of no free holder, ta (a at max_orders) of one.
    state.remove(problem.order_index["o2"])
    o1 = problem.order_index["o1"]
    assert neighbours.teams_to_try(o1) == [problem.team_index["tb"], team_a]


def test_a_repair_step_returns_only_a_plan_serving_more() -> None:
    state = _chain()
    everyone = sorted(state.plan) + [state.problem.order_index["u"]]
    # u, o1 and o2 all fit (u on a, o1 on b, o2 on c): asked for a gain, CP-SAT finds one.
    found = solve_subset(state, everyone, seed=0, dtime=5, seconds=5, gain=True)
    assert found.found and _ids(state, sorted(found.placements)) == ["u", "o1", "o2"]
    # Without o2 in the neighbourhood, b stays taken and nothing more can be served: no plan at all.
    stuck = [state.problem.order_index[x] for x in ("u", "o1")]
    result = solve_subset(state, stuck, seed=0, dtime=5, seconds=5, gain=True)
    assert not result.found and result.placements == {}


def test_restricted_pairs_keep_the_nearest_holder_of_every_needed_skill() -> None:
    data = base_instance(
        stations=[
            {"id": "home", "lat": 35.9, "lon": 106.6, "level": "township"},
            {"id": "far", "lat": 35.99, "lon": 106.6, "level": "village"},
            {"id": "remote", "lat": 35.6, "lon": 106.6, "level": "village"},
        ],
        volunteers=[
            volunteer("near-1", station="far"),
            volunteer("near-2", station="far"),
            volunteer("near-3", station="far"),
            volunteer("medic-far", station="remote", skills=("medical",)),
            volunteer("medic-farther", station="remote", skills=("medical",), available=((0, 700),)),
        ],
        orders=[order("o", needs=(("first-aid", 1), ("medical", 1)), windows=((200, 400),))],
    )
    state = _state(data)
    problem = state.problem
    pairs = next(op.pairs for op in problem.info[0].options if op.feasible)
    kept = {problem.vols[pr.volunteer].id for pr in _nearest_per_skill(pairs, problem.orders[0].demand, 0, set())}
    # The three first-aiders are all nearer than either medic; by nearness overall the crew of two could not form.
    assert kept == {"near-1", "medic-far"}
    crew = {problem.vol_index["near-3"]}
    kept = {problem.vols[pr.volunteer].id for pr in _nearest_per_skill(pairs, problem.orders[0].demand, 0, crew)}
    assert kept == {"near-1", "near-3", "medic-far"}


def test_polish_stops_at_its_own_clock() -> None:
    state = _chain()
    neighbours = Neighbours(state, list(range(len(state.problem.orders))))
    budget = Budget(time.monotonic() + 60, None)
    before = dict(state.plan)
    improved = polish_round(
        state, neighbours, size=5, params=SearchParams(), budget=budget, rng=random.Random(0), until=time.monotonic()
    )
    assert not improved and state.plan == before and budget.used == 0
