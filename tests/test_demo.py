"""The demo county: shaped like the brief, deterministic, and dispatchable."""

from __future__ import annotations

import pytest

from app.demo.loader import DEMO_PASSWORD, load_demo
from app.dispatch.runs import run_dispatch_for_counties
from app.orders.models import Order
from app.stations.models import Station
from app.volunteers.models import Team, Volunteer


def test_demo_county_shape_and_dispatch(client, db) -> None:
    summary = load_demo(volunteers=120, orders=15, seed=3)
    db.session.commit()
    levels = [s.level for s in db.session.scalars(db.select(Station))]
    assert (levels.count("county"), levels.count("township"), levels.count("village")) == (1, 12, 18)
    county_teams = db.session.scalars(db.select(Team).where(Team.level == "county")).all()
    assert len(county_teams) == 8
    assert db.session.query(Volunteer).count() == summary["volunteers"] == 120
    assert summary["open orders"] == 15
    runs = run_dispatch_for_counties(trigger="test", actor=None, time_limit=3)
    db.session.commit()
    # Orders beyond the dispatch horizon (a week) wait for a later run.
    assert 0 < runs[0].orders_considered <= 15
    assert runs[0].orders_proposed + runs[0].orders_unassigned == runs[0].orders_considered
    assert runs[0].orders_proposed > 0
    for user in ("admin", "county", "town", "station", "resident", "lead", "volunteer"):
        response = client.post("/api/v1/auth/token", json={"username": user, "password": DEMO_PASSWORD})
        assert response.status_code == 201, user


def test_demo_is_deterministic(db) -> None:
    load_demo(volunteers=60, orders=5, seed=11)
    first = [(v.name, tuple(s.code for s in v.skills)) for v in db.session.scalars(db.select(Volunteer))]
    stations = [(o.station_id, o.menu_item_id) for o in db.session.scalars(db.select(Order).order_by(Order.id))]
    load_demo(volunteers=60, orders=5, seed=11, reset=True)
    again = [(v.name, tuple(s.code for s in v.skills)) for v in db.session.scalars(db.select(Volunteer))]
    assert first == again
    assert stations == [(o.station_id, o.menu_item_id) for o in db.session.scalars(db.select(Order).order_by(Order.id))]


def test_demo_refuses_to_load_twice(db) -> None:
    load_demo(volunteers=30, orders=0, seed=1)
    with pytest.raises(ValueError, match="already loaded"):
        load_demo(volunteers=30, orders=0, seed=1)


def test_demo_breaks_no_invariant(db) -> None:
    """Issue 13 row 23: the demo's past orders never put a volunteer in two overlapping jobs (doctor finds none)."""
    from app.integrity.service import find_violations

    load_demo(volunteers=120, orders=15, seed=7)
    db.session.commit()
    assert find_violations() == []
