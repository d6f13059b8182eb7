"""The hard rules of the exchange format, one function per rule, and the validator built on them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from matching.domain import Assignment, Instance, Interval, Solution
from matching.travel import Distances, within_max_km


def inside(interval: Interval, intervals: tuple[Interval, ...]) -> bool:
    """Whether an interval lies inside one of the sorted intervals."""
    return any(a <= interval[0] and interval[1] <= b for a, b in intervals)


def _known(instance: Instance, solution: Solution) -> list[Assignment]:
    return [a for a in solution.assignments if a.order in instance.order_by_id]


def every_order_once(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Every order appears exactly once, assigned or unassigned with a reason."""
    errors = []
    seen: dict[str, int] = defaultdict(int)
    for assignment in solution.assignments:
        seen[assignment.order] += 1
    for unassigned in solution.unassigned:
        seen[unassigned.order] += 1
        if not unassigned.reason.strip():
            errors.append(f"unassigned order {unassigned.order} has no reason")
    for order in instance.orders:
        if seen.get(order.id, 0) != 1:
            errors.append(
                f"order {order.id} appears {seen.get(order.id, 0)} times in the solution (must be exactly once)"
            )
    errors += [f"solution names unknown order {oid}" for oid in sorted(seen) if oid not in instance.order_by_id]
    return errors


def crew_fills_needs(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Rule 1: one allowed team, and exactly `count` distinct members of it holding each needed skill."""
    errors = []
    for assignment in _known(instance, solution):
        order = instance.order_by_id[assignment.order]
        if assignment.team not in instance.team_by_id:
            errors.append(f"order {assignment.order}: unknown team {assignment.team}")
            continue
        if assignment.team in order.exclude_teams:
            errors.append(f"order {assignment.order}: team {assignment.team} is excluded")
        ids = [member.id for member in assignment.volunteers]
        if len(ids) != len(set(ids)):
            errors.append(f"order {assignment.order}: a volunteer is listed twice")
        left = dict(order.demand)
        for member in assignment.volunteers:
            volunteer = instance.volunteer_by_id.get(member.id)
            if volunteer is None:
                errors.append(f"order {assignment.order}: unknown volunteer {member.id}")
                continue
            if volunteer.team != assignment.team:
                errors.append(f"order {assignment.order}: volunteer {member.id} is not in team {assignment.team}")
            if member.skill not in volunteer.skills:
                errors.append(f"order {assignment.order}: volunteer {member.id} lacks skill {member.skill}")
            left[member.skill] = left.get(member.skill, 0) - 1
        for skill, missing in sorted(left.items()):
            if missing:
                what = f"short by {missing}" if missing > 0 else f"over-filled by {-missing}"
                errors.append(f"order {assignment.order}: need {skill} {what}")
    return errors


def start_inside_window(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Rule 2: [start, start + duration) lies inside one of the order's windows."""
    errors = []
    for assignment in _known(instance, solution):
        order = instance.order_by_id[assignment.order]
        served = (assignment.start, assignment.start + order.duration)
        if not inside(served, order.windows):
            errors.append(f"order {assignment.order}: [{served[0]}, {served[1]}) is not inside a window")
    return errors


def busy_interval(instance: Instance, dist: Distances, assignment: Assignment, vid: str) -> Interval:
    """The minutes a volunteer is away for an assignment: travel there, serve, travel back."""
    order = instance.order_by_id[assignment.order]
    trip = dist.minutes(instance.volunteer_by_id[vid].station, order.station)
    return assignment.start - trip, assignment.start + order.duration + trip


def volunteer_available_and_in_reach(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Rule 3: each volunteer's busy interval lies inside its availability, and its station within max_km."""
    errors = []
    for assignment in _known(instance, solution):
        order = instance.order_by_id[assignment.order]
        for member in assignment.volunteers:
            volunteer = instance.volunteer_by_id.get(member.id)
            if volunteer is None:
                continue
            km = dist.km(volunteer.station, order.station)
            if not within_max_km(km, volunteer.max_km):
                too_far = f"is {km:.1f} km away, over max_km {volunteer.max_km}"
                errors.append(f"order {assignment.order}: volunteer {member.id} {too_far}")
            away = busy_interval(instance, dist, assignment, member.id)
            if not inside(away, volunteer.available):
                errors.append(
                    f"order {assignment.order}: volunteer {member.id} is not available for [{away[0]}, {away[1]})"
                )
    return errors


def no_overlap(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Rule 4: no volunteer has two overlapping busy intervals."""
    busy: dict[str, list[tuple[Interval, str]]] = defaultdict(list)
    for assignment in _known(instance, solution):
        for member in assignment.volunteers:
            if member.id in instance.volunteer_by_id:
                busy[member.id].append((busy_interval(instance, dist, assignment, member.id), assignment.order))
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
    for assignment in _known(instance, solution):
        for member in assignment.volunteers:
            load[member.id] += 1
    errors = []
    for vid in sorted(load):
        volunteer = instance.volunteer_by_id.get(vid)
        if volunteer is not None and load[vid] > volunteer.max_orders:
            errors.append(f"volunteer {vid}: {load[vid]} orders, over max_orders {volunteer.max_orders}")
    return errors


def fixed_unchanged(instance: Instance, solution: Solution, dist: Distances) -> list[str]:
    """Rule 6: every fixed assignment appears unchanged."""
    got = {assignment.order: assignment for assignment in solution.assignments}
    errors = []
    for fixed in instance.fixed:
        assignment = got.get(fixed.order)
        if (
            assignment is None
            or assignment.team != fixed.team
            or assignment.start != fixed.start
            or sorted(member.id for member in assignment.volunteers) != sorted(fixed.volunteers)
        ):
            errors.append(f"fixed assignment of order {fixed.order} was changed or dropped")
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
    for assignment in _known(instance, solution):
        order = instance.order_by_id[assignment.order]
        served += order.priority
        for member in assignment.volunteers:
            volunteer = instance.volunteer_by_id.get(member.id)
            if volunteer is not None:
                km += 2 * dist.km(volunteer.station, order.station)
    return served, km
