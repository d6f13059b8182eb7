"""Every unserved order says specifically why."""

from __future__ import annotations

import pytest

from matching import solve


def one(make_instance, **order) -> str:
    o = {
        "id": "o-1",
        "station": "far",
        "needs": [{"skill": "first-aid", "count": 1}],
        "duration": 60,
        "windows": [[100, 300]],
        "priority": 3,
    }
    o.update(order)
    sol = solve(make_instance(orders=[o]), time_limit=1, workers=1)
    assert not sol.assignments and sol.unassigned[0].reason
    return sol.unassigned[0].code


@pytest.mark.parametrize(
    ("order", "code"),
    [
        ({"windows": [[100, 130]]}, "window_too_short"),
        ({"needs": [{"skill": "legal-aid", "count": 1}]}, "no_skill"),
        ({"exclude_teams": ["tm-1"]}, "all_teams_excluded"),
        ({"windows": [[700, 900]]}, "not_available"),
        ({"needs": [{"skill": "medical", "count": 2}]}, "no_team_with_all_skills"),
    ],
)
def test_reason_codes(make_instance, order, code):
    assert one(make_instance, **order) == code


def test_out_of_reach(make_instance):
    inst = make_instance(
        volunteers=[
            {
                "id": "v-1",
                "team": "tm-1",
                "station": "home",
                "skills": ["first-aid"],
                "available": [[0, 600]],
                "max_orders": 2,
                "max_km": 3,
            }
        ]
    )
    sol = solve(inst, time_limit=1, workers=1)
    assert sol.unassigned[0].code == "out_of_reach"
    assert "first-aid" in sol.unassigned[0].reason
