"""Visit planning as vehicle routing with time windows (OR-Tools), pure: plain dataclasses in, a plan out.

Data: households (places to visit, each with a weight), shifts (a volunteer's free half-day: a start place,
a window and a cap on visits), a visit duration and a travel speed. Travel km is the road factor times the
great-circle distance; travel minutes are ceil(km / speed * 60). Each shift is one vehicle that leaves its
start place no earlier than the window opens and is back there by the time it closes.

Rules (hard): a household is visited at most once; a route's visits, each `visit_minutes` long, follow one
another with the travel time between them inside the shift's window; a shift makes at most `max_visits`
visits. Objective: visit as much weight as possible (a dropped household costs its weight times
DROP_PENALTY_M metres), then the least travel. The plan is always returned, with what was dropped.

`check_plan` re-derives every rule from the problem alone, without the solver, and `nearest_neighbour`
is the baseline the benchmark compares with.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field

import numpy as np

EARTH_RADIUS_KM = 6371.0
# Metres a dropped household of weight 1 costs: more than any detour, so the solver drops only when it must.
DROP_PENALTY_M = 1_000_000


@dataclass(frozen=True)
class Household:
    """A place to visit, with a weight (households with priority tags weigh more)."""

    id: str
    lat: float
    lon: float
    weight: int = 1


@dataclass(frozen=True)
class Shift:
    """A volunteer's free half-day: start and end place, [start, end) in minutes, at most max_visits visits."""

    id: str
    volunteer: str
    lat: float
    lon: float
    start: int
    end: int
    max_visits: int


@dataclass(frozen=True)
class Problem:
    """Everything the planner needs."""

    households: tuple[Household, ...]
    shifts: tuple[Shift, ...]
    visit_minutes: int
    speed_kmh: float
    road_factor: float = 1.3


@dataclass(frozen=True)
class Stop:
    """One visit on a route: which household, from when (minutes), and the km walked or driven to get there."""

    household: str
    start: int
    km_from_previous: float


@dataclass(frozen=True)
class Route:
    """A shift's visits in order and its travel, including the way back."""

    shift: str
    stops: tuple[Stop, ...]
    travel_km: float


@dataclass
class Plan:
    """Routes for the shifts that visit anyone, households left out, and figures."""

    routes: list[Route]
    dropped: list[str]
    travel_km: float
    status: str
    seconds: float
    bound_km: float | None = None
    stats: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------------
# Travel


def _places(problem: Problem) -> tuple[np.ndarray, int]:
    """Coordinates of households first, then each shift's start place; and the number of households."""
    coords = [(h.lat, h.lon) for h in problem.households] + [(s.lat, s.lon) for s in problem.shifts]
    return np.array(coords, dtype=float).reshape(-1, 2), len(problem.households)


def km_matrix(coords: np.ndarray, road_factor: float) -> np.ndarray:
    """Road km between every pair of places (road factor times great-circle distance).

    Computed in blocks of rows: whole-matrix temporaries would be ten times the result's size.
    """
    lat, lon = np.radians(coords[:, 0]), np.radians(coords[:, 1])
    cos_lat = np.cos(lat)
    out = np.empty((len(coords), len(coords)))
    for first in range(0, len(coords), 256):
        rows = slice(first, first + 256)
        h = np.sin((lat[rows, None] - lat[None, :]) / 2) ** 2
        h += cos_lat[rows, None] * cos_lat[None, :] * np.sin((lon[rows, None] - lon[None, :]) / 2) ** 2
        np.sqrt(h, out=h)
        np.minimum(h, 1.0, out=h)
        out[rows] = (road_factor * 2 * EARTH_RADIUS_KM) * np.arcsin(h)
    return out


def road_km(problem: Problem, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Road km between two (lat, lon) places, computed one pair at a time (the checker's way)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return problem.road_factor * 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def travel_minutes(km: float, speed_kmh: float) -> int:
    """Whole minutes to cover km at speed_kmh, rounded up (a little float noise forgiven)."""
    return math.ceil(km / speed_kmh * 60 - 1e-6)


def _minutes_matrix(km: np.ndarray, speed_kmh: float) -> np.ndarray:
    return np.ceil(km / speed_kmh * 60 - 1e-6).astype(np.int64)


# ---------------------------------------------------------------------------------------------------------------
# Solve


def solve(problem: Problem, *, time_limit_s: float = 10.0, seed: int = 0) -> Plan:
    """Plan routes: nearest-neighbour routes first, then OR-Tools re-plans groups of nearby routes in turn.

    One routing model over thousands of households and hundreds of shifts cannot even finish its first
    improvement pass in a few seconds, so the search is decomposed: each step takes a route, the routes
    nearest to it and the dropped households nearest to them, re-solves that small problem with OR-Tools
    (time windows, caps, drop penalties) and keeps the result when it costs less. Households that fit
    nowhere are dropped, so a plan always comes back.
    """
    began = time.perf_counter()
    deadline = began + time_limit_s
    n_h, n_s = len(problem.households), len(problem.shifts)
    if n_h == 0 or n_s == 0:
        return Plan([], [h.id for h in problem.households], 0.0, "EMPTY", time.perf_counter() - began, 0.0)

    coords, _ = _places(problem)
    km = km_matrix(coords, problem.road_factor)
    minutes = _minutes_matrix(km, problem.speed_kmh)
    metres = np.rint(km * 1000).astype(np.int64)
    weights = np.array([max(1, h.weight) for h in problem.households], dtype=np.int64)
    routes = _greedy(problem, km, minutes)
    start_km = sum(_route_km(km, n_h + v, r) for v, r in enumerate(routes))
    # Flat coordinates (km east, km north) to find nearby routes quickly.
    flat = np.column_stack([coords[:, 0] * 111.0, coords[:, 1] * 111.0 * np.cos(np.radians(coords[:, 0]))])
    rng = random.Random(seed)
    tried = improved = idle = 0
    whole = n_s <= GROUP_SHIFTS
    queue: list[int] = []
    while time.perf_counter() < deadline:
        if not queue:
            queue = [v for v in range(n_s) if routes[v]] or list(range(n_s))
            rng.shuffle(queue)
        centre_of = _centres(flat, routes, n_h)
        seed_shift = queue.pop()
        if whole:
            group = list(range(n_s))
        else:
            distance = np.linalg.norm(centre_of - centre_of[seed_shift], axis=1)
            group = [int(v) for v in np.argsort(distance, kind="stable")[:GROUP_SHIFTS]]
        members = [n for v in group for n in routes[v]]
        visited = np.zeros(n_h, dtype=bool)
        for route in routes:
            visited[route] = True
        dropped = np.flatnonzero(~visited)
        if len(dropped):
            near = np.linalg.norm(flat[dropped] - centre_of[seed_shift], axis=1)
            members += [int(n) for n in dropped[np.argsort(near, kind="stable")[:GROUP_DROPPED]]]
        if not members:
            continue
        budget = deadline - time.perf_counter()
        if budget <= 0.05:
            break
        old = [routes[v] for v in group]
        new = _route_group(
            problem, metres, minutes, members, group, old, min(budget, SUB_SECONDS if not whole else budget)
        )
        tried += 1
        if new is not None and _cost(metres, weights, n_h, group, members, new) < _cost(
            metres, weights, n_h, group, members, old
        ):
            for v, route in zip(group, new, strict=True):
                routes[v] = route
            improved += 1
            idle = 0
        else:
            idle += 1
        # Stop early once a whole round of groups has brought nothing (small problems settle in seconds).
        if whole or idle > sum(1 for r in routes if r):
            break
    plan = _plan_from(problem, km, minutes, routes)
    plan.status = "IMPROVED" if improved else "NEAREST_NEIGHBOUR"
    plan.seconds = time.perf_counter() - began
    plan.stats = {"groups_tried": tried, "groups_improved": improved, "start_km": round(start_km, 3)}
    return plan


# Routes re-planned together, the dropped households offered to them, and the search time per group.
GROUP_SHIFTS = 8
GROUP_DROPPED = 24
SUB_SECONDS = 0.3


def _route_km(km: np.ndarray, depot: int, route: list[int]) -> float:
    if not route:
        return 0.0
    path = [depot, *route, depot]
    return float(sum(km[a, b] for a, b in zip(path, path[1:], strict=False)))


def _centres(flat: np.ndarray, routes: list[list[int]], n_h: int) -> np.ndarray:
    """Where each shift works: the mean of its route's households, or its start place when it has none."""
    return np.array([flat[r].mean(axis=0) if r else flat[n_h + v] for v, r in enumerate(routes)])


def _cost(
    metres: np.ndarray, weights: np.ndarray, n_h: int, group: list[int], members: list[int], routes: list[list[int]]
) -> int:
    """Metres travelled plus the penalty of every member household left out, as the routing model counts."""
    total = 0
    served: set[int] = set()
    for v, route in zip(group, routes, strict=True):
        if route:
            path = [n_h + v, *route, n_h + v]
            total += int(sum(metres[a, b] for a, b in zip(path, path[1:], strict=False)))
            served.update(route)
    return total + DROP_PENALTY_M * int(sum(weights[m] for m in members if m not in served))


def _route_group(
    problem: Problem,
    metres: np.ndarray,
    minutes: np.ndarray,
    members: list[int],
    group: list[int],
    start: list[list[int]],
    seconds: float,
) -> list[list[int]] | None:
    """OR-Tools routing over some households and shifts, from given routes; None if it finds nothing."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    # Data: the members are nodes 0..m-1, then each shift of the group has its own start-and-end node.
    n_h, m = len(problem.households), len(members)
    nodes = np.array(members + [n_h + v for v in group])
    sub_metres = metres[np.ix_(nodes, nodes)]
    service = np.zeros(len(nodes), dtype=np.int64)
    service[:m] = problem.visit_minutes
    # Time out of a node is its visit plus the way to the next one.
    busy = minutes[np.ix_(nodes, nodes)] + service[:, None]
    depots = list(range(m, len(nodes)))
    manager = pywrapcp.RoutingIndexManager(len(nodes), len(group), depots, depots)
    routing = pywrapcp.RoutingModel(manager)

    # Costs: metres travelled.
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(sub_metres.tolist()))

    # Constraints: each shift's window, and its cap on visits.
    shifts = [problem.shifts[v] for v in group]
    horizon = int(max(s.end for s in shifts))
    routing.AddDimension(routing.RegisterTransitMatrix(busy.tolist()), horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for k, shift in enumerate(shifts):
        time_dim.CumulVar(routing.Start(k)).SetRange(shift.start, shift.end)
        time_dim.CumulVar(routing.End(k)).SetRange(shift.start, shift.end)
    visits = routing.RegisterUnaryTransitVector([1] * m + [0] * len(group))
    routing.AddDimensionWithVehicleCapacity(visits, 0, [s.max_visits for s in shifts], True, "visits")

    # Objective: dropping a household costs its weight in penalty.
    for i, node in enumerate(members):
        routing.AddDisjunction([manager.NodeToIndex(i)], DROP_PENALTY_M * max(1, problem.households[node].weight))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(50, int(seconds * 1000)))

    # Solve from the current routes.
    local = {node: i for i, node in enumerate(members)}
    routing.CloseModelWithParameters(params)
    initial = routing.ReadAssignmentFromRoutes([[manager.NodeToIndex(local[n]) for n in r] for r in start], True)
    solution = (
        routing.SolveFromAssignmentWithParameters(initial, params)
        if initial is not None
        else routing.SolveWithParameters(params)
    )
    if solution is None:
        return None
    result = []
    for k in range(len(group)):
        route = []
        index = solution.Value(routing.NextVar(routing.Start(k)))
        while not routing.IsEnd(index):
            route.append(members[manager.IndexToNode(index)])
            index = solution.Value(routing.NextVar(index))
        result.append(route)
    return result


def neighbour_bound_km(km: np.ndarray, n_h: int, visited: set[int]) -> float:
    """A valid lower bound on the travel of any routes visiting exactly these households.

    Each visited household is entered by one leg and left by another, each from or to another visited
    household or a shift's start place (which may be both ends of a one-visit route), and every leg touches
    at most two households; so half the sum, over households, of their two shortest such legs is a bound.
    """
    if not visited:
        return 0.0
    rows = np.array(sorted(visited))
    among = km[np.ix_(rows, rows)].copy()
    among[np.arange(len(rows)), np.arange(len(rows))] = np.inf
    depot = km[np.ix_(rows, np.arange(n_h, km.shape[0]))].min(axis=1)[:, None]
    nearest = np.partition(among, 1, axis=1)[:, :2] if len(rows) >= 2 else np.full((1, 2), np.inf)
    legs = np.sort(np.hstack([nearest, depot, depot]), axis=1)[:, :2]
    return float(legs.sum() / 2)


# ---------------------------------------------------------------------------------------------------------------
# Baseline and checker


def _greedy(problem: Problem, km: np.ndarray, minutes: np.ndarray) -> list[list[int]]:
    """Household nodes per shift, nearest unvisited one that still fits first, shifts in order of start."""
    n_h = len(problem.households)
    left = np.ones(n_h, dtype=bool)
    routes: list[list[int]] = [[] for _ in problem.shifts]
    for v in sorted(range(len(problem.shifts)), key=lambda s: (problem.shifts[s].start, s)):
        shift = problem.shifts[v]
        depot = here = n_h + v
        clock = shift.start
        while len(routes[v]) < shift.max_visits and left.any():
            finish = clock + minutes[here, :n_h] + problem.visit_minutes
            fits = left & (finish + minutes[:n_h, depot] <= shift.end)
            if not fits.any():
                break
            nxt = int(np.where(fits, km[here, :n_h], np.inf).argmin())
            clock += int(minutes[here, nxt]) + problem.visit_minutes
            routes[v].append(nxt)
            left[nxt] = False
            here = nxt
    return routes


def _plan_from(problem: Problem, km: np.ndarray, minutes: np.ndarray, nodes: list[list[int]]) -> Plan:
    """A plan of routes given as household nodes per shift, each visit as early as it can start."""
    n_h = len(problem.households)
    routes: list[Route] = []
    visited: set[int] = set()
    for v, route in enumerate(nodes):
        if not route:
            continue
        here, clock, total = n_h + v, problem.shifts[v].start, 0.0
        stops = []
        for node in route:
            clock += int(minutes[here, node])
            stops.append(Stop(problem.households[node].id, clock, float(km[here, node])))
            total += float(km[here, node])
            clock += problem.visit_minutes
            here = node
        visited.update(route)
        routes.append(Route(problem.shifts[v].id, tuple(stops), total + float(km[here, n_h + v])))
    dropped = [h.id for i, h in enumerate(problem.households) if i not in visited]
    plan = Plan(routes, dropped, sum(r.travel_km for r in routes), "", 0.0)
    plan.bound_km = neighbour_bound_km(km, n_h, visited)
    return plan


def nearest_neighbour(problem: Problem) -> Plan:
    """Baseline: shifts in order of start, each walks to the nearest unvisited household that still fits."""
    began = time.perf_counter()
    coords, _ = _places(problem)
    km = km_matrix(coords, problem.road_factor)
    minutes = _minutes_matrix(km, problem.speed_kmh)
    plan = _plan_from(problem, km, minutes, _greedy(problem, km, minutes))
    plan.status, plan.seconds = "BASELINE", time.perf_counter() - began
    return plan


def check_plan(problem: Problem, plan: Plan) -> list[str]:
    """Every broken rule of a plan, in words; an empty list means the plan is feasible.

    Independent of the solver: distances and times are recomputed pair by pair from the problem.
    """
    problems: list[str] = []
    households = {h.id: h for h in problem.households}
    shifts = {s.id: s for s in problem.shifts}
    seen: dict[str, str] = {}
    used_shifts: set[str] = set()
    for route in plan.routes:
        shift = shifts.get(route.shift)
        if shift is None:
            problems.append(f"route for unknown shift {route.shift}")
            continue
        if route.shift in used_shifts:
            problems.append(f"shift {route.shift} has two routes")
        used_shifts.add(route.shift)
        if len(route.stops) > shift.max_visits:
            problems.append(f"shift {shift.id} makes {len(route.stops)} visits, more than {shift.max_visits}")
        here, clock, travel = (shift.lat, shift.lon), shift.start, 0.0
        for stop in route.stops:
            household = households.get(stop.household)
            if household is None:
                problems.append(f"shift {shift.id} visits unknown household {stop.household}")
                continue
            if stop.household in seen:
                problems.append(f"household {stop.household} is visited by {seen[stop.household]} and {shift.id}")
            seen[stop.household] = shift.id
            place = (household.lat, household.lon)
            leg = road_km(problem, here, place)
            earliest = clock + travel_minutes(leg, problem.speed_kmh)
            if stop.start < earliest:
                problems.append(f"shift {shift.id} reaches {stop.household} at {earliest}, after {stop.start}")
            clock = max(stop.start, earliest) + problem.visit_minutes
            travel += leg
            here = place
        back = road_km(problem, here, (shift.lat, shift.lon))
        if route.stops and clock + travel_minutes(back, problem.speed_kmh) > shift.end:
            problems.append(
                f"shift {shift.id} is back at {clock + travel_minutes(back, problem.speed_kmh)}, "
                f"after it ends at {shift.end}"
            )
        travel += back if route.stops else 0.0
        if abs(travel - route.travel_km) > 1e-3 * max(1.0, travel):
            problems.append(f"shift {shift.id} reports {route.travel_km:.3f} km but travels {travel:.3f} km")
    missing = set(households) - set(seen) - set(plan.dropped)
    if missing:
        problems.append(f"{len(missing)} households neither visited nor dropped")
    twice = set(seen) & set(plan.dropped)
    if twice:
        problems.append(f"{len(twice)} households both visited and dropped")
    by_volunteer: dict[str, list[Shift]] = {}
    for s in problem.shifts:
        if s.id in used_shifts:
            by_volunteer.setdefault(s.volunteer, []).append(s)
    for volunteer, own in by_volunteer.items():
        own.sort(key=lambda s: s.start)
        for a, b in zip(own, own[1:], strict=False):
            if b.start < a.end:
                problems.append(f"volunteer {volunteer} has overlapping shifts {a.id} and {b.id}")
    return problems
