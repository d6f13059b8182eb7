"""Map data as GeoJSON: station points and H3 cells, with their figures and colour classes."""

from __future__ import annotations

from datetime import date
from typing import Any

import h3

from app.accounts.models import User
from app.core.errors import ValidationFailed
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
