"""One test per soft term of score(), and one score for every stage: construction, CP-SAT and the explanation."""

from __future__ import annotations

import pytest

from matching import Preferences, solve
from matching.candidates import Problem
from matching.cpsat import evaluate
from matching.generate import generate
from matching.score import FAIR_SPREAD, REPEAT_TEAM, TIER, TRAVEL, Costs, total
from matching.state import UNIT, Placement, State
from tests.matching.builders import order, two_teams


def county_and_village(make_instance, **changes):
    """tm-1 (county) at home and tm-2 (village) at the far station, one volunteer each, the order with changes."""
    return make_instance(**two_teams(levels=("county", "village")), orders=[order(**changes)])


def test_travel_term_is_the_round_trip(make_instance):
    problem = Problem(make_instance())
    terms = Costs(problem, Preferences()).score(0, 0, [(1, 10.0, 0)])
    assert [(t.name, t.value, t.volunteer) for t in terms] == [(TRAVEL, 20.0, 1)]


def test_tier_term_grows_with_the_tier(make_instance):
    problem = Problem(county_and_village(make_instance))
    costs = Costs(problem, Preferences(tier_weight=4.0))
    assert costs.team_penalty(0, 0) == {TIER: 8.0}  # county: two tiers above the village
    assert costs.team_penalty(0, 1) == {}


def test_repeat_team_term_spares_preferred_teams(make_instance):
    problem = Problem(county_and_village(make_instance, preferred_teams=["tm-1"]))
    costs = Costs(problem, Preferences(repeat_team_weight=7.0))
    assert costs.team_penalty(0, 0) == {}
    assert costs.team_penalty(0, 1) == {REPEAT_TEAM: 7.0}


def test_fair_spread_term_grows_with_load(make_instance):
    problem = Problem(make_instance())
    costs = Costs(problem, Preferences(fairness_weight=3.0))
    terms = costs.score(0, 0, [(0, 0.0, 2)])
    assert {t.name: t.value for t in terms} == {TRAVEL: 0.0, FAIR_SPREAD: 6.0}
    assert costs.fair_spread(0) == 0.0


def test_off_preferences_cost_nothing(make_instance):
    problem = Problem(county_and_village(make_instance))
    costs = Costs(problem, Preferences())
    assert costs.team_penalty(0, 0) == {} and costs.fair_spread(5) == 0.0


@pytest.mark.parametrize(
    "prefs",
    [Preferences(), Preferences(tier_weight=5.0, repeat_team_weight=3.0, fairness_weight=2.0)],
)
def test_construction_cpsat_and_explanation_price_alike(prefs):
    inst = generate("small", seed=3)
    sol = solve(inst, time_limit=1, seed=1, preferences=prefs, deterministic=True)
    problem = Problem(inst)
    costs = Costs(problem, prefs)
    state = State(problem, costs)
    for a in sol.assignments:
        if a.order in inst.fixed_by_order:
            continue
        oi = problem.order_index[a.order]
        team = problem.team_index[a.team]
        crew = tuple(sorted((problem.vol_index[c.id], c.skill) for c in a.volunteers))
        state.place(oi, Placement(team, a.start, crew))
    explained = sum(t.value for a in sol.assignments if a.order not in inst.fixed_by_order for t in a.cost_terms)
    construction = sum(state.cost(oi, pl) for oi, pl in state.plan.items())
    assert explained == pytest.approx(construction, abs=0.01 * len(state.plan))
    # CP-SAT prices each placement the same (in metres), with loads taken outside the re-placed subset.
    for oi, pl in list(state.plan.items())[:20]:
        big = 10**9
        model = state.problem.orders[oi].priority * big - evaluate(state, [oi], big)
        assert model == pytest.approx(round(total(state.terms(oi, pl)) * UNIT), abs=len(pl.crew) + 2)
