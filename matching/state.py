"""A mutable plan of the free orders: who is busy when, and each order's team, start and crew."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from matching.candidates import OrderInfo, Pair, Problem, match_crew
from matching.score import Costs, total

Crew = tuple[tuple[int, str], ...]  # (volunteer index, skill)
# Objective integers: travel and penalties in metres; priority outranks any travel through BIG.
UNIT = 1000


@dataclass(frozen=True, slots=True)
class Placement:
    """One order's team, start minute and crew."""

    team: int
    start: int
    crew: Crew


class State:
    """Busy intervals and loads per volunteer, and the placement of each served free order."""

    def __init__(self, problem: Problem, costs: Costs) -> None:
        self.problem = problem
        self.costs = costs
        self.busy: dict[int, list[tuple[int, int, int]]] = {}  # v -> sorted (start, end, order)
        self.load: dict[int, int] = {}
        self.plan: dict[int, Placement] = {}
        self.version = 0  # counts changes to the plan
        # While constructing: km-equivalent cost of using a volunteer that other unplaced orders also need.
        self.pressure: dict[int, float] = {}

    def pair_of(self, oi: int, volunteer: int) -> Pair:
        """The pruned pair of order oi and a volunteer."""
        for op in self.problem.info[oi].options:
            for pr in op.pairs:
                if pr.volunteer == volunteer:
                    return pr
        raise KeyError((oi, volunteer))

    def is_free(self, volunteer: int, start: int, end: int) -> bool:
        """Whether a volunteer has nothing else in [start, end) and load to spare."""
        if self.load.get(volunteer, 0) >= self.problem.cap[volunteer]:
            return False
        intervals = self.busy.get(volunteer)
        if not intervals:
            return True
        after = bisect.bisect_left(intervals, (end,))
        # Only the interval starting just before `end` can reach into [start, end), since intervals do not overlap.
        return after == 0 or intervals[after - 1][1] <= start

    def place(self, oi: int, pl: Placement) -> None:
        """Commit a placement."""
        order = self.problem.orders[oi]
        pairs = {pr.volunteer: pr for op in self.problem.info[oi].options if op.team == pl.team for pr in op.pairs}
        for volunteer, _ in pl.crew:
            trip = pairs[volunteer].trip_minutes
            busy = (pl.start - trip, pl.start + order.duration + trip, oi)
            bisect.insort(self.busy.setdefault(volunteer, []), busy)
            self.load[volunteer] = self.load.get(volunteer, 0) + 1
        self.plan[oi] = pl
        self.version += 1

    def occupy(self, oi: int, start: int, volunteers: list[int]) -> None:
        """Block volunteers' time for an order served outside this state (e.g. by another region)."""
        order = self.problem.orders[oi]
        for volunteer in volunteers:
            trip = self.problem.dist.minutes(self.problem.vols[volunteer].station, order.station)
            bisect.insort(self.busy.setdefault(volunteer, []), (start - trip, start + order.duration + trip, oi))
            self.load[volunteer] = self.load.get(volunteer, 0) + 1

    def remove(self, oi: int) -> Placement:
        """Undo a placement."""
        pl = self.plan.pop(oi)
        self.version += 1
        for volunteer, _ in pl.crew:
            self.busy[volunteer] = [x for x in self.busy[volunteer] if x[2] != oi]
            self.load[volunteer] -= 1
        return pl

    def terms(self, oi: int, pl: Placement) -> list:
        """The named soft terms of a placement (see matching.score), against the rest of the plan."""
        pairs = {pr.volunteer: pr for op in self.problem.info[oi].options if op.team == pl.team for pr in op.pairs}
        mine = 1 if oi in self.plan else 0
        return self.costs.score(oi, pl.team, ((v, pairs[v].km, self.load.get(v, 0) - mine) for v, _ in pl.crew))

    def cost(self, oi: int, pl: Placement) -> float:
        """Soft cost (km-equivalents) of a placement: the sum of its terms."""
        return total(self.terms(oi, pl))

    def best_insert(self, oi: int) -> tuple[float, Placement] | None:
        """The cheapest placement of an unplaced order against the current plan, or None."""
        info: OrderInfo = self.problem.info[oi]
        order = self.problem.orders[oi]
        crew_size = order.crew_size
        best: tuple[float, Placement] | None = None
        opts = []
        for op in info.options:
            if not op.feasible:
                continue
            kms = sorted(self.costs.travel(pr.km) for pr in op.pairs)
            least = sum(kms[:crew_size]) + sum(self.costs.team_penalty(oi, op.team).values())
            opts.append((least, op.team, op))
        opts.sort(key=lambda x: (x[0], x[1]))
        fair = self.costs.prefs.fairness_weight
        pressure = self.pressure
        for least, _, op in opts:
            if best is not None and least >= best[0] - 1e-9:
                break
            penalty = sum(self.costs.team_penalty(oi, op.team).values())
            points: set[int] = set()
            for pr in op.pairs:
                for lo, hi in pr.ranges:
                    points.add(lo)
                    points.add(hi)
                for busy_from, busy_to, _ in self.busy.get(pr.volunteer, ()):
                    points.add(busy_to + pr.trip_minutes)
                    points.add(busy_from - pr.trip_minutes - order.duration)
            duration = order.duration
            for start in sorted(points):
                cands = []
                for pr in op.pairs:
                    ranges = pr.ranges
                    first_lo, first_hi = ranges[0]
                    if not (
                        first_lo <= start <= first_hi
                        or (len(ranges) > 1 and any(lo <= start <= hi for lo, hi in ranges[1:]))
                    ):
                        continue
                    if self.is_free(pr.volunteer, start - pr.trip_minutes, start + duration + pr.trip_minutes):
                        load = self.load.get(pr.volunteer, 0) if fair else 0
                        price = self.costs.volunteer_cost(pr.km, load) + pressure.get(pr.volunteer, 0.0)
                        cands.append((pr.volunteer, pr.skills, price))
                if len(cands) < crew_size:
                    continue
                crew = match_crew(order.demand, cands)
                if crew is None:
                    continue
                price_of = {volunteer: price for volunteer, _, price in cands}
                cost = sum(price_of[volunteer] for volunteer, _ in crew) + penalty
                if best is None or cost < best[0] - 1e-9:
                    best = (cost, Placement(op.team, start, tuple(crew)))
        return best

    def eject_insert(self, oi: int, max_tries: int = 40, depth: int = 1) -> bool:
        """Serve an unserved order by bumping the orders in its way and re-placing them elsewhere.

        Kept only if served priority grows; otherwise everything is put back as it was.
        """
        problem = self.problem
        order = problem.orders[oi]
        crew_size = order.crew_size
        tries = 0
        opts = sorted(
            (op for op in problem.info[oi].options if op.feasible),
            key=lambda op: (sum(sorted(pr.km for pr in op.pairs)[:crew_size]), op.team),
        )
        for op in opts:
            points = sorted(
                {lo for pr in op.pairs for lo, _ in pr.ranges}
                | {be + pr.trip_minutes for pr in op.pairs for _, be, _ in self.busy.get(pr.volunteer, ())}
            )
            for start in points:
                cands = []
                blockers: dict[int, set[int]] = {}
                for pr in op.pairs:
                    if not pr.can_start(start):
                        continue
                    away_from, away_to = start - pr.trip_minutes, start + order.duration + pr.trip_minutes
                    mine = self.busy.get(pr.volunteer, ())
                    hit = {x for bs, be, x in mine if bs < away_to and be > away_from}
                    if self.load.get(pr.volunteer, 0) - len(hit) >= problem.cap[pr.volunteer]:
                        # At max_orders: bumping its least important order frees one.
                        rest = sorted((problem.orders[x].priority, x) for _, _, x in mine if x not in hit)
                        if not rest:
                            continue
                        hit.add(rest[0][1])
                    blockers[pr.volunteer] = hit
                    cost = 2 * pr.km + 1e6 * sum(problem.orders[x].priority for x in hit)
                    cands.append((pr.volunteer, pr.skills, cost))
                if len(cands) < crew_size:
                    continue
                crew = match_crew(order.demand, cands)
                if crew is None:
                    continue
                bumped = set().union(*(blockers[volunteer] for volunteer, _ in crew))
                if not bumped or sum(problem.orders[x].priority for x in bumped) >= order.priority * 3:
                    continue
                tries += 1
                if self._try_bump(oi, Placement(op.team, start, tuple(crew)), sorted(bumped), depth):
                    return True
                if tries >= max_tries:
                    return False
        return False

    def _try_bump(self, oi: int, pl: Placement, bumped: list[int], depth: int) -> bool:
        orders = self.problem.orders
        old = {x: self.remove(x) for x in bumped}
        self.place(oi, pl)
        lost = 0
        for other in sorted(bumped, key=lambda x: (-orders[x].priority, x)):
            best = self.best_insert(other)
            if best is not None:
                self.place(other, best[1])
            elif depth <= 1 or not self.eject_insert(other, max_tries=8, depth=depth - 1):
                lost += orders[other].priority
        if lost < orders[oi].priority:
            return True
        for x in bumped:
            if x in self.plan:
                self.remove(x)
        self.remove(oi)
        for x, old_pl in old.items():
            self.place(x, old_pl)
        return False
