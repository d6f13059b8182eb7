"""Road distance and travel time, computed exactly as the exchange format (and its checker) does."""

from __future__ import annotations

import math

from matching.domain import Instance, Station

EARTH_RADIUS_KM = 6371.0
# The checker forgives this much floating-point noise in km and minutes; so do we.
EPS = 1e-9


def haversine_km(a: Station, b: Station) -> float:
    """Great-circle distance between two stations in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def travel_minutes(km: float, speed_kmh: float) -> int:
    """Whole minutes to drive km at speed_kmh, rounded up."""
    return math.ceil(km / speed_kmh * 60 - EPS)


def within_max_km(km: float, max_km: float | None) -> bool:
    """Whether a one-way distance respects a volunteer's max_km."""
    return max_km is None or km <= max_km + EPS


class Distances:
    """Cached road km and travel minutes between stations of one instance."""

    def __init__(self, instance: Instance) -> None:
        self._stations = instance.station_by_id
        self._factor = instance.road_factor
        self._speed = instance.speed_kmh
        self._km: dict[tuple[str, str], float] = {}
        self._min: dict[tuple[str, str], int] = {}

    def km(self, a: str, b: str) -> float:
        """One-way road km between two station ids."""
        d = self._km.get((a, b))
        if d is None:
            # Computed in one fixed argument order, so both directions give the very same float.
            x, y = (a, b) if a <= b else (b, a)
            d = self._factor * haversine_km(self._stations[x], self._stations[y])
            self._km[(a, b)] = self._km[(b, a)] = d
        return d

    def minutes(self, a: str, b: str) -> int:
        """One-way travel minutes between two station ids."""
        t = self._min.get((a, b))
        if t is None:
            t = travel_minutes(self.km(a, b), self._speed)
            self._min[(a, b)] = t
        return t
