"""Pruning: which volunteer may serve which order, from which start minutes, at what travel cost.

A pair (order, volunteer) survives only if the volunteer holds a needed skill, is in a team the order does not
exclude, lives within its max_km, and has an availability interval that covers window + duration + travel both
ways. Fixed assignments are folded in first: their volunteers lose that time and one unit of max_orders.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from matching.constraints import validate
from matching.domain import Assignment, CrewMember, Instance, Interval, Order, Solution, Stats
from matching.io import InstanceError
from matching.travel import Distances, travel_minutes

DAY = 1440
ALL_DAYS = (1 << 62) - 1


@dataclass(slots=True)
class Pair:
    """A volunteer that could serve an order on its own terms, ignoring other orders."""

    volunteer: int
    skills: tuple[str, ...]
    trip_minutes: int  # one way, from the volunteer's station to the order's
    km: float
    ranges: tuple[tuple[int, int], ...]  # inclusive ranges of feasible start minutes

    def can_start(self, start: int) -> bool:
        """Whether the order may start at s as far as this volunteer alone is concerned."""
        return any(lo <= start <= hi for lo, hi in self.ranges)


@dataclass(slots=True)
class Option:
    """An allowed team for an order, with its eligible volunteers."""

    team: int
    pairs: list[Pair]
    feasible: bool = False  # a full crew exists at one start minute, ignoring other orders


@dataclass(slots=True)
class OrderInfo:
    """Pruned options of one free (not fixed) order."""

    order: int
    options: list[Option] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        """Whether some team could serve the order if it were alone."""
        return any(op.feasible for op in self.options)


def subtract(avail: tuple[Interval, ...], busy: list[Interval]) -> tuple[Interval, ...]:
    """Availability intervals minus busy intervals."""
    out: list[Interval] = []
    for start, end in avail:
        cur = start
        for busy_from, busy_to in sorted(busy):
            if busy_to <= cur or busy_from >= end:
                continue
            if busy_from > cur:
                out.append((cur, busy_from))
            cur = max(cur, busy_to)
        if cur < end:
            out.append((cur, end))
    return tuple(out)


def match_crew(demand: dict[str, int], cands: list[tuple[int, tuple[str, ...], float]]) -> list[tuple[int, str]] | None:
    """A cheap crew filling demand from (volunteer, skills, cost) candidates, or None if none exists.

    Greedy on the scarcest skill first, then augmenting paths (Kuhn) if the greedy gets stuck; candidates are tried
    cheapest first so the crew is cheap though not always the cheapest.
    """
    slots = [sk for sk in sorted(demand) for _ in range(demand[sk])]
    if len(cands) < len(slots):
        return None
    holders = {sk: sum(1 for c in cands if sk in c[1]) for sk in demand}
    if any(holders[sk] < n for sk, n in demand.items()):
        return None
    order = sorted(cands, key=lambda c: (c[2], c[0]))
    used: dict[int, str] = {}
    ok = True
    for sk in sorted(demand, key=lambda s: (holders[s] - demand[s], s)):
        need = demand[sk]
        for volunteer, skills, _ in order:
            if need == 0:
                break
            if volunteer not in used and sk in skills:
                used[volunteer] = sk
                need -= 1
        if need:
            ok = False
            break
    if ok:
        return sorted(used.items())
    # Augmenting paths over slots; volunteers in cost order keep it cheap.
    owner: dict[int, int] = {}  # volunteer -> slot index
    skills_of = {volunteer: skills for volunteer, skills, _ in order}
    vols = [volunteer for volunteer, _, _ in order]

    def augment(slot: int, seen: set[int]) -> bool:
        for volunteer in vols:
            if volunteer in seen or slots[slot] not in skills_of[volunteer]:
                continue
            seen.add(volunteer)
            if volunteer not in owner or augment(owner[volunteer], seen):
                owner[volunteer] = slot
                return True
        return False

    for slot in range(len(slots)):
        if not augment(slot, set()):
            return None
    return sorted((volunteer, slots[slot]) for volunteer, slot in owner.items())


class Problem:
    """An instance with fixed assignments folded in and every order's candidates pruned."""

    def __init__(
        self,
        instance: Instance,
        only_orders: set[str] | None = None,
        radius_km: float | None = None,
        max_teams: int | None = None,
        trusted_fixed: bool = False,
        crews: dict[str, tuple[CrewMember, ...]] | None = None,
        deadline: float | None = None,
    ) -> None:
        self.instance = instance
        self.dist = Distances(instance)
        self.vols = instance.volunteers
        self.orders = instance.orders
        self.teams = instance.teams
        self.team_index = {t.id: i for i, t in enumerate(self.teams)}
        self.vol_index = {v.id: i for i, v in enumerate(self.vols)}
        self.order_index = {o.id: i for i, o in enumerate(self.orders)}
        fixed_ids = set(instance.fixed_by_order)
        self.free = [
            i
            for i, o in enumerate(self.orders)
            if o.id not in fixed_ids and (only_orders is None or o.id in only_orders)
        ]
        # Volunteers without any skill the free orders need never matter; a few-order problem skips them.
        needed = {sk for i in self.free for sk in self.orders[i].demand}
        self.relevant = [bool(needed.intersection(v.skills)) for v in self.vols]
        self.fixed_assignments = self._fix(trusted_fixed, crews or {})
        self.info: dict[int, OrderInfo] = {}
        self.radius_km = radius_km
        # Whether every pair allowed by the hard rules is present (only then is an LP over the pairs a bound).
        self.complete = radius_km is None and max_teams is None
        self._index()
        # Orders left unlooked-at when the deadline came: they have no options, and nothing is proved about them.
        self.unpruned: set[int] = set()
        # Against a deadline the most important orders are looked at first.
        todo = self.free if deadline is None else sorted(self.free, key=lambda i: (-self.orders[i].priority, i))
        for oi in todo:
            if deadline is not None and (self.unpruned or time.monotonic() >= deadline):
                self.unpruned.add(oi)
                continue
            info = self._prune(oi, radius_km, max_teams)
            if not self.complete and not info.feasible:
                info = self._prune(oi, None)  # nobody near can do it: look everywhere, so feasibility stays exact
            self.info[oi] = info
        self.info = {i: self.info.get(i) or OrderInfo(i) for i in self.free}
        if self.unpruned:
            self.complete = False

    # Fixed assignments -----------------------------------------------------------------------------------------

    def _fix(self, trusted: bool, crews: dict[str, tuple[CrewMember, ...]]) -> list[Assignment]:
        inst = self.instance
        busy: dict[int, list[Interval]] = {}
        out = []
        for fixed in inst.fixed:
            order = inst.order_by_id[fixed.order]
            if fixed.order in crews:  # skills already known (a standing plan): no need to match them again
                out.append(Assignment(fixed.order, fixed.team, fixed.start, crews[fixed.order]))
                continue
            cands = [(self.vol_index[vid], inst.volunteer_by_id[vid].skills, 0.0) for vid in fixed.volunteers]
            crew = match_crew(order.demand, cands) if len(fixed.volunteers) == order.crew_size else None
            if crew is None:
                raise InstanceError(f"fixed assignment of order {fixed.order}: its volunteers cannot fill the needs")
            out.append(
                Assignment(
                    fixed.order, fixed.team, fixed.start, tuple(CrewMember(self.vols[v].id, sk) for v, sk in crew)
                )
            )
        sol = Solution(tuple(out), (), Stats(0, 0.0, 0, 0.0, "FIXED"))
        fixed_only = Instance(
            inst.stations,
            inst.teams,
            inst.volunteers,
            tuple(inst.order_by_id[fixed.order] for fixed in inst.fixed),
            inst.fixed,
            inst.horizon_start,
            inst.horizon_minutes,
            inst.road_factor,
            inst.speed_kmh,
        )
        # Work the engine placed itself was validated already; what others accepted is checked here.
        errors = [] if trusted else validate(fixed_only, sol, self.dist)
        if errors:
            raise InstanceError("fixed assignments break hard rules: " + "; ".join(errors[:5]))
        for assignment in out:
            order = inst.order_by_id[assignment.order]
            for member in assignment.volunteers:
                vi = self.vol_index.get(member.id)
                # A trusted plan may name volunteers left out of a reduced instance: they cannot matter here.
                if vi is not None and self.relevant[vi]:
                    trip = self.dist.minutes(self.vols[vi].station, order.station)
                    busy.setdefault(vi, []).append((assignment.start - trip, assignment.start + order.duration + trip))
        # Effective availability and remaining max_orders after the fixed work.
        self.avail: list[tuple[Interval, ...]] = [v.available for v in self.vols]
        self.cap: list[int] = [v.max_orders for v in self.vols]
        self.fixed_busy = busy
        for vi, ivs in busy.items():
            self.avail[vi] = subtract(self.avail[vi], ivs)
            self.cap[vi] -= len(ivs)
        return out

    # Indexes ---------------------------------------------------------------------------------------------------

    def _index(self) -> None:
        inst = self.instance
        self.st_ids = [s.id for s in inst.stations]
        st_index = {s: i for i, s in enumerate(self.st_ids)}
        self.st_lat = np.radians(np.array([s.lat for s in inst.stations], dtype=float))
        self.st_lon = np.radians(np.array([s.lon for s in inst.stations], dtype=float))
        nv = len(self.vols)
        self.vol_st = np.array([st_index[volunteer.station] for volunteer in self.vols], dtype=np.int64)
        self.vol_team = np.array([self.team_index[volunteer.team] for volunteer in self.vols], dtype=np.int64)
        self.vol_maxkm = np.array(
            [math.inf if volunteer.max_km is None else volunteer.max_km for volunteer in self.vols], dtype=float
        )
        self.vol_cap = np.array(self.cap, dtype=np.int64)
        rel = self.relevant
        lens = [len(intervals) if rel[vi] else 0 for vi, intervals in enumerate(self.avail)]
        self.av_off = np.zeros(nv + 1, dtype=np.int64)
        self.av_off[1:] = np.cumsum(lens)
        flat = [iv for vi, intervals in enumerate(self.avail) if rel[vi] for iv in intervals]
        self.av_s = np.array([start for start, _ in flat], dtype=np.int64)
        self.av_e = np.array([end for _, end in flat], dtype=np.int64)
        longest = np.zeros(nv, dtype=np.int64)
        for vi, intervals in enumerate(self.avail):
            if rel[vi] and intervals:
                longest[vi] = max(end - start for start, end in intervals)
        # Volunteers by (team, skill), only those with time and max_orders left, and the days each one is free on
        # as a bit mask (all bits when the horizon is longer than the mask).
        by: dict[tuple[int, str], list[int]] = {}
        mask = np.zeros(nv, dtype=np.int64)
        for vi, volunteer in enumerate(self.vols):
            if self.cap[vi] <= 0 or longest[vi] <= 0 or not self.relevant[vi]:
                continue
            days = 0
            for start, end in self.avail[vi]:
                for d in range(start // DAY, (end - 1) // DAY + 1):
                    days |= 1 << d if 0 <= d < 62 else ALL_DAYS
            mask[vi] = days
            tm = int(self.vol_team[vi])
            for sk in volunteer.skills:
                by.setdefault((tm, sk), []).append(vi)
        self.by_team_skill = {key: np.array(members, dtype=np.int64) for key, members in by.items()}
        self.vol_days = mask
        self.vol_longest = longest
        self.st_index = st_index
        self.team_st = np.array([st_index[t.station] for t in self.teams], dtype=np.int64)
        self._rows: dict[int, np.ndarray] = {}
        # Volunteers who could serve anything, grouped by home station, with a mask per skill: an order looks only
        # at stations within the farthest reach of any volunteer, which on a big instance is a small part of it.
        usable = np.nonzero(mask != 0)[0]
        by_station = usable[np.argsort(self.vol_st[usable], kind="stable")]
        self.usable_by_station = by_station
        self.station_offsets = np.searchsorted(self.vol_st[by_station], np.arange(len(self.st_ids) + 1))
        self.skill_holders: dict[str, np.ndarray] = {}
        for (_, sk), members in self.by_team_skill.items():
            holders = self.skill_holders.setdefault(sk, np.zeros(nv, dtype=bool))
            holders[members] = True
        finite_km = self.vol_maxkm[usable][np.isfinite(self.vol_maxkm[usable])]
        no_limit = len(finite_km) < len(usable)
        # One km of slack: exact distances (Distances) may differ from these in the last float digits.
        self.farthest_km = math.inf if no_limit or not len(usable) else float(finite_km.max()) + 1.0
        self.longest_free = int(longest[usable].max()) if len(usable) else 0

    def holders(self, skill: str) -> np.ndarray:
        """Indices of all volunteers holding a skill."""
        if not hasattr(self, "_holders"):
            by: dict[str, list[int]] = {}
            for i, v in enumerate(self.vols):
                for sk in v.skills:
                    by.setdefault(sk, []).append(i)
            self._holders = {sk: np.array(ix, dtype=np.int64) for sk, ix in by.items()}
        return self._holders.get(skill, np.zeros(0, dtype=np.int64))

    def _row(self, st: int) -> np.ndarray:
        """Approximate road km from one station to every station (exact figures come from Distances)."""
        row = self._rows.get(st)
        if row is None:
            lat0, lon0 = self.st_lat[st], self.st_lon[st]
            lat, lon = self.st_lat, self.st_lon
            haversine = np.sin((lat - lat0) / 2) ** 2 + np.cos(lat0) * np.cos(lat) * np.sin((lon - lon0) / 2) ** 2
            row = self.instance.road_factor * 2 * 6371.0 * np.arcsin(np.minimum(1.0, np.sqrt(haversine)))
            self._rows[st] = row
        return row

    def _prune(self, oi: int, radius_km: float | None, max_teams: int | None = None) -> OrderInfo:
        inst = self.instance
        order = self.orders[oi]
        info = OrderInfo(oi)
        ost = self.st_index[order.station]
        row = self._row(ost)
        team_ok = np.ones(len(self.teams), dtype=bool)
        for team_id in order.exclude_teams:
            team_ok[self.team_index[team_id]] = False
        if max_teams is not None and team_ok.sum() > max_teams:
            tdist = np.where(team_ok, row[self.team_st], np.inf)
            team_ok = np.zeros(len(self.teams), dtype=bool)
            team_ok[np.argsort(tdist, kind="stable")[:max_teams]] = True
        cands = self._nearby(order, row, team_ok) if max_teams is None else self._in_teams(order, team_ok)
        if len(cands) == 0:
            return info
        # Only volunteers free on a day the order's windows touch can serve it.
        days = 0
        for ws, we in order.windows:
            for d in range(ws // DAY, (we - 1) // DAY + 1):
                days |= 1 << d if 0 <= d < 62 else ALL_DAYS
        cands = cands[(self.vol_days[cands] & days) != 0]
        approx = row[self.vol_st[cands]]
        # The longest free interval must hold duration + two trips; one minute of slack absorbs the approximation.
        keep = approx / inst.speed_kmh * 60 <= (self.vol_longest[cands] - order.duration) / 2 + 1.0
        if radius_km is not None:
            keep &= approx <= radius_km
        cands = cands[keep]
        if len(cands) == 0:
            return info
        st_km = np.full(len(self.st_ids), np.inf)
        st_t = np.zeros(len(self.st_ids), dtype=np.int64)
        for st in np.unique(self.vol_st[cands]).tolist():
            km = self.dist.km(self.st_ids[st], order.station)
            st_km[st] = km
            st_t[st] = travel_minutes(km, inst.speed_kmh)
        km = st_km[self.vol_st[cands]]
        ok = km <= self.vol_maxkm[cands] + 1e-9
        cands = cands[ok]
        if len(cands) == 0:
            return info
        trip = st_t[self.vol_st[cands]]
        counts = self.av_off[cands + 1] - self.av_off[cands]
        total = int(counts.sum())
        if total == 0:
            return info
        owner = np.repeat(np.arange(len(cands)), counts)
        first = np.repeat(self.av_off[cands], counts)
        pos = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        idx = first + pos
        a_s = self.av_s[idx] + trip[owner]
        a_e = self.av_e[idx] - trip[owner] - order.duration
        own_l, lo_l, hi_l = [], [], []
        for ws, we in order.windows:
            lo = np.maximum(a_s, ws)
            hi = np.minimum(a_e, we - order.duration)
            good = lo <= hi
            own_l.append(owner[good])
            lo_l.append(lo[good])
            hi_l.append(hi[good])
        own = np.concatenate(own_l)
        if len(own) == 0:
            return info
        los, his = np.concatenate(lo_l), np.concatenate(hi_l)
        by_owner = np.lexsort((los, own))
        own_sorted = own[by_owner]
        ranges = list(zip(los[by_owner].tolist(), his[by_owner].tolist(), strict=True))
        # Each candidate's start ranges are one run of the sorted hits.
        cuts = [0, *(np.flatnonzero(np.diff(own_sorted)) + 1).tolist(), len(ranges)]
        c_list, t_list, km_list = cands.tolist(), trip.tolist(), km[ok].tolist()
        team_list = self.vol_team[cands].tolist()
        demand = order.demand
        by_team: dict[int, list[Pair]] = {}
        for run_start, run_end, k in zip(cuts, cuts[1:], own_sorted[cuts[:-1]].tolist(), strict=False):
            vi = c_list[k]
            skills = tuple(sk for sk in self.vols[vi].skills if sk in demand)
            pair = Pair(vi, skills, t_list[k], km_list[k], tuple(ranges[run_start:run_end]))
            by_team.setdefault(team_list[k], []).append(pair)
        for team in sorted(by_team):
            op = Option(team, by_team[team])
            self._static(order, op)
            info.options.append(op)
        return info

    def _in_teams(self, order: Order, team_ok: np.ndarray) -> np.ndarray:
        """Usable volunteers of the allowed teams holding a needed skill, in index order."""
        index = self.by_team_skill
        teams = np.nonzero(team_ok)[0].tolist()
        arrays = [index[key] for team in teams for skill in order.demand if (key := (team, skill)) in index]
        return np.unique(np.concatenate(arrays)) if arrays else np.zeros(0, dtype=np.int64)

    def _nearby(self, order: Order, row: np.ndarray, team_ok: np.ndarray) -> np.ndarray:
        """The same volunteers as _in_teams, looking only at stations within any volunteer's reach of the order.

        Beyond the farthest max_km, or farther than the longest free interval allows travelling both ways (with the
        same minute of slack as the travel test in _prune), nobody can serve it.
        """
        reach_minutes = (self.longest_free - order.duration) / 2 + 1.0
        if reach_minutes < 0:
            return np.zeros(0, dtype=np.int64)
        reach_km = min(self.farthest_km, reach_minutes * self.instance.speed_kmh / 60 * (1 + 1e-9) + 1e-6)
        near = np.nonzero(row <= reach_km)[0]
        starts, ends = self.station_offsets[near], self.station_offsets[near + 1]
        sizes = ends - starts
        if not sizes.sum():
            return np.zeros(0, dtype=np.int64)
        positions = np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
        found = self.usable_by_station[positions]
        wanted = np.zeros(len(found), dtype=bool)
        for skill in order.demand:
            holders = self.skill_holders.get(skill)
            if holders is not None:
                wanted |= holders[found]
        found = found[wanted & team_ok[self.vol_team[found]]]
        return np.sort(found)

    def _static(self, order: Order, op: Option) -> None:
        """Mark whether a crew exists at some start, ignoring other orders."""
        have: dict[str, int] = {}
        for pair in op.pairs:
            for sk in pair.skills:
                have[sk] = have.get(sk, 0) + 1
        if any(have.get(sk, 0) < count for sk, count in order.demand.items()):
            return
        crew_size = order.crew_size
        if crew_size == 1:
            op.feasible = True  # every pair holds a needed skill and can start somewhere on its own
            return
        # The set of volunteers who can start at s only grows at a range's left end, so checking those suffices.
        # Sweep the range starts in time order, keeping the ranges still open.
        spans = sorted((lo, hi, k) for k, pair in enumerate(op.pairs) for lo, hi in pair.ranges)
        active: list[tuple[int, int]] = []  # (hi, pair index)
        position = 0
        while position < len(spans):
            start = spans[position][0]
            while position < len(spans) and spans[position][0] == start:
                active.append((spans[position][1], spans[position][2]))
                position += 1
            active = [x for x in active if x[0] >= start]
            if len(active) < crew_size:
                continue
            cands = [(op.pairs[k].volunteer, op.pairs[k].skills, op.pairs[k].km) for _, k in active]
            if match_crew(order.demand, cands) is not None:
                op.feasible = True
                return
