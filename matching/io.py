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


def _get(node: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(node, Mapping):
        raise InstanceError(f"{where}: expected an object")
    if key not in node:
        raise InstanceError(f"{where}.{key}: missing")
    return node[key]


def _str(node: Mapping[str, Any], key: str, where: str) -> str:
    value = _get(node, key, where)
    if not isinstance(value, str) or not value:
        raise InstanceError(f"{where}.{key}: expected a non-empty string")
    return value


def _int(node: Mapping[str, Any], key: str, where: str, minimum: int | None = None) -> int:
    value = _get(node, key, where)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstanceError(f"{where}.{key}: expected an integer")
    if minimum is not None and value < minimum:
        raise InstanceError(f"{where}.{key}: must be at least {minimum}")
    return value


def _num(node: Mapping[str, Any], key: str, where: str, positive: bool = False) -> float:
    value = _get(node, key, where)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InstanceError(f"{where}.{key}: expected a number")
    if positive and value <= 0:
        raise InstanceError(f"{where}.{key}: must be positive")
    return float(value)


def _list(node: Mapping[str, Any], key: str, where: str, optional: bool = False) -> list[Any]:
    if optional and (not isinstance(node, Mapping) or node.get(key) is None):
        return []
    value = _get(node, key, where)
    if not isinstance(value, list):
        raise InstanceError(f"{where}.{key}: expected a list")
    return value


def _level(node: Mapping[str, Any], where: str) -> str:
    value = _str(node, "level", where)
    if value not in LEVELS:
        raise InstanceError(f"{where}.level: must be one of {', '.join(LEVELS)}, not {value!r}")
    return value


def _intervals(node: Mapping[str, Any], key: str, where: str) -> tuple[Interval, ...]:
    out: list[Interval] = []
    for index, pair in enumerate(_list(node, key, where)):
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or any(isinstance(item, bool) or not isinstance(item, int) for item in pair)
        ):
            raise InstanceError(f"{where}.{key}[{index}]: expected [start, end] in whole minutes")
        start, end = pair
        if start >= end:
            raise InstanceError(f"{where}.{key}[{index}]: start {start} is not before end {end}")
        if out and start < out[-1][1]:
            raise InstanceError(f"{where}.{key}[{index}]: intervals must be sorted and non-overlapping")
        out.append((start, end))
    return tuple(out)


def _ids(node: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    out = []
    for index, item in enumerate(_list(node, key, where, optional=True)):
        if not isinstance(item, str) or not item:
            raise InstanceError(f"{where}.{key}[{index}]: expected a non-empty string id")
        out.append(item)
    return tuple(out)


def _unique(items: list[Any], kind: str) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            raise InstanceError(f"{kind}[{index}].id: duplicate id {item.id!r}")
        seen.add(item.id)


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
    for index, raw in enumerate(_list(data, "stations", "instance")):
        where = f"stations[{index}]"
        lat, lon = _num(raw, "lat", where), _num(raw, "lon", where)
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            raise InstanceError(f"{where}: lat/lon out of range")
        stations.append(Station(_str(raw, "id", where), lat, lon, _level(raw, where)))
    _unique(stations, "stations")
    st_ids = {s.id for s in stations}

    def ref(ids: set[str], value: str, where: str, kind: str) -> str:
        if value not in ids:
            raise InstanceError(f"{where}: unknown {kind} {value!r}")
        return value

    teams = []
    for index, raw in enumerate(_list(data, "teams", "instance")):
        where = f"teams[{index}]"
        teams.append(
            Team(
                _str(raw, "id", where),
                ref(st_ids, _str(raw, "station", where), f"{where}.station", "station"),
                _level(raw, where),
            )
        )
    _unique(teams, "teams")
    tm_ids = {t.id for t in teams}

    volunteers = []
    for index, raw in enumerate(_list(data, "volunteers", "instance")):
        where = f"volunteers[{index}]"
        skills = _ids(raw, "skills", where)
        if not skills or len(set(skills)) != len(skills):
            raise InstanceError(f"{where}.skills: expected a non-empty list of distinct skills")
        max_km = raw.get("max_km") if isinstance(raw, Mapping) else None
        if max_km is not None:
            max_km = _num(raw, "max_km", where)
            if max_km < 0:
                raise InstanceError(f"{where}.max_km: must not be negative")
        volunteers.append(
            Volunteer(
                _str(raw, "id", where),
                ref(tm_ids, _str(raw, "team", where), f"{where}.team", "team"),
                ref(st_ids, _str(raw, "station", where), f"{where}.station", "station"),
                skills,
                _intervals(raw, "available", where),
                _int(raw, "max_orders", where, minimum=0),
                max_km,
            )
        )
    _unique(volunteers, "volunteers")
    vol_ids = {v.id for v in volunteers}

    orders = []
    for index, raw in enumerate(_list(data, "orders", "instance")):
        where = f"orders[{index}]"
        needs = []
        for position, raw_need in enumerate(_list(raw, "needs", where)):
            need_where = f"{where}.needs[{position}]"
            needs.append(Need(_str(raw_need, "skill", need_where), _int(raw_need, "count", need_where, minimum=1)))
        if not needs:
            raise InstanceError(f"{where}.needs: an order needs at least one volunteer")
        excl = _ids(raw, "exclude_teams", where)
        for position, team_id in enumerate(excl):
            ref(tm_ids, team_id, f"{where}.exclude_teams[{position}]", "team")
        pref = _ids(raw, "preferred_teams", where)
        for position, team_id in enumerate(pref):
            ref(tm_ids, team_id, f"{where}.preferred_teams[{position}]", "team")
        windows = _intervals(raw, "windows", where)
        orders.append(
            Order(
                _str(raw, "id", where),
                ref(st_ids, _str(raw, "station", where), f"{where}.station", "station"),
                tuple(needs),
                _int(raw, "duration", where, minimum=1),
                windows,
                _int(raw, "priority", where, minimum=0),
                excl,
                pref,
            )
        )
    _unique(orders, "orders")
    ord_ids = {o.id for o in orders}

    fixed = []
    seen_fixed: set[str] = set()
    for index, raw in enumerate(_list(data, "fixed", "instance", optional=True)):
        where = f"fixed[{index}]"
        oid = ref(ord_ids, _str(raw, "order", where), f"{where}.order", "order")
        if oid in seen_fixed:
            raise InstanceError(f"{where}.order: order {oid!r} is fixed twice")
        seen_fixed.add(oid)
        vids = _ids(raw, "volunteers", where)
        for position, vid in enumerate(vids):
            ref(vol_ids, vid, f"{where}.volunteers[{position}]", "volunteer")
        if len(set(vids)) != len(vids):
            raise InstanceError(f"{where}.volunteers: a volunteer is listed twice")
        fixed.append(
            FixedAssignment(
                oid, ref(tm_ids, _str(raw, "team", where), f"{where}.team", "team"), _int(raw, "start", where), vids
            )
        )
    return Instance(
        tuple(stations), tuple(teams), tuple(volunteers), tuple(orders), tuple(fixed), h_start, h_minutes, factor, speed
    )


def _num_out(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def instance_to_dict(instance: Instance) -> dict[str, Any]:
    """Dump an instance in the `diandan.match/1` format."""

    def volunteer_fields(volunteer: Volunteer) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "id": volunteer.id,
            "team": volunteer.team,
            "station": volunteer.station,
            "skills": list(volunteer.skills),
            "available": [list(iv) for iv in volunteer.available],
            "max_orders": volunteer.max_orders,
        }
        if volunteer.max_km is not None:
            fields["max_km"] = _num_out(volunteer.max_km)
        return fields

    def order_fields(order: Order) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "id": order.id,
            "station": order.station,
            "needs": [{"skill": need.skill, "count": need.count} for need in order.needs],
            "duration": order.duration,
            "windows": [list(window) for window in order.windows],
            "priority": order.priority,
        }
        if order.exclude_teams:
            fields["exclude_teams"] = list(order.exclude_teams)
        if order.preferred_teams:
            fields["preferred_teams"] = list(order.preferred_teams)
        return fields

    out: dict[str, Any] = {
        "format": INSTANCE_FORMAT,
        "horizon": {"start": instance.horizon_start, "minutes": instance.horizon_minutes},
        "travel": {"road_factor": _num_out(instance.road_factor), "speed_kmh": _num_out(instance.speed_kmh)},
        "stations": [{"id": s.id, "lat": s.lat, "lon": s.lon, "level": s.level} for s in instance.stations],
        "teams": [{"id": team.id, "station": team.station, "level": team.level} for team in instance.teams],
        "volunteers": [volunteer_fields(volunteer) for volunteer in instance.volunteers],
        "orders": [order_fields(order) for order in instance.orders],
    }
    if instance.fixed:
        out["fixed"] = [
            {"order": fixed.order, "team": fixed.team, "start": fixed.start, "volunteers": list(fixed.volunteers)}
            for fixed in instance.fixed
        ]
    return out


def solution_to_dict(solution: Solution) -> dict[str, Any]:
    """Dump a solution in the `diandan.match-solution/1` format, with cost terms and reason codes."""

    def assignment_fields(assignment: Assignment) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "order": assignment.order,
            "team": assignment.team,
            "start": assignment.start,
            "volunteers": [{"id": member.id, "skill": member.skill} for member in assignment.volunteers],
        }
        if assignment.cost_terms:
            fields["cost_terms"] = [
                {"name": term.name, "value": term.value, **({"volunteer": term.volunteer} if term.volunteer else {})}
                for term in assignment.cost_terms
            ]
        return fields

    stats = solution.stats
    return {
        "format": SOLUTION_FORMAT,
        "assignments": [assignment_fields(a) for a in solution.assignments],
        "unassigned": [
            {"order": u.order, "code": u.code, "reason": u.reason, **({"params": dict(u.params)} if u.params else {})}
            for u in solution.unassigned
        ],
        "stats": {
            "served_priority": stats.served_priority,
            "travel_km": stats.travel_km,
            "bound": stats.bound,
            "seconds": stats.seconds,
            "status": stats.status,
            **({"travel_bound_km": stats.travel_bound_km} if stats.travel_bound_km is not None else {}),
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
    for index, raw in enumerate(_list(data, "assignments", "solution", optional=True)):
        where = f"assignments[{index}]"
        crew = []
        for position, raw_member in enumerate(_list(raw, "volunteers", where)):
            member_where = f"{where}.volunteers[{position}]"
            crew.append(CrewMember(_str(raw_member, "id", member_where), _str(raw_member, "skill", member_where)))
        terms = []
        for position, raw_term in enumerate(_list(raw, "cost_terms", where, optional=True)):
            term_where = f"{where}.cost_terms[{position}]"
            terms.append(
                CostTerm(
                    _str(raw_term, "name", term_where), _num(raw_term, "value", term_where), raw_term.get("volunteer")
                )
            )
        assignments.append(
            Assignment(
                _str(raw, "order", where),
                _str(raw, "team", where),
                _int(raw, "start", where),
                tuple(crew),
                tuple(terms),
            )
        )
    unassigned = []
    for index, raw in enumerate(_list(data, "unassigned", "solution", optional=True)):
        where = f"unassigned[{index}]"
        reason = raw.get("reason", "") if isinstance(raw, Mapping) else ""
        if not isinstance(reason, str):
            raise InstanceError(f"{where}.reason: expected a string")
        params = raw.get("params") or {}
        if not isinstance(params, Mapping):
            raise InstanceError(f"{where}.params: expected an object")
        unassigned.append(Unassigned(_str(raw, "order", where), str(raw.get("code", "unknown")), reason, dict(params)))
    raw_stats = data.get("stats") or {}
    if not isinstance(raw_stats, Mapping):
        raise InstanceError("stats: expected an object")
    try:
        stats = Stats(
            int(raw_stats.get("served_priority") or 0),
            float(raw_stats.get("travel_km") or 0.0),
            int(raw_stats.get("bound") or 0),
            float(raw_stats.get("seconds") or 0.0),
            str(raw_stats.get("status", "UNKNOWN")),
            None if raw_stats.get("travel_bound_km") is None else float(raw_stats["travel_bound_km"]),
        )
    except (TypeError, ValueError) as error:
        raise InstanceError(f"stats: expected numbers ({error})") from error
    return Solution(tuple(assignments), tuple(unassigned), stats)
