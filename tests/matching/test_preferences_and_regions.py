"""Soft preferences steer ties without costing priority; the regional path stitches valid solutions."""

from __future__ import annotations

from matching import Preferences, solve, validate
from matching.generate import generate
from matching.params import SearchParams


def two_teams(make_instance, **order):
    o = {
        "id": "o-1",
        "station": "far",
        "needs": [{"skill": "first-aid", "count": 1}],
        "duration": 60,
        "windows": [[100, 300]],
        "priority": 3,
    }
    o.update(order)
    return make_instance(
        teams=[
            {"id": "tm-1", "station": "home", "level": "county"},
            {"id": "tm-2", "station": "home", "level": "village"},
        ],
        volunteers=[
            {
                "id": "v-1",
                "team": "tm-1",
                "station": "home",
                "skills": ["first-aid"],
                "available": [[0, 600]],
                "max_orders": 2,
            },
            {
                "id": "v-2",
                "team": "tm-2",
                "station": "home",
                "skills": ["first-aid"],
                "available": [[0, 600]],
                "max_orders": 2,
            },
        ],
        orders=[o],
    )


def test_lower_tier_first(make_instance):
    inst = two_teams(make_instance)
    sol = solve(inst, time_limit=1, workers=1, preferences=Preferences(tier_weight=5.0))
    assert sol.assignments[0].team == "tm-2"


def test_repeat_team_from_hint_and_history(make_instance):
    inst = two_teams(make_instance, preferred_teams=["tm-1"])
    sol = solve(inst, time_limit=1, workers=1, preferences=Preferences(repeat_team_weight=5.0))
    assert sol.assignments[0].team == "tm-1"
    inst = two_teams(make_instance)
    sol = solve(
        inst, time_limit=1, workers=1, preferences=Preferences(repeat_team_weight=5.0, history={"far": ("tm-1",)})
    )
    assert sol.assignments[0].team == "tm-1"


def test_fair_spread(make_instance):
    inst = make_instance(
        volunteers=[
            {
                "id": "v-1",
                "team": "tm-1",
                "station": "home",
                "skills": ["first-aid"],
                "available": [[0, 600]],
                "max_orders": 3,
            },
            {
                "id": "v-2",
                "team": "tm-1",
                "station": "home",
                "skills": ["first-aid"],
                "available": [[0, 600]],
                "max_orders": 3,
            },
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
