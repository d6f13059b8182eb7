"""Every benchmark family, small: its witness is a valid plan, and the engine's answer is valid and bounded."""

from __future__ import annotations

import dataclasses

import pytest

from matching import solve, validate
from matching.bench import independent_check
from matching.candidates import Problem
from matching.generate import FAMILIES, generate_family


def small(name: str):
    return generate_family(name, seed=2, scale=0.06, counties=min(FAMILIES[name].counties, 2))


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_family_end_to_end(name: str) -> None:
    made = small(name)
    inst = made.instance
    # The witness is a plan that keeps every hard rule: taken as accepted work, it must be accepted.
    Problem(dataclasses.replace(inst, fixed=made.witness))
    sol = solve(inst, time_limit=1.5, seed=1, deterministic=True)
    assert validate(inst, sol) == []
    assert independent_check(inst, sol) in ("yes", "-")  # the exchange format's checker, where it is present
    assert sol.stats.bound >= sol.stats.served_priority
    served_by_witness = sum(inst.order_by_id[w.order].priority for w in made.witness)
    assert sol.stats.bound >= served_by_witness  # the witness is feasible, so no bound may fall below it
    if made.optimum is not None:
        assert made.optimum == inst.total_priority == served_by_witness


def test_planted_families_know_their_optimum() -> None:
    planted = [name for name, family in FAMILIES.items() if family.planted >= 1.0]
    assert {"planted", "planted-8", "fixed-heavy", "sparse", "exclusions", "two-week", "adversarial"} <= set(planted)
    for name in planted:
        made = small(name)
        assert made.optimum is not None and len(made.witness) == len(made.instance.orders)


def test_small_planted_county_is_served_in_full() -> None:
    made = generate_family("planted", seed=3, scale=0.1)
    sol = solve(made.instance, time_limit=3, seed=1, deterministic=True)
    assert sol.stats.served_priority == made.optimum
    assert not sol.unassigned


def test_families_are_reproducible() -> None:
    assert small("adversarial").instance == small("adversarial").instance
    assert (
        generate_family("sparse", seed=1, scale=0.05).instance != generate_family("sparse", seed=2, scale=0.05).instance
    )


def test_family_shapes() -> None:
    two_week = small("two-week").instance
    assert two_week.horizon_minutes == 14 * 1440
    assert any(w[0] >= 7 * 1440 for o in two_week.orders for w in o.windows)
    heavy = small("fixed-heavy").instance
    assert len(heavy.fixed) >= 0.1 * len(heavy.orders)
    excl = small("exclusions").instance
    assert sum(1 for o in excl.orders if o.exclude_teams) >= 0.3 * len(excl.orders)
    planted = generate_family("planted", seed=2).instance  # crews of one to five, of two or three skills
    assert max(sum(n.count for n in o.needs) for o in planted.orders) >= 4
    assert max(len(o.needs) for o in planted.orders) == 3


def test_travel_floor_at_the_served_priority_stays_below_the_engines_travel() -> None:
    from matching.bench import travel_floor_at

    inst = small("fixed-heavy").instance
    sol = solve(inst, time_limit=1.5, seed=1, deterministic=True)
    floor = travel_floor_at(inst, sol.stats.served_priority, seconds=30)
    assert floor is not None and 0 < floor <= sol.stats.travel_km + 1e-6
    # Serving more can only cost more travel; accepted work's travel is counted at any level.
    lower = travel_floor_at(inst, 0, seconds=30)
    assert lower is not None and 0 < lower <= floor
