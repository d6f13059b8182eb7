"""The hard rules of the exchange format, one function per rule, and the validator built on them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from matching.domain import Assignment, Instance, Interval, Solution
from matching.travel import Distances, within_max_km


def inside(iv: Interval, intervals: tuple[Interval, ...]) -> bool:
    """Whether iv lies inside one of the sorted intervals."""
    return any(a <= iv[0] and iv[1] <= b for a, b in intervals)


def _known(instance: Instance, solution: Solution) -> list[Assignment]:
    return [a for a in solution.assignments if a.order in instance.order_by_id]


def every_order_once(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Every order appears exactly once, assigned or unassigned with a reason."""
    errors = []
    seen: dict[str, int] = defaultdict(int)
    for a in solution.assignments:
        seen[a.order] += 1
    for u in solution.unassigned:
        seen[u.order] += 1
        if not u.reason.strip():
            errors.append(f"unassigned order {u.order} has no reason")
    for o in instance.orders:
        if seen.get(o.id, 0) != 1:
            errors.append(f"order {o.id} appears {seen.get(o.id, 0)} times in the solution (must be exactly once)")
    errors += [f"solution names unknown order {oid}" for oid in sorted(seen) if oid not in instance.order_by_id]
    return errors


def crew_fills_needs(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Rule 1: one allowed team, and exactly `count` distinct members of it holding each needed skill."""
    errors = []
    for a in _known(instance, solution):
        o = instance.order_by_id[a.order]
        if a.team not in instance.team_by_id:
            errors.append(f"order {a.order}: unknown team {a.team}")
            continue
        if a.team in o.exclude_teams:
            errors.append(f"order {a.order}: team {a.team} is excluded")
        ids = [c.id for c in a.volunteers]
        if len(ids) != len(set(ids)):
            errors.append(f"order {a.order}: a volunteer is listed twice")
        left = dict(o.demand)
        for c in a.volunteers:
            v = instance.volunteer_by_id.get(c.id)
            if v is None:
                errors.append(f"order {a.order}: unknown volunteer {c.id}")
                continue
            if v.team != a.team:
                errors.append(f"order {a.order}: volunteer {c.id} is not in team {a.team}")
            if c.skill not in v.skills:
                errors.append(f"order {a.order}: volunteer {c.id} lacks skill {c.skill}")
            left[c.skill] = left.get(c.skill, 0) - 1
        for skill, n in sorted(left.items()):
            if n:
                what = f"short by {n}" if n > 0 else f"over-filled by {-n}"
                errors.append(f"order {a.order}: need {skill} {what}")
    return errors


def start_inside_window(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Rule 2: [start, start + duration) lies inside one of the order's windows."""
    errors = []
    for a in _known(instance, solution):
        o = instance.order_by_id[a.order]
        if not inside((a.start, a.start + o.duration), o.windows):
            errors.append(f"order {a.order}: [{a.start}, {a.start + o.duration}) is not inside a window")
    return errors


def busy_interval(instance: Instance, dist: Distances, a: Assignment, vid: str) -> Interval:
    """The minutes a volunteer is away for an assignment: travel there, serve, travel back."""
    o = instance.order_by_id[a.order]
    t = dist.minutes(instance.volunteer_by_id[vid].station, o.station)
    return a.start - t, a.start + o.duration + t


def volunteer_available_and_in_reach(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Rule 3: each volunteer's busy interval lies inside its availability, and its station within max_km."""
    errors = []
    for a in _known(instance, solution):
        o = instance.order_by_id[a.order]
        for c in a.volunteers:
            v = instance.volunteer_by_id.get(c.id)
            if v is None:
                continue
            km = dist.km(v.station, o.station)
            if not within_max_km(km, v.max_km):
                errors.append(f"order {a.order}: volunteer {c.id} is {km:.1f} km away, over max_km {v.max_km}")
            iv = busy_interval(instance, dist, a, c.id)
            if not inside(iv, v.available):
                errors.append(f"order {a.order}: volunteer {c.id} is not available for [{iv[0]}, {iv[1]})")
    return errors


def no_overlap(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Rule 4: no volunteer has two overlapping busy intervals."""
    busy: dict[str, list[tuple[Interval, str]]] = defaultdict(list)
    for a in _known(instance, solution):
        for c in a.volunteers:
            if c.id in instance.volunteer_by_id:
                busy[c.id].append((busy_interval(instance, dist, a, c.id), a.order))
    errors = []
    for vid in sorted(busy):
        ivs = sorted(busy[vid])
        for (p, po), (q, qo) in zip(ivs, ivs[1:], strict=False):
            if q[0] < p[1]:
                errors.append(f"volunteer {vid}: orders {po} and {qo} overlap")
    return errors


def max_orders(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Rule 5: no volunteer serves more than max_orders orders, fixed ones included."""
    load: dict[str, int] = defaultdict(int)
    for a in _known(instance, solution):
        for c in a.volunteers:
            load[c.id] += 1
    errors = []
    for vid in sorted(load):
        v = instance.volunteer_by_id.get(vid)
        if v is not None and load[vid] > v.max_orders:
            errors.append(f"volunteer {vid}: {load[vid]} orders, over max_orders {v.max_orders}")
    return errors


def fixed_unchanged(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Rule 6: every fixed assignment appears unchanged."""
    got = {a.order: a for a in solution.assignments}
    errors = []
    for f in instance.fixed:
        a = got.get(f.order)
        if (
            a is None
            or a.team != f.team
            or a.start != f.start
            or sorted(c.id for c in a.volunteers) != sorted(f.volunteers)
        ):
            errors.append(f"fixed assignment of order {f.order} was changed or dropped")
    return errors


RULES: tuple[Callable[[Instance, Solution, Distances], list[str]], ...] = (
    every_order_once,
    crew_fills_needs,
    start_inside_window,
    volunteer_available_and_in_reach,
    no_overlap,
    max_orders,
    fixed_unchanged,
)


def validate(instance: Instance, solution: Solution, dist: Distances | None = None) -> list[str]:
    """All violations of the hard rules by a solution; empty when it is valid."""
    dist = dist or Distances(instance)
    errors: list[str] = []
    for rule in RULES:
        errors += rule(instance, solution, dist)
    return errors


def objective(instance: Instance, solution: Solution, dist: Distances | None = None) -> tuple[int, float]:
    """Served priority and travel km (round trips) of a solution's assignments."""
    dist = dist or Distances(instance)
    served, km = 0, 0.0
    for a in _known(instance, solution):
        o = instance.order_by_id[a.order]
        served += o.priority
        for c in a.volunteers:
            v = instance.volunteer_by_id.get(c.id)
            if v is not None:
                km += 2 * dist.km(v.station, o.station)
    return served, km
