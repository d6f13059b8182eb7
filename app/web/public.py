"""The open front door: which station's menu an unsigned visitor is looking at, and the stations to choose from."""

from __future__ import annotations

from flask import session

from app.extensions import db
from app.stations.models import Station


def active_stations() -> list[Station]:
    """Every active station, county centre first, then townships each followed by their villages."""
    stations = list(db.session.scalars(db.select(Station).where(Station.active.is_(True)).order_by(Station.code)))
    by_parent: dict[int | None, list[Station]] = {}
    for station in stations:
        by_parent.setdefault(station.parent_id, []).append(station)
    ordered: list[Station] = []

    def walk(parent_id: int | None) -> None:
        for station in by_parent.get(parent_id, []):
            ordered.append(station)
            walk(station.id)

    known = {station.id for station in stations}
    for root in [s for s in stations if s.parent_id is None or s.parent_id not in known]:
        ordered.append(root)
        walk(root.id)
    return ordered


def station_choices() -> list[tuple[int, str]]:
    """(id, name) for a select of stations, indented by tier."""
    indent = {"county": "", "township": "\u3000", "village": "\u3000\u3000"}
    return [(s.id, indent.get(s.level, "") + s.name) for s in active_stations()]


def chosen_station(code: str | None) -> Station | None:
    """The station asked for by code (remembered for the visit), else the remembered one, else the county centre."""
    stations = active_stations()
    if not stations:
        return None
    picked = next((s for s in stations if code and s.code == code), None)
    if picked is None:
        remembered = session.get("menu_station_id")
        picked = next((s for s in stations if s.id == remembered), None)
    if picked is None:
        picked = next((s for s in stations if s.level == "county"), stations[0])
    session["menu_station_id"] = picked.id
    return picked
