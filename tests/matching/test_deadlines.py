"""Pruning and stitching stop at their deadline: what they had no time for is left unserved, counted in the bound."""

from __future__ import annotations

import itertools
import time
from types import SimpleNamespace

import matching.candidates as candidates
from matching import validate
from matching.candidates import Problem
from matching.domain import Preferences, Solution, Stats
from matching.generate import generate
from matching.regions import regions, stitch


def test_a_prune_past_its_deadline_looks_at_no_order():
    inst = generate("small", seed=3)
    problem = Problem(inst, deadline=time.monotonic() - 1.0)
    assert problem.unpruned == set(problem.free)
    assert not problem.complete  # an LP over no pairs proves nothing
    assert all(not problem.info[oi].options for oi in problem.free)


def test_a_prune_cut_short_has_looked_at_the_most_important_orders(monkeypatch):
    inst = generate("small", seed=3)
    full = Problem(inst)
    # A clock that moves one second per reading: the deadline passes after five orders.
    ticks = itertools.count()
    monkeypatch.setattr(candidates, "time", SimpleNamespace(monotonic=lambda: float(next(ticks))))
    cut = Problem(inst, deadline=5.0)
    top = sorted(full.free, key=lambda oi: (-full.orders[oi].priority, oi))[:5]
    assert set(cut.free) - cut.unpruned == set(top)
    assert all(len(cut.info[oi].options) == len(full.info[oi].options) for oi in top)


def test_a_stitch_out_of_time_leaves_the_rest_unserved_and_counts_it_in_the_bound():
    inst = generate("small", seed=3)
    # Regions that served nothing but their accepted work: every free order reaches the stitch unserved.
    accepted = tuple(Problem(inst).fixed_assignments)  # with the skill each member fills
    served = [Solution(accepted, (), Stats(0, 0.0, 0, 0.0, ""))] + [
        Solution((), (), Stats(0, 0.0, 0, 0.0, "")) for _ in regions(inst, 30)[1:]
    ]
    solution = stitch(inst, served, Preferences(), time.monotonic(), deadline=time.monotonic() - 1.0)
    assert validate(inst, solution) == []
    assert len(solution.assignments) == len(inst.fixed)
    assert solution.stats.bound == inst.total_priority  # nothing was proved unservable
    assert {u.code for u in solution.unassigned} == {"unknown"}


def test_a_stitch_in_time_serves_across_regions():
    inst = generate("small", seed=3)
    accepted = tuple(Problem(inst).fixed_assignments)  # with the skill each member fills
    solution = stitch(
        inst, [Solution(accepted, (), Stats(0, 0.0, 0, 0.0, ""))], Preferences(), time.monotonic(), deadline=None
    )
    assert validate(inst, solution) == []
    assert len(solution.assignments) > len(inst.fixed)
    assert solution.stats.bound < inst.total_priority or not solution.unassigned
