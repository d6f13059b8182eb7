"""One test per hard rule: the validator catches a solution that breaks it."""

from __future__ import annotations

from matching import validate
from matching.domain import Assignment, CrewMember, Solution, Stats, Unassigned
from tests.matching.builders import order, team, volunteer

STATS = Stats(0, 0.0, 0, 0.0, "FEASIBLE")


def sol(*assignments: Assignment, unassigned: tuple[Unassigned, ...] = ()) -> Solution:
    return Solution(tuple(assignments), unassigned, STATS)


def a(order: str = "o-1", team: str = "tm-1", start: int = 120, crew=(("v-1", "first-aid"),)) -> Assignment:
    return Assignment(order, team, start, tuple(CrewMember(v, s) for v, s in crew))


def test_valid_solution_passes(make_instance):
    assert validate(make_instance(), sol(a())) == []


def test_every_order_once(make_instance):
    inst = make_instance()
    assert any("appears 0 times" in e for e in validate(inst, sol()))
    assert any("appears 2 times" in e for e in validate(inst, sol(a(), unassigned=(Unassigned("o-1", "x", "r"),))))
    assert any("no reason" in e for e in validate(inst, sol(unassigned=(Unassigned("o-1", "x", " "),))))


def test_crew_fills_needs(make_instance):
    inst = make_instance()
    assert any("short by 1" in e for e in validate(inst, sol(a(crew=()))))
    assert any("over-filled" in e for e in validate(inst, sol(a(crew=(("v-1", "first-aid"), ("v-2", "first-aid"))))))
    assert any("lacks skill" in e for e in validate(inst, sol(a(crew=(("v-1", "medical"),)))))
    assert any("listed twice" in e for e in validate(inst, sol(a(crew=(("v-1", "first-aid"), ("v-1", "first-aid"))))))


def test_excluded_team_and_membership(make_instance):
    inst = make_instance(
        teams=[team("tm-1"), team("tm-2", level="county")],
        orders=[order("o-1", exclude_teams=["tm-1"])],
    )
    assert any("excluded" in e for e in validate(inst, sol(a())))
    assert any("not in team tm-2" in e for e in validate(inst, sol(a(team="tm-2"))))


def test_start_inside_window(make_instance):
    assert any("not inside a window" in e for e in validate(make_instance(), sol(a(start=250))))


def test_volunteer_available_including_travel(make_instance):
    # 10 km at 60 km/h is 10 minutes each way: starting at 5 needs the volunteer from minute -5.
    inst = make_instance(orders=[order("o-1", windows=((0, 300),))])
    assert any("not available" in e for e in validate(inst, sol(a(start=5))))
    assert validate(inst, sol(a(start=10))) == []


def test_max_km(make_instance):
    inst = make_instance(volunteers=[volunteer("v-1", max_km=5)])
    assert any("over max_km" in e for e in validate(inst, sol(a())))


def test_no_overlap(make_instance):
    inst = make_instance(
        orders=[
            order("o-1"),
            order("o-2"),
        ]
    )
    # Back to back at the far station still needs the trip home and out again: 190 is too early, 200 is fine.
    assert any("overlap" in e for e in validate(inst, sol(a(start=120), a("o-2", start=190))))
    assert validate(inst, sol(a(start=120), a("o-2", start=200))) == []


def test_max_orders(make_instance):
    inst = make_instance(
        volunteers=[volunteer("v-1", max_orders=1)],
        orders=[
            order("o-1", windows=((100, 500),)),
            order("o-2", windows=((100, 500),)),
        ],
    )
    assert any("over max_orders" in e for e in validate(inst, sol(a(start=120), a("o-2", start=300))))


def test_fixed_unchanged(make_instance):
    inst = make_instance(fixed=[{"order": "o-1", "team": "tm-1", "start": 120, "volunteers": ["v-1"]}])
    assert validate(inst, sol(a())) == []
    assert any("fixed" in e for e in validate(inst, sol(a(start=130))))
    assert any("fixed" in e for e in validate(inst, sol(a(crew=(("v-2", "first-aid"),)))))
