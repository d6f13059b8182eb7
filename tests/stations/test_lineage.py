"""A station read with its ancestors in one query: the scope check and a menu item's reach on order creation use
it instead of the whole station tree (LOAD.md: one query fewer, and none that grows with the country)."""

from __future__ import annotations

from sqlalchemy import event

from app.accounts.access import lineage_in_scope, station_in_scope
from app.extensions import db
from app.menu.models import MenuItem
from app.menu.service import item_orderable_at
from app.stations.models import Station
from app.stations.service import station_with_lineage
from tests.factories import build_second_county


def _statements(run) -> tuple[object, list[str]]:  # noqa: ANN001
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        return run(), seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_village_comes_with_its_township_and_county_in_one_query(world) -> None:
    village_id = world.stations["PY-BY-01"].id
    db.session.commit()
    db.session.remove()

    def load_and_walk() -> list[str]:
        station = station_with_lineage(village_id)
        assert station is not None
        return [s.code for s in station.lineage()]

    codes, statements = _statements(load_and_walk)
    assert codes == ["PY-BY-01", "PY-BY", "PY"] and len(statements) == 1, statements
    assert station_with_lineage(-1) is None


def test_scope_read_from_the_lineage_agrees_with_the_tree_for_every_user_and_station(world) -> None:
    build_second_county(world)
    db.session.commit()
    stations = db.session.scalars(db.select(Station)).all()
    for user in world.users.values():
        for station in stations:
            loaded = station_with_lineage(station.id)
            assert loaded is not None
            expected = station_in_scope(user, station.id)
            assert lineage_in_scope(user, loaded) == expected, (user.username, station.code)


def test_a_menu_items_reach_read_from_the_lineage_is_its_station_and_below(world) -> None:
    build_second_county(world)
    db.session.commit()
    township_item = db.session.scalar(db.select(MenuItem).where(MenuItem.station_id.is_not(None)))
    assert township_item is not None
    township_item.station_id = world.stations["PY-BY"].id
    db.session.flush()
    reach = {
        code
        for code in ("PY", "PY-BY", "PY-BY-01", "PY-BY-02", "XJ", "XJ-JQ-01")
        if item_orderable_at(township_item, station_with_lineage(world.stations[code].id))
    }
    assert reach == {"PY-BY", "PY-BY-01", "PY-BY-02"}
