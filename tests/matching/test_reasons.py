"""Every unserved order says specifically why."""

from __future__ import annotations

import pytest

from matching import solve
from tests.matching.builders import order, volunteer


def one(make_instance, **changes) -> str:
    sol = solve(make_instance(orders=[{**order(), **changes}]), time_limit=1, workers=1)
    assert not sol.assignments and sol.unassigned[0].reason
    return sol.unassigned[0].code


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"windows": [[100, 130]]}, "window_too_short"),
        ({"needs": [{"skill": "legal-aid", "count": 1}]}, "no_skill"),
        ({"exclude_teams": ["tm-1"]}, "all_teams_excluded"),
        ({"windows": [[700, 900]]}, "not_available"),
        ({"needs": [{"skill": "medical", "count": 2}]}, "no_team_with_all_skills"),
    ],
)
def test_reason_codes(make_instance, changes, code):
    assert one(make_instance, **changes) == code


def test_out_of_reach(make_instance):
    inst = make_instance(volunteers=[volunteer("v-1", max_km=3)])
    sol = solve(inst, time_limit=1, workers=1)
    assert sol.unassigned[0].code == "out_of_reach"
    assert "first-aid" in sol.unassigned[0].reason
