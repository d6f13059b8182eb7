"""Builders for small hand-made matching instances: one volunteer, order or team as a diandan.match/1 dict."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

# Two stations 10 km apart (straight line); travel at 60 km/h and road factor 1 makes that 10 minutes each way.
STATIONS = [
    {"id": "home", "lat": 35.9, "lon": 106.6, "level": "township"},
    {"id": "far", "lat": 35.9 + 10 / 111.195, "lon": 106.6, "level": "village"},
]


def volunteer(
    vid: str = "v-1",
    *,
    team: str = "tm-1",
    station: str = "home",
    skills: tuple[str, ...] = ("first-aid",),
    available: Sequence[Sequence[int]] = ((0, 600),),
    max_orders: int = 2,
    **extra: Any,
) -> dict[str, Any]:
    """A volunteer free from minute 0 to 600, first-aid by default."""
    return {
        "id": vid,
        "team": team,
        "station": station,
        "skills": list(skills),
        "available": [list(interval) for interval in available],
        "max_orders": max_orders,
        **extra,
    }


def order(
    oid: str = "o-1",
    *,
    station: str = "far",
    needs: Sequence[tuple[str, int]] = (("first-aid", 1),),
    duration: int = 60,
    windows: Sequence[Sequence[int]] = ((100, 300),),
    priority: int = 3,
    **extra: Any,
) -> dict[str, Any]:
    """An order of one hour at the far station, one first-aid volunteer, between minutes 100 and 300 by default."""
    return {
        "id": oid,
        "station": station,
        "needs": [{"skill": skill, "count": count} for skill, count in needs],
        "duration": duration,
        "windows": [list(window) for window in windows],
        "priority": priority,
        **extra,
    }


def team(tid: str = "tm-1", *, station: str = "home", level: str = "township") -> dict[str, Any]:
    """A team at a station."""
    return {"id": tid, "station": station, "level": level}


def base_instance(**over: Any) -> dict[str, Any]:
    """Two stations, one township team at home, two volunteers (one also medical), one order at the far station."""
    data: dict[str, Any] = {
        "format": "diandan.match/1",
        "horizon": {"start": "2026-12-07T00:00:00+08:00", "minutes": 10080},
        "travel": {"road_factor": 1.0, "speed_kmh": 60},
        "stations": copy.deepcopy(STATIONS),  # tests may edit what they are given
        "teams": [team()],
        "volunteers": [volunteer("v-1"), volunteer("v-2", skills=("first-aid", "medical"))],
        "orders": [order()],
    }
    data.update(over)
    return data


def two_teams(*, second_station: str = "far", levels: tuple[str, str] = ("township", "village")) -> dict[str, Any]:
    """Overrides for base_instance: tm-1 at home and tm-2 at second_station, one first-aid volunteer in each."""
    return {
        "teams": [team("tm-1", level=levels[0]), team("tm-2", station=second_station, level=levels[1])],
        "volunteers": [volunteer("v-1"), volunteer("v-2", team="tm-2", station=second_station)],
    }
