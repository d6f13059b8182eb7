"""The JSON exchange format: parse with clear errors, and dump."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from matching.domain import (
    LEVELS,
    Assignment,
    CostTerm,
    CrewMember,
    FixedAssignment,
    Instance,
    Interval,
    Need,
    Order,
    Solution,
    Station,
    Stats,
    Team,
    Unassigned,
    Volunteer,
)

INSTANCE_FORMAT = "diandan.match/1"
SOLUTION_FORMAT = "diandan.match-solution/1"


class InstanceError(ValueError):
    """Malformed instance or solution data; the message names the bad field."""


def _get(d: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(d, Mapping):
        raise InstanceError(f"{where}: expected an object")
    if key not in d:
        raise InstanceError(f"{where}.{key}: missing")
    return d[key]


def _str(d: Mapping[str, Any], key: str, where: str) -> str:
    v = _get(d, key, where)
    if not isinstance(v, str) or not v:
        raise InstanceError(f"{where}.{key}: expected a non-empty string")
    return v


def _int(d: Mapping[str, Any], key: str, where: str, minimum: int | None = None) -> int:
    v = _get(d, key, where)
    if isinstance(v, bool) or not isinstance(v, int):
        raise InstanceError(f"{where}.{key}: expected an integer")
    if minimum is not None and v < minimum:
        raise InstanceError(f"{where}.{key}: must be at least {minimum}")
    return v


def _num(d: Mapping[str, Any], key: str, where: str, positive: bool = False) -> float:
    v = _get(d, key, where)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise InstanceError(f"{where}.{key}: expected a number")
    if positive and v <= 0:
        raise InstanceError(f"{where}.{key}: must be positive")
    return float(v)


def _list(d: Mapping[str, Any], key: str, where: str, optional: bool = False) -> list[Any]:
    if optional and (not isinstance(d, Mapping) or d.get(key) is None):
        return []
    v = _get(d, key, where)
    if not isinstance(v, list):
        raise InstanceError(f"{where}.{key}: expected a list")
    return v


def _level(d: Mapping[str, Any], where: str) -> str:
    v = _str(d, "level", where)
    if v not in LEVELS:
        raise InstanceError(f"{where}.level: must be one of {', '.join(LEVELS)}, not {v!r}")
    return v


def _intervals(d: Mapping[str, Any], key: str, where: str) -> tuple[Interval, ...]:
    out: list[Interval] = []
    for i, iv in enumerate(_list(d, key, where)):
        if (
            not isinstance(iv, list | tuple)
            or len(iv) != 2
            or any(isinstance(x, bool) or not isinstance(x, int) for x in iv)
        ):
            raise InstanceError(f"{where}.{key}[{i}]: expected [start, end] in whole minutes")
        a, b = iv
        if a >= b:
            raise InstanceError(f"{where}.{key}[{i}]: start {a} is not before end {b}")
        if out and a < out[-1][1]:
            raise InstanceError(f"{where}.{key}[{i}]: intervals must be sorted and non-overlapping")
        out.append((a, b))
    return tuple(out)


def _ids(d: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    out = []
    for i, x in enumerate(_list(d, key, where, optional=True)):
        if not isinstance(x, str) or not x:
            raise InstanceError(f"{where}.{key}[{i}]: expected a non-empty string id")
        out.append(x)
    return tuple(out)


def _unique(items: list[Any], kind: str) -> None:
    seen: set[str] = set()
    for i, it in enumerate(items):
        if it.id in seen:
            raise InstanceError(f"{kind}[{i}].id: duplicate id {it.id!r}")
        seen.add(it.id)


def instance_from_dict(data: Mapping[str, Any]) -> Instance:
    """Parse and check a `diandan.match/1` instance; raise InstanceError naming the bad field."""
    if not isinstance(data, Mapping):
        raise InstanceError("instance: expected a JSON object")
    fmt = data.get("format", INSTANCE_FORMAT)
    if fmt != INSTANCE_FORMAT:
        raise InstanceError(f"format: expected {INSTANCE_FORMAT!r}, not {fmt!r}")
    horizon = data.get("horizon") or {}
    h_start = horizon.get("start", "2026-12-07T00:00:00+08:00") if isinstance(horizon, Mapping) else None
    if not isinstance(h_start, str):
        raise InstanceError("horizon.start: expected an ISO 8601 string")
    h_minutes = _int(horizon, "minutes", "horizon", minimum=1) if "minutes" in horizon else 10080
    travel = data.get("travel") or {}
    if not isinstance(travel, Mapping):
        raise InstanceError("travel: expected an object")
    # The checker defaults these two when absent; so do we.
    factor = _num(travel, "road_factor", "travel", positive=True) if "road_factor" in travel else 1.0
    speed = _num(travel, "speed_kmh", "travel", positive=True) if "speed_kmh" in travel else 30.0

    stations = []
    for i, s in enumerate(_list(data, "stations", "instance")):
        w = f"stations[{i}]"
        lat, lon = _num(s, "lat", w), _num(s, "lon", w)
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            raise InstanceError(f"{w}: lat/lon out of range")
        stations.append(Station(_str(s, "id", w), lat, lon, _level(s, w)))
    _unique(stations, "stations")
    st_ids = {s.id for s in stations}

    def ref(ids: set[str], value: str, where: str, kind: str) -> str:
        if value not in ids:
            raise InstanceError(f"{where}: unknown {kind} {value!r}")
        return value

    teams = []
    for i, t in enumerate(_list(data, "teams", "instance")):
        w = f"teams[{i}]"
        teams.append(
            Team(_str(t, "id", w), ref(st_ids, _str(t, "station", w), f"{w}.station", "station"), _level(t, w))
        )
    _unique(teams, "teams")
    tm_ids = {t.id for t in teams}

    volunteers = []
    for i, v in enumerate(_list(data, "volunteers", "instance")):
        w = f"volunteers[{i}]"
        skills = _ids(v, "skills", w)
        if not skills or len(set(skills)) != len(skills):
            raise InstanceError(f"{w}.skills: expected a non-empty list of distinct skills")
        max_km = v.get("max_km") if isinstance(v, Mapping) else None
        if max_km is not None:
            max_km = _num(v, "max_km", w)
            if max_km < 0:
                raise InstanceError(f"{w}.max_km: must not be negative")
        volunteers.append(
            Volunteer(
                _str(v, "id", w),
                ref(tm_ids, _str(v, "team", w), f"{w}.team", "team"),
                ref(st_ids, _str(v, "station", w), f"{w}.station", "station"),
                skills,
                _intervals(v, "available", w),
                _int(v, "max_orders", w, minimum=0),
                max_km,
            )
        )
    _unique(volunteers, "volunteers")
    vol_ids = {v.id for v in volunteers}

    orders = []
    for i, o in enumerate(_list(data, "orders", "instance")):
        w = f"orders[{i}]"
        needs = []
        for j, n in enumerate(_list(o, "needs", w)):
            wn = f"{w}.needs[{j}]"
            needs.append(Need(_str(n, "skill", wn), _int(n, "count", wn, minimum=1)))
        if not needs:
            raise InstanceError(f"{w}.needs: an order needs at least one volunteer")
        excl = _ids(o, "exclude_teams", w)
        for j, t in enumerate(excl):
            ref(tm_ids, t, f"{w}.exclude_teams[{j}]", "team")
        pref = _ids(o, "preferred_teams", w)
        for j, t in enumerate(pref):
            ref(tm_ids, t, f"{w}.preferred_teams[{j}]", "team")
        windows = _intervals(o, "windows", w)
        orders.append(
            Order(
                _str(o, "id", w),
                ref(st_ids, _str(o, "station", w), f"{w}.station", "station"),
                tuple(needs),
                _int(o, "duration", w, minimum=1),
                windows,
                _int(o, "priority", w, minimum=0),
                excl,
                pref,
            )
        )
    _unique(orders, "orders")
    ord_ids = {o.id for o in orders}

    fixed = []
    seen_fixed: set[str] = set()
    for i, f in enumerate(_list(data, "fixed", "instance", optional=True)):
        w = f"fixed[{i}]"
        oid = ref(ord_ids, _str(f, "order", w), f"{w}.order", "order")
        if oid in seen_fixed:
            raise InstanceError(f"{w}.order: order {oid!r} is fixed twice")
        seen_fixed.add(oid)
        vids = _ids(f, "volunteers", w)
        for j, vid in enumerate(vids):
            ref(vol_ids, vid, f"{w}.volunteers[{j}]", "volunteer")
        if len(set(vids)) != len(vids):
            raise InstanceError(f"{w}.volunteers: a volunteer is listed twice")
        fixed.append(
            FixedAssignment(oid, ref(tm_ids, _str(f, "team", w), f"{w}.team", "team"), _int(f, "start", w), vids)
        )
    return Instance(
        tuple(stations), tuple(teams), tuple(volunteers), tuple(orders), tuple(fixed), h_start, h_minutes, factor, speed
    )


def _num_out(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def instance_to_dict(instance: Instance) -> dict[str, Any]:
    """Dump an instance in the `diandan.match/1` format."""

    def vol(v: Volunteer) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": v.id,
            "team": v.team,
            "station": v.station,
            "skills": list(v.skills),
            "available": [list(iv) for iv in v.available],
            "max_orders": v.max_orders,
        }
        if v.max_km is not None:
            d["max_km"] = _num_out(v.max_km)
        return d

    def order(o: Order) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": o.id,
            "station": o.station,
            "needs": [{"skill": n.skill, "count": n.count} for n in o.needs],
            "duration": o.duration,
            "windows": [list(w) for w in o.windows],
            "priority": o.priority,
        }
        if o.exclude_teams:
            d["exclude_teams"] = list(o.exclude_teams)
        if o.preferred_teams:
            d["preferred_teams"] = list(o.preferred_teams)
        return d

    out: dict[str, Any] = {
        "format": INSTANCE_FORMAT,
        "horizon": {"start": instance.horizon_start, "minutes": instance.horizon_minutes},
        "travel": {"road_factor": _num_out(instance.road_factor), "speed_kmh": _num_out(instance.speed_kmh)},
        "stations": [{"id": s.id, "lat": s.lat, "lon": s.lon, "level": s.level} for s in instance.stations],
        "teams": [{"id": t.id, "station": t.station, "level": t.level} for t in instance.teams],
        "volunteers": [vol(v) for v in instance.volunteers],
        "orders": [order(o) for o in instance.orders],
    }
    if instance.fixed:
        out["fixed"] = [
            {"order": f.order, "team": f.team, "start": f.start, "volunteers": list(f.volunteers)}
            for f in instance.fixed
        ]
    return out


def solution_to_dict(solution: Solution) -> dict[str, Any]:
    """Dump a solution in the `diandan.match-solution/1` format, with cost terms and reason codes."""

    def assignment(a: Assignment) -> dict[str, Any]:
        d: dict[str, Any] = {
            "order": a.order,
            "team": a.team,
            "start": a.start,
            "volunteers": [{"id": c.id, "skill": c.skill} for c in a.volunteers],
        }
        if a.cost_terms:
            d["cost_terms"] = [
                {"name": t.name, "value": t.value, **({"volunteer": t.volunteer} if t.volunteer else {})}
                for t in a.cost_terms
            ]
        return d

    s = solution.stats
    return {
        "format": SOLUTION_FORMAT,
        "assignments": [assignment(a) for a in solution.assignments],
        "unassigned": [
            {"order": u.order, "code": u.code, "reason": u.reason, **({"params": dict(u.params)} if u.params else {})}
            for u in solution.unassigned
        ],
        "stats": {
            "served_priority": s.served_priority,
            "travel_km": s.travel_km,
            "bound": s.bound,
            "seconds": s.seconds,
            "status": s.status,
            **({"travel_bound_km": s.travel_bound_km} if s.travel_bound_km is not None else {}),
        },
    }


def solution_from_dict(data: Mapping[str, Any]) -> Solution:
    """Parse a `diandan.match-solution/1` solution; raise InstanceError naming the bad field."""
    if not isinstance(data, Mapping):
        raise InstanceError("solution: expected a JSON object")
    fmt = data.get("format", SOLUTION_FORMAT)
    if fmt != SOLUTION_FORMAT:
        raise InstanceError(f"format: expected {SOLUTION_FORMAT!r}, not {fmt!r}")
    assignments = []
    for i, a in enumerate(_list(data, "assignments", "solution", optional=True)):
        w = f"assignments[{i}]"
        crew = []
        for j, c in enumerate(_list(a, "volunteers", w)):
            wc = f"{w}.volunteers[{j}]"
            crew.append(CrewMember(_str(c, "id", wc), _str(c, "skill", wc)))
        terms = []
        for j, t in enumerate(_list(a, "cost_terms", w, optional=True)):
            wt = f"{w}.cost_terms[{j}]"
            terms.append(CostTerm(_str(t, "name", wt), _num(t, "value", wt), t.get("volunteer")))
        assignments.append(
            Assignment(_str(a, "order", w), _str(a, "team", w), _int(a, "start", w), tuple(crew), tuple(terms))
        )
    unassigned = []
    for i, u in enumerate(_list(data, "unassigned", "solution", optional=True)):
        w = f"unassigned[{i}]"
        reason = u.get("reason", "") if isinstance(u, Mapping) else ""
        if not isinstance(reason, str):
            raise InstanceError(f"{w}.reason: expected a string")
        params = u.get("params") or {}
        if not isinstance(params, Mapping):
            raise InstanceError(f"{w}.params: expected an object")
        unassigned.append(Unassigned(_str(u, "order", w), str(u.get("code", "unknown")), reason, dict(params)))
    st = data.get("stats") or {}
    if not isinstance(st, Mapping):
        raise InstanceError("stats: expected an object")
    try:
        stats = Stats(
            int(st.get("served_priority") or 0),
            float(st.get("travel_km") or 0.0),
            int(st.get("bound") or 0),
            float(st.get("seconds") or 0.0),
            str(st.get("status", "UNKNOWN")),
            None if st.get("travel_bound_km") is None else float(st["travel_bound_km"]),
        )
    except (TypeError, ValueError) as e:
        raise InstanceError(f"stats: expected numbers ({e})") from e
    return Solution(tuple(assignments), tuple(unassigned), stats)
