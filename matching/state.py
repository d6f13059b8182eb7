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
        self.p = problem
        self.costs = costs
        self.busy: dict[int, list[tuple[int, int, int]]] = {}  # v -> sorted (start, end, order)
        self.load: dict[int, int] = {}
        self.plan: dict[int, Placement] = {}
        self.version = 0  # counts changes to the plan
        # While constructing: km-equivalent cost of using a volunteer that other unplaced orders also need.
        self.pressure: dict[int, float] = {}

    def pair_of(self, oi: int, v: int) -> Pair:
        """The pruned pair of order oi and volunteer v."""
        for op in self.p.info[oi].options:
            for pr in op.pairs:
                if pr.v == v:
                    return pr
        raise KeyError((oi, v))

    def is_free(self, v: int, s: int, e: int) -> bool:
        """Whether volunteer v has nothing else in [s, e) and load to spare."""
        if self.load.get(v, 0) >= self.p.cap[v]:
            return False
        lst = self.busy.get(v)
        if not lst:
            return True
        i = bisect.bisect_left(lst, (e,))
        # Only the interval starting just before e can reach into [s, e), since intervals do not overlap.
        return i == 0 or lst[i - 1][1] <= s

    def place(self, oi: int, pl: Placement) -> None:
        """Commit a placement."""
        o = self.p.orders[oi]
        pairs = {pr.v: pr for op in self.p.info[oi].options if op.team == pl.team for pr in op.pairs}
        for v, _ in pl.crew:
            t = pairs[v].t
            bisect.insort(self.busy.setdefault(v, []), (pl.start - t, pl.start + o.duration + t, oi))
            self.load[v] = self.load.get(v, 0) + 1
        self.plan[oi] = pl
        self.version += 1

    def occupy(self, oi: int, start: int, volunteers: list[int]) -> None:
        """Block volunteers' time for an order served outside this state (e.g. by another region)."""
        o = self.p.orders[oi]
        for v in volunteers:
            t = self.p.dist.minutes(self.p.vols[v].station, o.station)
            bisect.insort(self.busy.setdefault(v, []), (start - t, start + o.duration + t, oi))
            self.load[v] = self.load.get(v, 0) + 1

    def remove(self, oi: int) -> Placement:
        """Undo a placement."""
        pl = self.plan.pop(oi)
        self.version += 1
        for v, _ in pl.crew:
            self.busy[v] = [x for x in self.busy[v] if x[2] != oi]
            self.load[v] -= 1
        return pl

    def terms(self, oi: int, pl: Placement) -> list:
        """The named soft terms of a placement (see matching.score), against the rest of the plan."""
        pairs = {pr.v: pr for op in self.p.info[oi].options if op.team == pl.team for pr in op.pairs}
        mine = 1 if oi in self.plan else 0
        return self.costs.score(oi, pl.team, ((v, pairs[v].km, self.load.get(v, 0) - mine) for v, _ in pl.crew))

    def cost(self, oi: int, pl: Placement) -> float:
        """Soft cost (km-equivalents) of a placement: the sum of its terms."""
        return total(self.terms(oi, pl))

    def best_insert(self, oi: int) -> tuple[float, Placement] | None:
        """The cheapest placement of an unplaced order against the current plan, or None."""
        info: OrderInfo = self.p.info[oi]
        o = self.p.orders[oi]
        n = o.crew_size
        best: tuple[float, Placement] | None = None
        opts = []
        for op in info.options:
            if not op.feasible:
                continue
            kms = sorted(self.costs.travel(p.km) for p in op.pairs)
            lb = sum(kms[:n]) + sum(self.costs.team_penalty(oi, op.team).values())
            opts.append((lb, op.team, op))
        opts.sort(key=lambda x: (x[0], x[1]))
        fair = self.costs.prefs.fairness_weight
        pressure = self.pressure
        for lb, _, op in opts:
            if best is not None and lb >= best[0] - 1e-9:
                break
            pen = sum(self.costs.team_penalty(oi, op.team).values())
            points: set[int] = set()
            for p in op.pairs:
                for lo, hi in p.ranges:
                    points.add(lo)
                    points.add(hi)
                for bs, be, _ in self.busy.get(p.v, ()):
                    points.add(be + p.t)
                    points.add(bs - p.t - o.duration)
            dur = o.duration
            for s in sorted(points):
                cands = []
                for p in op.pairs:
                    r = p.ranges
                    if not (r[0][0] <= s <= r[0][1] or (len(r) > 1 and any(lo <= s <= hi for lo, hi in r[1:]))):
                        continue
                    if self.is_free(p.v, s - p.t, s + dur + p.t):
                        load = self.load.get(p.v, 0) if fair else 0
                        c = self.costs.volunteer_cost(p.km, load) + pressure.get(p.v, 0.0)
                        cands.append((p.v, p.skills, c))
                if len(cands) < n:
                    continue
                crew = match_crew(o.demand, cands)
                if crew is None:
                    continue
                cmap = {v: c for v, _, c in cands}
                cost = sum(cmap[v] for v, _ in crew) + pen
                if best is None or cost < best[0] - 1e-9:
                    best = (cost, Placement(op.team, s, tuple(crew)))
        return best

    def eject_insert(self, oi: int, max_tries: int = 40, depth: int = 1) -> bool:
        """Serve an unserved order by bumping the orders in its way and re-placing them elsewhere.

        Kept only if served priority grows; otherwise everything is put back as it was.
        """
        p = self.p
        o = p.orders[oi]
        n = o.crew_size
        tries = 0
        opts = sorted(
            (op for op in p.info[oi].options if op.feasible),
            key=lambda op: (sum(sorted(pr.km for pr in op.pairs)[:n]), op.team),
        )
        for op in opts:
            points = sorted(
                {lo for pr in op.pairs for lo, _ in pr.ranges}
                | {be + pr.t for pr in op.pairs for _, be, _ in self.busy.get(pr.v, ())}
            )
            for s in points:
                cands = []
                blockers: dict[int, set[int]] = {}
                for pr in op.pairs:
                    if not pr.can_start(s):
                        continue
                    a, b = s - pr.t, s + o.duration + pr.t
                    mine = self.busy.get(pr.v, ())
                    hit = {x for bs, be, x in mine if bs < b and be > a}
                    if self.load.get(pr.v, 0) - len(hit) >= p.cap[pr.v]:
                        # At max_orders: bumping its least important order frees one.
                        rest = sorted((p.orders[x].priority, x) for _, _, x in mine if x not in hit)
                        if not rest:
                            continue
                        hit.add(rest[0][1])
                    blockers[pr.v] = hit
                    cost = 2 * pr.km + 1e6 * sum(p.orders[x].priority for x in hit)
                    cands.append((pr.v, pr.skills, cost))
                if len(cands) < n:
                    continue
                crew = match_crew(o.demand, cands)
                if crew is None:
                    continue
                bumped = set().union(*(blockers[v] for v, _ in crew))
                if not bumped or sum(p.orders[x].priority for x in bumped) >= o.priority * 3:
                    continue
                tries += 1
                if self._try_bump(oi, Placement(op.team, s, tuple(crew)), sorted(bumped), depth):
                    return True
                if tries >= max_tries:
                    return False
        return False

    def _try_bump(self, oi: int, pl: Placement, bumped: list[int], depth: int) -> bool:
        p = self.p
        old = {x: self.remove(x) for x in bumped}
        self.place(oi, pl)
        lost = 0
        for x in sorted(bumped, key=lambda x: (-p.orders[x].priority, x)):
            best = self.best_insert(x)
            if best is not None:
                self.place(x, best[1])
            elif depth <= 1 or not self.eject_insert(x, max_tries=8, depth=depth - 1):
                lost += p.orders[x].priority
        if lost < p.orders[oi].priority:
            return True
        for x in bumped:
            if x in self.plan:
                self.remove(x)
        self.remove(oi)
        for x, old_pl in old.items():
            self.place(x, old_pl)
        return False
