"""The search uses its time unless it proves it cannot do better, and reports progress as it goes."""

from __future__ import annotations

import time

import pytest

from matching import solve, validate
from matching.explain import REASONS
from matching.generate import generate_family
from matching.params import Progress, SearchParams


def test_uses_its_time_when_nothing_is_proved() -> None:
    # Over-subscribed: the bound is out of reach, so there is no proof to stop on.
    inst = generate_family("oversubscribed", seed=1, scale=0.15).instance
    began = time.monotonic()
    sol = solve(inst, time_limit=1.5, seed=1, workers=1)
    took = time.monotonic() - began
    assert sol.stats.status == "FEASIBLE"
    assert sol.stats.served_priority < sol.stats.bound
    # The 90% target is measured by the bench; here a margin for the reserve a busy machine makes it keep.
    assert took >= 0.75 * 1.5
    assert validate(inst, sol) == []


def test_stops_early_on_proof(make_instance) -> None:
    inst = make_instance()
    began = time.monotonic()
    sol = solve(inst, time_limit=20, workers=1)
    assert sol.stats.status == "OPTIMAL"
    assert time.monotonic() - began < 5


def test_stops_early_when_bound_and_travel_floor_are_reached(make_instance) -> None:
    # Kept from the exact model: the proof is served == bound at the least travel any crew could have.
    inst = make_instance()
    began = time.monotonic()
    sol = solve(inst, time_limit=20, workers=1, params=SearchParams(exact_orders=0))
    assert time.monotonic() - began < 5
    assert sol.stats.status == "OPTIMAL"
    assert sol.stats.served_priority == sol.stats.bound
    assert sol.stats.travel_km == 20.0
    assert 19.99 <= sol.stats.travel_bound_km <= 20.0


def test_progress_reports_time_served_bound_and_travel() -> None:
    inst = generate_family("oversubscribed", seed=1, scale=0.15).instance
    seen: list[Progress] = []
    sol = solve(inst, time_limit=1.0, seed=1, workers=1, progress=seen.append)
    assert seen and all(isinstance(p, Progress) for p in seen)
    assert [p.seconds for p in seen] == sorted(p.seconds for p in seen)
    assert all(p.served_priority <= p.bound for p in seen)
    last = seen[-1]
    assert last.stage == "done"
    assert (last.served_priority, last.bound, last.travel_km) == (
        sol.stats.served_priority,
        sol.stats.bound,
        sol.stats.travel_km,
    )


def test_progress_from_parallel_parts() -> None:
    inst = generate_family("planted-8", seed=1, scale=0.05, counties=3).instance
    seen: list[Progress] = []
    sol = solve(inst, time_limit=1.5, seed=1, workers=2, progress=seen.append)
    assert len(seen) >= 2 and seen[-1].served_priority == sol.stats.served_priority


def test_progress_of_a_regional_solve_never_claims_more_than_its_bound() -> None:
    inst = generate_family("planted-8", seed=1, scale=0.05, counties=3).instance
    seen: list[Progress] = []
    params = SearchParams(regional_above=50, region_orders=40)
    sol = solve(inst, time_limit=2.0, seed=1, workers=2, params=params, progress=seen.append)
    assert len(seen) >= 2
    assert all(p.served_priority <= p.bound for p in seen)
    assert max(p.served_priority for p in seen[:-1]) <= sol.stats.bound


@pytest.mark.parametrize("workers", [1, 2])
def test_a_regional_solve_ends_within_its_last_tenth(workers: int) -> None:
    # Over-subscribed, so no region proves itself: what the stitch does not need goes to the regions' search.
    inst = generate_family("oversubscribed", seed=1, scale=0.5).instance
    params = SearchParams(regional_above=100, region_orders=100)
    began = time.monotonic()
    sol = solve(inst, time_limit=4.0, seed=1, workers=workers, params=params)
    took = time.monotonic() - began
    assert sol.stats.status == "FEASIBLE" and sol.stats.served_priority < sol.stats.bound
    # The target is [0.9, 1.0] of the limit; 2% over for a busy machine's last validation.
    assert 0.9 * 4.0 <= took <= 1.02 * 4.0
    assert validate(inst, sol) == []


def test_every_reason_is_listed_with_its_sentence() -> None:
    inst = generate_family("oversubscribed", seed=2, scale=0.1).instance
    sol = solve(inst, time_limit=1, seed=1, deterministic=True)
    assert sol.unassigned
    for u in sol.unassigned:
        assert u.code in REASONS
        assert u.reason == REASONS[u.code].format(**u.params)
