"""Station rules: the three-tier tree and scope."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import Select, bindparam
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.access import (
    allowed,
    authorize,
    ensure_station_in_scope,
    within_scope,
)
from app.accounts.models import User
from app.core.errors import NotFound, ValidationFailed
from app.core.timeutil import utcnow
from app.extensions import db
from app.stations.models import LEVEL_RANK, Station


def list_stations(*, user: User, level: str | None = None, parent_id: int | None = None) -> list[Station]:
    """Stations within the user's scope, optionally filtered."""
    query = within_scope(db.select(Station).order_by(Station.code), user, Station.id)
    if level is not None:
        query = query.where(Station.level == level)
    if parent_id is not None:
        query = query.where(Station.parent_id == parent_id)
    return list(db.session.scalars(query))


def get_station(*, user: User, station_id: int) -> Station:
    """One station inside the user's scope, or 404."""
    station = db.session.get(Station, station_id)
    if station is None:
        raise NotFound("station not found")
    ensure_station_in_scope(user, station.id)
    return station


def _lineage_query() -> Select[tuple[Station]]:
    chain = db.select(Station.id, Station.parent_id).where(Station.id == bindparam("station_id"))
    chain = chain.cte("lineage", recursive=True)
    above = aliased(Station)
    chain = chain.union_all(db.select(above.id, above.parent_id).join(chain, above.id == chain.c.parent_id))
    return db.select(Station).join(chain, Station.id == chain.c.id)


# Built once: putting a recursive query together costs more than running it (it is on every order's path).
_LINEAGE = _lineage_query()


def station_with_lineage(station_id: int) -> Station | None:
    """A station with its ancestors, read in one query, so that `lineage()` and `county()` read no more rows."""
    found = {station.id: station for station in db.session.scalars(_LINEAGE, {"station_id": station_id})}
    # Each one holds its parent as loaded: the session keeps rows only while something refers to them.
    for station in found.values():
        if station.parent_id in found and "parent" not in station.__dict__:
            set_committed_value(station, "parent", found[station.parent_id])
    return found.get(station_id)


def station_by_code(code: str) -> Station:
    """The station with a code, or 404 naming the field."""
    station = db.session.scalar(db.select(Station).where(Station.code == code))
    if station is None:
        raise NotFound("no station with code %(code)s", field="station", params={"code": code})
    return station


def counties() -> list[Station]:
    """Every county centre (the roots of the tree)."""
    return list(db.session.scalars(db.select(Station).where(Station.level == "county").order_by(Station.code)))


def create_station(
    *,
    user: User,
    code: str,
    name: str,
    level: str,
    lat: float,
    lon: float,
    parent_id: int | None = None,
    address: str | None = None,
) -> Station:
    """Add a station under a parent one tier up (a county has no parent)."""
    authorize(user, "stations.create")
    if db.session.scalar(db.select(Station.id).where(Station.code == code)) is not None:
        raise ValidationFailed("station code %(code)s is taken", field="code", params={"code": code})
    if level == "county":
        if parent_id is not None:
            raise ValidationFailed("a county centre has no parent", field="parent_id")
        if not allowed(user, "stations.county.create"):
            raise ValidationFailed("only an admin may add a county", field="level")
    else:
        if parent_id is None:
            raise ValidationFailed("a township or village station needs a parent", field="parent_id")
        parent = db.session.get(Station, parent_id)
        if parent is None or LEVEL_RANK[parent.level] != LEVEL_RANK[level] - 1:
            raise ValidationFailed("parent must be a station one tier up", field="parent_id")
        authorize(user, "stations.create", parent.id, field="parent_id")
    station = Station(code=code, name=name, level=level, parent_id=parent_id, lat=lat, lon=lon, address=address)
    db.session.add(station)
    db.session.flush()
    return station


# ---------------------------------------------------------------------------------------------------------------
# The station's rotating check-in code: shown at the station, typed (or scanned) by volunteers as they arrive


@dataclass(frozen=True)
class StationCode:
    """The code a station shows now, and when it changes."""

    code: str
    valid_until: datetime


def _slot_seconds() -> int:
    return max(1, int(current_app.config["STATION_CODE_MINUTES"])) * 60


def _code_for(station_id: int, slot: int) -> str:
    key = hashlib.sha256(("station-code:" + str(current_app.config["SECRET_KEY"])).encode()).digest()
    digest = hmac.new(key, f"{station_id}:{slot}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def station_code(*, station_id: int, at: datetime | None = None) -> StationCode:
    """The station's check-in code at a moment: an HMAC of the station and the time slot, six digits."""
    moment = at or utcnow()
    slot = int(moment.timestamp()) // _slot_seconds()
    valid_until = datetime.fromtimestamp((slot + 1) * _slot_seconds(), tz=UTC)
    return StationCode(code=_code_for(station_id, slot), valid_until=valid_until)


def station_code_matches(*, station_id: int, code: str, at: datetime | None = None) -> bool:
    """Whether a typed code is the station's current one or the one just before (someone mid-typing)."""
    moment = at or utcnow()
    slot = int(moment.timestamp()) // _slot_seconds()
    typed = "".join(ch for ch in code if ch.isdigit())
    return any(hmac.compare_digest(typed, _code_for(station_id, s)) for s in (slot, slot - 1))


def show_station_code(*, user: User, station_id: int) -> tuple[Station, StationCode]:
    """The code for staff to show at their station (staff whose scope covers it)."""
    authorize(user, "stations.code.show", station_id)
    station = get_station(user=user, station_id=station_id)
    return station, station_code(station_id=station.id)
