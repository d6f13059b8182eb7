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

    def can_start(self, s: int) -> bool:
        """Whether the order may start at s as far as this volunteer alone is concerned."""
        return any(lo <= s <= hi for lo, hi in self.ranges)


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
    for a, b in avail:
        cur = a
        for s, e in sorted(busy):
            if e <= cur or s >= b:
                continue
            if s > cur:
                out.append((cur, s))
            cur = max(cur, e)
        if cur < b:
            out.append((cur, b))
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
        for v, skills, _ in order:
            if need == 0:
                break
            if v not in used and sk in skills:
                used[v] = sk
                need -= 1
        if need:
            ok = False
            break
    if ok:
        return sorted(used.items())
    # Augmenting paths over slots; volunteers in cost order keep it cheap.
    owner: dict[int, int] = {}  # volunteer -> slot index
    skills_of = {v: skills for v, skills, _ in order}
    vols = [v for v, _, _ in order]

    def augment(i: int, seen: set[int]) -> bool:
        for v in vols:
            if v in seen or slots[i] not in skills_of[v]:
                continue
            seen.add(v)
            if v not in owner or augment(owner[v], seen):
                owner[v] = i
                return True
        return False

    for i in range(len(slots)):
        if not augment(i, set()):
            return None
    return sorted((v, slots[i]) for v, i in owner.items())


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
        for i in todo:
            if deadline is not None and (self.unpruned or time.monotonic() >= deadline):
                self.unpruned.add(i)
                continue
            info = self._prune(i, radius_km, max_teams)
            if not self.complete and not info.feasible:
                info = self._prune(i, None)  # nobody near can do it: look everywhere, so feasibility stays exact
            self.info[i] = info
        self.info = {i: self.info.get(i) or OrderInfo(i) for i in self.free}
        if self.unpruned:
            self.complete = False

    # Fixed assignments -----------------------------------------------------------------------------------------

    def _fix(self, trusted: bool, crews: dict[str, tuple[CrewMember, ...]]) -> list[Assignment]:
        inst = self.instance
        busy: dict[int, list[Interval]] = {}
        out = []
        for f in inst.fixed:
            o = inst.order_by_id[f.order]
            if f.order in crews:  # skills already known (a standing plan): no need to match them again
                out.append(Assignment(f.order, f.team, f.start, crews[f.order]))
                continue
            cands = [(self.vol_index[vid], inst.volunteer_by_id[vid].skills, 0.0) for vid in f.volunteers]
            crew = match_crew(o.demand, cands) if len(f.volunteers) == o.crew_size else None
            if crew is None:
                raise InstanceError(f"fixed assignment of order {f.order}: its volunteers cannot fill the needs")
            out.append(Assignment(f.order, f.team, f.start, tuple(CrewMember(self.vols[v].id, sk) for v, sk in crew)))
        sol = Solution(tuple(out), (), Stats(0, 0.0, 0, 0.0, "FIXED"))
        fixed_only = Instance(
            inst.stations,
            inst.teams,
            inst.volunteers,
            tuple(inst.order_by_id[f.order] for f in inst.fixed),
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
        for a in out:
            o = inst.order_by_id[a.order]
            for c in a.volunteers:
                vi = self.vol_index.get(c.id)
                # A trusted plan may name volunteers left out of a reduced instance: they cannot matter here.
                if vi is not None and self.relevant[vi]:
                    t = self.dist.minutes(self.vols[vi].station, o.station)
                    busy.setdefault(vi, []).append((a.start - t, a.start + o.duration + t))
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
        self.vol_st = np.array([st_index[v.station] for v in self.vols], dtype=np.int64)
        self.vol_team = np.array([self.team_index[v.team] for v in self.vols], dtype=np.int64)
        self.vol_maxkm = np.array([math.inf if v.max_km is None else v.max_km for v in self.vols], dtype=float)
        self.vol_cap = np.array(self.cap, dtype=np.int64)
        rel = self.relevant
        lens = [len(a) if rel[vi] else 0 for vi, a in enumerate(self.avail)]
        self.av_off = np.zeros(nv + 1, dtype=np.int64)
        self.av_off[1:] = np.cumsum(lens)
        flat = [iv for vi, a in enumerate(self.avail) if rel[vi] for iv in a]
        self.av_s = np.array([a for a, _ in flat], dtype=np.int64)
        self.av_e = np.array([b for _, b in flat], dtype=np.int64)
        longest = np.zeros(nv, dtype=np.int64)
        for vi, a in enumerate(self.avail):
            if rel[vi] and a:
                longest[vi] = max(e - s for s, e in a)
        # Volunteers by (team, skill), only those with time and max_orders left, and the days each one is free on
        # as a bit mask (all bits when the horizon is longer than the mask).
        by: dict[tuple[int, str], list[int]] = {}
        mask = np.zeros(nv, dtype=np.int64)
        for vi, v in enumerate(self.vols):
            if self.cap[vi] <= 0 or longest[vi] <= 0 or not self.relevant[vi]:
                continue
            m = 0
            for a, b in self.avail[vi]:
                for d in range(a // DAY, (b - 1) // DAY + 1):
                    m |= 1 << d if 0 <= d < 62 else ALL_DAYS
            mask[vi] = m
            tm = int(self.vol_team[vi])
            for sk in v.skills:
                by.setdefault((tm, sk), []).append(vi)
        self.by_team_skill = {k: np.array(v, dtype=np.int64) for k, v in by.items()}
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
            h = np.sin((lat - lat0) / 2) ** 2 + np.cos(lat0) * np.cos(lat) * np.sin((lon - lon0) / 2) ** 2
            row = self.instance.road_factor * 2 * 6371.0 * np.arcsin(np.minimum(1.0, np.sqrt(h)))
            self._rows[st] = row
        return row

    def _prune(self, oi: int, radius_km: float | None, max_teams: int | None = None) -> OrderInfo:
        inst = self.instance
        o = self.orders[oi]
        info = OrderInfo(oi)
        ost = self.st_index[o.station]
        row = self._row(ost)
        team_ok = np.ones(len(self.teams), dtype=bool)
        for t in o.exclude_teams:
            team_ok[self.team_index[t]] = False
        if max_teams is not None and team_ok.sum() > max_teams:
            tdist = np.where(team_ok, row[self.team_st], np.inf)
            team_ok = np.zeros(len(self.teams), dtype=bool)
            team_ok[np.argsort(tdist, kind="stable")[:max_teams]] = True
        c = self._nearby(o, row, team_ok) if max_teams is None else self._in_teams(o, team_ok)
        if len(c) == 0:
            return info
        # Only volunteers free on a day the order's windows touch can serve it.
        days = 0
        for ws, we in o.windows:
            for d in range(ws // DAY, (we - 1) // DAY + 1):
                days |= 1 << d if 0 <= d < 62 else ALL_DAYS
        c = c[(self.vol_days[c] & days) != 0]
        approx = row[self.vol_st[c]]
        # The longest free interval must hold duration + two trips; one minute of slack absorbs the approximation.
        keep = approx / inst.speed_kmh * 60 <= (self.vol_longest[c] - o.duration) / 2 + 1.0
        if radius_km is not None:
            keep &= approx <= radius_km
        c = c[keep]
        if len(c) == 0:
            return info
        st_km = np.full(len(self.st_ids), np.inf)
        st_t = np.zeros(len(self.st_ids), dtype=np.int64)
        for st in np.unique(self.vol_st[c]).tolist():
            km = self.dist.km(self.st_ids[st], o.station)
            st_km[st] = km
            st_t[st] = travel_minutes(km, inst.speed_kmh)
        km = st_km[self.vol_st[c]]
        ok = km <= self.vol_maxkm[c] + 1e-9
        c = c[ok]
        if len(c) == 0:
            return info
        t = st_t[self.vol_st[c]]
        counts = self.av_off[c + 1] - self.av_off[c]
        total = int(counts.sum())
        if total == 0:
            return info
        owner = np.repeat(np.arange(len(c)), counts)
        first = np.repeat(self.av_off[c], counts)
        pos = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        idx = first + pos
        a_s = self.av_s[idx] + t[owner]
        a_e = self.av_e[idx] - t[owner] - o.duration
        own_l, lo_l, hi_l = [], [], []
        for ws, we in o.windows:
            lo = np.maximum(a_s, ws)
            hi = np.minimum(a_e, we - o.duration)
            good = lo <= hi
            own_l.append(owner[good])
            lo_l.append(lo[good])
            hi_l.append(hi[good])
        own = np.concatenate(own_l)
        if len(own) == 0:
            return info
        los, his = np.concatenate(lo_l), np.concatenate(hi_l)
        order = np.lexsort((los, own))
        own_sorted = own[order]
        ranges = list(zip(los[order].tolist(), his[order].tolist(), strict=True))
        # Each candidate's start ranges are one run of the sorted hits.
        cuts = [0, *(np.flatnonzero(np.diff(own_sorted)) + 1).tolist(), len(ranges)]
        c_list, t_list, km_list = c.tolist(), t.tolist(), km[ok].tolist()
        team_list = self.vol_team[c].tolist()
        demand = o.demand
        by_team: dict[int, list[Pair]] = {}
        for run_start, run_end, k in zip(cuts, cuts[1:], own_sorted[cuts[:-1]].tolist(), strict=False):
            vi = c_list[k]
            skills = tuple(sk for sk in self.vols[vi].skills if sk in demand)
            pair = Pair(vi, skills, t_list[k], km_list[k], tuple(ranges[run_start:run_end]))
            by_team.setdefault(team_list[k], []).append(pair)
        for team in sorted(by_team):
            op = Option(team, by_team[team])
            self._static(o, op)
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

    def _static(self, o: Order, op: Option) -> None:
        """Mark whether a crew exists at some start, ignoring other orders."""
        have: dict[str, int] = {}
        for p in op.pairs:
            for sk in p.skills:
                have[sk] = have.get(sk, 0) + 1
        if any(have.get(sk, 0) < n for sk, n in o.demand.items()):
            return
        n = o.crew_size
        if n == 1:
            op.feasible = True  # every pair holds a needed skill and can start somewhere on its own
            return
        # The set of volunteers who can start at s only grows at a range's left end, so checking those suffices.
        # Sweep the range starts in time order, keeping the ranges still open.
        spans = sorted((lo, hi, k) for k, p in enumerate(op.pairs) for lo, hi in p.ranges)
        active: list[tuple[int, int]] = []  # (hi, pair index)
        i = 0
        while i < len(spans):
            s = spans[i][0]
            while i < len(spans) and spans[i][0] == s:
                active.append((spans[i][1], spans[i][2]))
                i += 1
            active = [x for x in active if x[0] >= s]
            if len(active) < n:
                continue
            cands = [(op.pairs[k].volunteer, op.pairs[k].skills, op.pairs[k].km) for _, k in active]
            if match_crew(o.demand, cands) is not None:
                op.feasible = True
                return
