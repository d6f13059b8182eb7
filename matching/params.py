"""What steers a search: the knobs (SearchParams), its budget, and the progress it reports as it goes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("matching")


@dataclass(frozen=True)
class SearchParams:
    """Every knob of the search in one place; the defaults are what `solve()` uses."""

    # Construction: km-equivalent cost per other unplaced order that could use the same volunteer.
    pressure_km: float = 0.3
    # Ejection tries per unserved order while constructing.
    eject_tries: int = 40
    # Squeaky-wheel rebuilds: at most so many, taking at most this share of a part's time, each moving an order
    # left out up by so many priority levels, given up after so many rebuilds in a row that serve no more.
    squeaky_rounds: int = 12
    squeaky_share: float = 0.6
    anytime_squeaky_share: float = 0.25  # of the wall time, when the search is anytime
    squeaky_boost: int = 5
    squeaky_patience: int = 2
    # Rough speed of one greedy-and-ejection pass and of pruning, to budget work independently of the wall clock.
    orders_per_second: float = 1000.0
    prune_orders_per_second: float = 600.0
    # Parts at most this big (orders, pruned pairs) go to the exact CP-SAT model.
    exact_orders: int = 40
    exact_pairs: int = 1500
    # Polish steps: neighbourhood size (orders), cheapest teams and spare volunteers per team, CP-SAT work per step.
    neighbourhood: int = 25
    lns_teams: int = 5
    lns_extra: int = 4
    step_dtime: float = 0.3
    # Work counted per step for building its model: a fixed part and a part per volunteer-order pair.
    step_overhead: float = 0.01
    pair_work: float = 6e-4
    # Repair steps (serving more) look wider: more orders, teams and volunteers per step, over a few rounds.
    repair_neighbourhood: int = 30
    repair_teams: int = 8
    repair_extra: int = 6
    repair_rounds: int = 3
    # Once repair is stuck (focus above 1), the orders holding the alternatives of so many main blockers per focus
    # step join the neighbourhood.
    chain_blockers: int = 2
    # Once stuck, repair first re-places the unserved order with the chain of holders of its volunteers' time, as
    # many orders as the neighbourhood (at most closure_orders), breadth first, each free to use any team and
    # volunteer.
    closure_orders: int = 120
    # Then a deeper chain, each order followed only through its few main holders: so many, one entry per round in turn.
    deep_holders: tuple[int, ...] = (3, 2)
    # Once stuck, repair then takes each unserved order's teams in turn, following the same chain from the holders
    # of one team's volunteers. Every chain is at most closure_orders long; 0 turns them all off.
    team_repair: bool = True
    # Repair steps ask CP-SAT only for a plan serving more, and take the first one found.
    repair_first_gain: bool = True
    repair_dtime: float = 0.3
    # Anytime search: rounds that improve nothing widen the neighbourhood by this factor, up to max_neighbourhood
    # orders; while short of the bound, repair rounds alternate with polish slices of so many steps.
    widen: float = 1.5
    max_neighbourhood: int = 120
    max_focus: int = 4  # the unserved order and at most so many - 1 main blockers may use every team and volunteer
    polish_slice: int = 40
    polish_slice_seconds: float = 0.2  # at least; otherwise as long as the repair round before it took
    # Instances with more orders than regional_above are solved by geographic regions of about region_orders
    # orders. Kept for the regions' last results to come in and for stitching and proving the bound: a fixed part,
    # a part per volunteer (the stitch's look at the whole instance) and a part per order (checking the answer), on
    # an idle core, scaled by how busy the machine is (as the regions measured it), at most stitch_share of the
    # time. Measured at load 4-7, over four runs: 1.9-2.0 s on planted-8 at slowdowns 2.6-2.9 (0.7-0.8 s idle),
    # 4.7-5.6 s on the province at 1.7-2.6 (2.2-2.8 s idle); 0.06-0.15 s on 350 orders. Within a region of many
    # teams each order looks at its nearest region_teams teams. Regions are big and look wide because every cut
    # gives up dispatch across it: with regions of 1000 orders and 20 teams, 79 of planted-8's 123 unserved orders
    # had their witness crew in another region and 5 beyond the 20 nearest teams (BENCHMARKS.md, section of
    # 2026-12-02 20:20).
    regional_above: int = 2500
    region_orders: int = 2500
    stitch_seconds: float = 0.01
    stitch_seconds_per_volunteer: float = 3.6e-5
    stitch_seconds_per_order: float = 1.1e-4
    stitch_share: float = 0.2
    region_teams: int = 40
    # A region's pruning stops at this share of its time (what is left unpruned goes to the stitch); the stitch
    # stops looking at unserved orders so many seconds per order of the instance before the time limit, to validate
    # and assemble the answer.
    region_prune_share: float = 0.85
    stitch_tail_per_order: float = 8e-5
    # The LP relaxation may take this share of a part's time (it is skipped when the part gets less than
    # lp_min_seconds in deterministic mode, where its wall time would make runs differ).
    lp_share: float = 0.25
    lp_min_seconds: float = 15.0
    # The helper on a spare core solves the LP first on parts given at least helper_lp_seconds, then searches
    # with another seed until helper_margin (share of the part's time) before the deadline.
    helper_lp_seconds: float = 12.0
    helper_margin: float = 0.03
    # Deterministic mode: work units granted per second of time limit (wall clock is then only a safety net).
    dtime_per_second: float = 0.35
    # Deterministic mode: the wall clock stops a run only at this multiple of its time (a safety net for a machine
    # many times slower than usual).
    deterministic_slack: float = 6.0
    # Time kept for explaining, validating and assembling the answer: a fixed part and a part per order (on an
    # idle core; scaled by how busy the machine is), at most a share of the time limit.
    assembly_seconds: float = 0.02
    assembly_seconds_per_order: float = 2.5e-4
    assembly_share: float = 0.2


@dataclass(frozen=True)
class Progress:
    """Where a search stands: seconds since it began, served priority, proved bound and travel of the best plan."""

    seconds: float
    served_priority: int
    bound: int
    travel_km: float
    stage: str


ProgressCallback = Callable[[Progress], None]


class Budget:
    """When a stage must stop: a wall-clock deadline, and in deterministic mode a budget of counted work."""

    def __init__(self, deadline: float, work: float | None) -> None:
        self.deadline = deadline
        self.work = work  # None: anytime, bounded by the deadline alone
        self.used = 0.0
        self.stop: Callable[[], bool] | None = None  # proof that nothing better exists ends the search early

    @property
    def deterministic(self) -> bool:
        """Whether the search is bounded by counted work (repeatable) rather than by the clock."""
        return self.work is not None

    def left(self, share: float = 1.0) -> bool:
        """Whether there is time (and work, up to share of it) left."""
        if time.monotonic() >= self.deadline:
            return False
        if self.stop is not None and self.stop():
            return False
        return self.work is None or self.used < self.work * share

    def seconds_left(self) -> float:
        """Wall seconds to the deadline."""
        return max(0.0, self.deadline - time.monotonic())

    def spend(self, work: float) -> None:
        """Count work done."""
        self.used += work


class Reporter:
    """Reports a part's best plan so far, at most every `every` seconds unless served or bound changed."""

    def __init__(self, send: Callable[[int, int, float, str], None] | None, every: float = 0.25) -> None:
        self.send = send
        self.every = every
        self.last: tuple[int, int] | None = None
        self.at = 0.0

    def __call__(self, served: int, bound: int, travel: float, stage: str) -> None:
        """Send (served, bound, travel, stage) if it is news."""
        if self.send is None:
            return
        now = time.monotonic()
        if self.last == (served, bound) and now - self.at < self.every:
            return
        self.last, self.at = (served, bound), now
        self.send(served, bound, travel, stage)
