"""Soft preferences steer ties without costing priority; the regional path stitches valid solutions."""

from __future__ import annotations

from matching import Preferences, solve, validate
from matching.generate import generate
from matching.params import SearchParams
from tests.matching.builders import order, two_teams, volunteer


def county_and_village(make_instance, **changes):
    """tm-1 (county) and tm-2 (village) both at home, one volunteer each, the one order with changes."""
    return make_instance(**two_teams(second_station="home", levels=("county", "village")), orders=[order(**changes)])


def test_lower_tier_first(make_instance):
    inst = county_and_village(make_instance)
    sol = solve(inst, time_limit=1, workers=1, preferences=Preferences(tier_weight=5.0))
    assert sol.assignments[0].team == "tm-2"


def test_repeat_team_from_hint_and_history(make_instance):
    inst = county_and_village(make_instance, preferred_teams=["tm-1"])
    sol = solve(inst, time_limit=1, workers=1, preferences=Preferences(repeat_team_weight=5.0))
    assert sol.assignments[0].team == "tm-1"
    inst = county_and_village(make_instance)
    sol = solve(
        inst, time_limit=1, workers=1, preferences=Preferences(repeat_team_weight=5.0, history={"far": ("tm-1",)})
    )
    assert sol.assignments[0].team == "tm-1"


def test_fair_spread(make_instance):
    inst = make_instance(
        volunteers=[
            volunteer("v-1", max_orders=3),
            volunteer("v-2", max_orders=3),
        ],
        orders=[
            {
                "id": f"o-{i}",
                "station": "far",
                "needs": [{"skill": "first-aid", "count": 1}],
                "duration": 30,
                "windows": [[50 + 150 * i, 200 + 150 * i]],
                "priority": 3,
            }
            for i in range(3)
        ],
    )
    sol = solve(inst, time_limit=1, workers=1, preferences=Preferences(fairness_weight=5.0))
    loads = {}
    for a in sol.assignments:
        for c in a.volunteers:
            loads[c.id] = loads.get(c.id, 0) + 1
    assert sorted(loads.values()) == [1, 2]


def test_regional_path_is_valid():
    inst = generate("small", seed=3)
    sol = solve(inst, time_limit=2, workers=1, params=SearchParams(regional_above=50, region_orders=30))
    assert validate(inst, sol) == []
    assert sol.stats.bound >= sol.stats.served_priority
    assert {a.order for a in sol.assignments} | {u.order for u in sol.unassigned} == {o.id for o in inst.orders}
