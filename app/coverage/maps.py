"""Map data as GeoJSON: station points, county outlines and township areas, and H3 cells, with their figures."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

import h3

from app.accounts.access import subtree_ids
from app.accounts.models import User
from app.core.errors import ValidationFailed
from app.coverage import boundaries
from app.coverage.aggregate import (
    Figures,
    Tally,
    check_period,
    collect,
    colour_class,
    period_conds,
    priority_by_code,
    scope_conds,
    staff_scope,
    stations_in,
)
from app.menu.models import MenuItem
from app.orders.models import Order
from app.stations.models import Station


def station_figures(
    *, user: User, start: date, end: date, priority: str | None
) -> tuple[list[Station], dict[int, Tally]]:
    """The stations in the user's scope and each one's tally of orders over the period."""
    check_period(start, end)
    ids = staff_scope(user, None)
    ref = priority_by_code(priority)
    conds = [*period_conds(Order.created_at, start, end), *scope_conds(ids)]
    if ref is not None:
        conds.append(MenuItem.priority_id == ref.id)
    accs = {key[0]: acc for key, acc in collect(keys=[Order.station_id], conds=conds).items()}
    return stations_in(ids, accs), accs


def figure_properties(figures: Figures) -> dict[str, Any]:
    """A GeoJSON feature's properties for a group's figures."""
    return {
        "orders": figures.orders,
        "served": figures.served,
        "cancelled": figures.cancelled,
        "expired": figures.expired,
        "open": figures.open,
        "fulfilment": figures.fulfilment,
        "colour": colour_class(figures.fulfilment),
        "median_accept_minutes": figures.median_accept_minutes,
        "median_serve_minutes": figures.median_serve_minutes,
        "avg_rating": figures.avg_rating,
    }


def map_features(*, user: User, start: date, end: date, priority: str | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of station points with their fulfilment and colour class."""
    stations, accs = station_figures(user=user, start=start, end=end, priority=priority)
    features = [
        {
            "type": "Feature",
            "id": station.id,
            "geometry": {"type": "Point", "coordinates": [station.lon, station.lat]},
            "properties": {
                "station_id": station.id,
                "code": station.code,
                "name": station.name,
                "label": station_label(station),
                "level": station.level,
                "parent_id": station.parent_id,
                **figure_properties(accs.get(station.id, Tally()).figures()),
            },
        }
        for station in stations
    ]
    return {"type": "FeatureCollection", "features": features}


def hexagons(*, user: User, start: date, end: date, priority: str | None = None, resolution: int = 7) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of H3 cells holding stations, with the cells' pooled figures."""
    if not 0 <= resolution <= 15:
        raise ValidationFailed("resolution must be between 0 and 15", field="resolution")
    stations, accs = station_figures(user=user, start=start, end=end, priority=priority)
    cells: dict[str, tuple[Tally, list[Station]]] = {}
    for station in stations:
        cell = h3.latlng_to_cell(station.lat, station.lon, resolution)
        pooled, members = cells.setdefault(cell, (Tally(), []))
        pooled.merge(accs.get(station.id, Tally()))
        members.append(station)
    features = []
    for cell, (pooled, members) in sorted(cells.items()):
        ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
        ring.append(ring[0])  # GeoJSON rings are closed
        features.append(
            {
                "type": "Feature",
                "id": cell,
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "cell": cell,
                    "resolution": resolution,
                    "stations": len(members),
                    "station_codes": [s.code for s in members],
                    **figure_properties(pooled.figures()),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def station_label(station: Station) -> str:
    """A station's short name for a map label: 白阳镇阳洼村新时代文明实践站 -> 阳洼村, ...实践所 -> 白阳镇."""
    name = station.name
    for suffix in ("新时代文明实践中心", "新时代文明实践所", "新时代文明实践站", "文明实践站", "文明实践所"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if station.level == "village" and station.parent is not None:
        parent = station_label(station.parent)
        if name.startswith(parent) and len(name) > len(parent):
            name = name[len(parent) :]
    return name or station.name


@lru_cache(maxsize=16)
def _township_areas(
    folder: str, county_name: str, institutes: tuple[tuple[int, float, float], ...]
) -> dict[int, list[boundaries.Polygon]]:
    found = boundaries.county_outline(folder, county_name)
    return boundaries.township_areas(found[1], list(institutes)) if found else {}


def map_areas(*, user: User, start: date, end: date, priority: str | None = None) -> dict[str, Any]:
    """County outlines (from the installed dataset) and township areas (derived) with the townships' fulfilment."""
    from flask import current_app

    stations, accs = station_figures(user=user, start=start, end=end, priority=priority)
    folder = str(current_app.config["MAP_BOUNDARIES_DIR"])
    in_scope = {s.id for s in stations}
    features: list[dict[str, Any]] = []
    counties = {s.county().id: s.county() for s in stations}
    for county in sorted(counties.values(), key=lambda s: s.code):
        found = boundaries.county_outline(folder, county.name)
        if found is None:
            continue
        features.append(
            {
                "type": "Feature",
                "id": f"county-{county.id}",
                "geometry": {"type": "MultiPolygon", "coordinates": found[1]},
                "properties": {
                    "kind": "county",
                    "station_id": county.id,
                    "name": station_label(county),
                    "source": "dataset",
                },
            }
        )
        townships = [c for c in county.children if c.level == "township" and c.active]
        cells = _township_areas(folder, county.name, tuple((t.id, t.lat, t.lon) for t in townships))
        for township in townships:
            if township.id not in in_scope or township.id not in cells:
                continue
            pooled = Tally()
            for station_id in subtree_ids(township.id):
                pooled.merge(accs.get(station_id, Tally()))
            features.append(
                {
                    "type": "Feature",
                    "id": f"township-{township.id}",
                    "geometry": {"type": "MultiPolygon", "coordinates": cells[township.id]},
                    "properties": {
                        "kind": "township",
                        "station_id": township.id,
                        "code": township.code,
                        "name": station_label(township),
                        "source": "derived",
                        **figure_properties(pooled.figures()),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}
