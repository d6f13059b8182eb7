"""Coverage figures, gaps, trends, contributions, map layers and snapshots, straight from the service."""

from __future__ import annotations

from datetime import timedelta

import h3
import pytest

from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.coverage import service
from app.coverage.models import CoverageSnapshot
from app.extensions import db
from tests.coverage.conftest import TODAY, local

START = TODAY - timedelta(days=13)


@pytest.fixture()
def orders(world, make_order):
    """Seven orders in the period at two villages, and one before it."""
    made = {
        "done": make_order(status="completed", accept_after=30, complete_after=120),
        "rated": make_order(status="rated", accept_after=60, complete_after=240, stars=5),
        "expired": make_order(status="expired"),
        "cancelled": make_order(status="cancelled"),
        # accepted_at left empty: the first "accepted" event stands in for it.
        "open": make_order(status="accepted", accept_after=90, accept_event_only=True),
        "policy": make_order(priority="policy", status="rated", accept_after=10, complete_after=100, stars=3),
        "far": make_order(station="PY-CM-01", priority="culture", status="completed", complete_after=60),
        "old": make_order(station="PY-BY-02", created=local(START - timedelta(days=1), 23, 59)),
    }
    db.session.commit()
    return made


def _station(report: service.CoverageReport, code: str) -> service.StationCoverage:
    return next(s for s in report.stations if s.code == code)


def test_coverage_figures_per_station_and_priority(world, orders) -> None:
    report = service.coverage(user=world.users["county"], start=START, end=TODAY)

    cell = _station(report, "PY-BY-01").by_priority["theory"]
    assert (cell.orders, cell.served, cell.cancelled, cell.expired, cell.open) == (5, 2, 1, 1, 1)
    assert cell.fulfilment == 0.5  # 2 served / (5 orders - 1 cancelled)
    assert cell.median_accept_minutes == 60.0  # of 30, 60 and 90 (the event-only one)
    assert cell.median_serve_minutes == 180.0  # of 120 and 240
    assert cell.avg_rating == 5.0 and cell.ratings == 1

    village = _station(report, "PY-BY-01").total
    assert (village.orders, village.served) == (6, 3)
    assert village.fulfilment == 0.6
    assert village.avg_rating == 4.0
    assert village.median_accept_minutes == 45.0  # of 10, 30, 60, 90

    assert report.by_priority["culture"].orders == 1 and report.by_priority["culture"].fulfilment == 1.0
    assert report.total.orders == 7 and report.total.served == 4
    assert report.total.fulfilment == round(4 / 6, 4)
    assert [p.code for p in report.priorities] == ["theory", "policy", "values", "culture", "customs"]


def test_stations_without_orders_are_listed(world, orders) -> None:
    report = service.coverage(user=world.users["county"], start=START, end=TODAY)

    assert {s.code for s in report.stations} == set(world.stations)
    empty = _station(report, "PY-BY-02")  # its only order is from the day before the period
    assert empty.total.orders == 0 and empty.total.fulfilment is None
    assert set(empty.by_priority) == {"theory", "policy", "values", "culture", "customs"}
    assert empty.by_priority["customs"].median_accept_minutes is None


def test_period_uses_local_day_boundaries(world, make_order) -> None:
    # 00:30 in Shanghai is still the previous day in UTC; it belongs to the local day.
    make_order(created=local(START, 0, 30))
    make_order(created=local(START - timedelta(days=1), 23, 59))
    make_order(created=local(TODAY, 23, 59))
    report = service.coverage(user=world.users["county"], start=START, end=TODAY)
    assert report.total.orders == 2


def test_station_filter_and_scope(world, orders) -> None:
    town = service.coverage(user=world.users["town"], start=START, end=TODAY)
    assert {s.code for s in town.stations} == {"PY-BY", "PY-BY-01", "PY-BY-02"}
    assert town.total.orders == 6  # not the PY-CM-01 one

    village = service.coverage(user=world.users["staff"], start=START, end=TODAY)
    assert [s.code for s in village.stations] == ["PY-BY-01"]

    narrowed = service.coverage(
        user=world.users["county"], start=START, end=TODAY, station_id=world.stations["PY-CM"].id
    )
    assert {s.code for s in narrowed.stations} == {"PY-CM", "PY-CM-01"}
    assert narrowed.total.orders == 1

    with pytest.raises(NotFound):
        service.coverage(user=world.users["staff"], start=START, end=TODAY, station_id=world.stations["PY-CM-01"].id)


@pytest.mark.parametrize("username", ["volunteer", "resident", "lead_v"])
def test_non_staff_are_refused(world, username) -> None:
    with pytest.raises(Forbidden):
        service.coverage(user=world.users[username], start=START, end=TODAY)
    with pytest.raises(Forbidden):
        service.contributions(user=world.users[username], start=START, end=TODAY)


def test_end_before_start_names_end(world) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service.coverage(user=world.users["county"], start=TODAY, end=START)
    assert caught.value.field == "end"


def test_gaps(world, make_order) -> None:
    make_order(priority="theory", complete_after=60, created=local(TODAY - timedelta(days=10)))
    make_order(priority="policy", complete_after=60, created=local(TODAY - timedelta(days=100)))
    make_order(priority="culture", status="expired", created=local(TODAY - timedelta(days=5)))
    make_order(priority="values", status="cancelled", created=local(TODAY - timedelta(days=5)))

    report = service.gaps(user=world.users["county"], days=90, today=TODAY)
    assert report.since == TODAY - timedelta(days=89)
    assert (report.stations, report.cells, report.covered_cells) == (6, 30, 1)
    village = {g.priority: g for g in report.gaps if g.station_code == "PY-BY-01"}
    assert set(village) == {"policy", "values", "culture", "customs"}
    assert village["policy"].last_served_on == TODAY - timedelta(days=100)
    assert village["culture"].orders_in_window == 1  # unmet demand
    assert village["values"].orders_in_window == 0  # cancelled orders are no demand
    assert village["customs"].last_served_on is None

    mine = service.gaps(user=world.users["staff"], days=90, today=TODAY)
    assert (mine.cells, len(mine.gaps)) == (5, 4)
    # A longer window reaches the old policy order.
    assert len(service.gaps(user=world.users["staff"], days=120, today=TODAY).gaps) == 3


def test_trends_bucket_by_local_week(world, make_order) -> None:
    make_order(created=local(TODAY - timedelta(days=10)), accept_after=20, complete_after=60)
    make_order(created=local(TODAY - timedelta(days=8), 23, 30), status="expired")  # Sunday night, same week
    make_order(created=local(TODAY, 0, 10), status="submitted")  # Monday just after midnight: this week
    make_order(created=local(TODAY - timedelta(days=40)))  # before the four weeks

    weeks = service.trends(user=world.users["county"], weeks=4, today=TODAY + timedelta(days=2))
    assert [w.week_start for w in weeks] == [TODAY - timedelta(weeks=n) for n in (3, 2, 1, 0)]
    assert [w.orders for w in weeks] == [0, 2, 0, 1]
    assert weeks[1].served == 1 and weeks[1].fulfilment == 0.5 and weeks[1].median_accept_minutes == 20.0
    assert weeks[0].fulfilment is None
    assert weeks[3].week == "2026-W12"

    policy_only = service.trends(user=world.users["county"], weeks=4, today=TODAY, priority="policy")
    assert sum(w.orders for w in policy_only) == 0
    with pytest.raises(ValidationFailed):
        service.trends(user=world.users["county"], priority="nonsense")


@pytest.fixture()
def work(world, make_order):
    """Served orders with crews and ratings, plus one still in service."""
    make_order(status="rated", complete_after=180, crew={"v1": 60, "v2": 90}, stars=5, tags=("看得见", "真点赞"))
    make_order(status="rated", complete_after=180, crew={"v1": 30}, stars=3, tags=("听得懂", "not-a-praise-word"))
    make_order(status="in_service", crew={"v3": 45})
    make_order(station="PY-BY-02", status="completed", complete_after=180, crew={"v3": 120})
    make_order(station="PY-CM-01", status="completed", complete_after=180, crew={"v5": 60})
    make_order(status="completed", complete_after=180, crew={"v4": 60}, created=local(START - timedelta(days=5)))
    db.session.commit()


def test_contributions_per_volunteer_and_team(world, work) -> None:
    report = service.contributions(user=world.users["county"], start=START, end=TODAY)

    assert [v.code for v in report.volunteers] == ["V3", "V1", "V2", "V5"]
    v1 = next(v for v in report.volunteers if v.code == "V1")
    assert (v1.orders_served, v1.hours, v1.ratings, v1.five_star) == (2, 1.5, 2, 1)
    assert v1.points == 1.5 * 10 + 5  # hours x POINTS_PER_HOUR + the 5-star bonus
    assert v1.avg_stars == 4.0
    assert v1.tags == {"看得见": 1, "听得懂": 1, "信得过": 0, "愿参与": 0, "用得上": 0, "真点赞": 1}
    v3 = report.volunteers[0]
    assert (v3.orders_served, v3.hours, v3.points, v3.avg_stars) == (1, 2.0, 20.0, None)  # in-service one left out

    teams = {t.code: t for t in report.teams}
    assert [t.code for t in report.teams] == ["T-V-A1", "T-T-A", "T-C"]
    village = teams["T-V-A1"]
    # Two members on one order count it once for the team.
    assert (village.volunteers, village.orders_served, village.hours, village.points) == (2, 2, 3.0, 40.0)
    assert (village.avg_stars, village.ratings) == (4.0, 2)
    assert village.tags["看得见"] == 1 and village.tags["听得懂"] == 1


def test_contributions_team_filter_and_scope(world, work) -> None:
    only = service.contributions(user=world.users["county"], start=START, end=TODAY, team_id=world.teams["T-T-A"].id)
    assert [v.code for v in only.volunteers] == ["V3"] and [t.code for t in only.teams] == ["T-T-A"]

    town = service.contributions(user=world.users["town"], start=START, end=TODAY)
    assert "V5" not in {v.code for v in town.volunteers}  # served at PY-CM-01, outside the township

    with pytest.raises(NotFound):
        service.contributions(user=world.users["county"], start=START, end=TODAY, team_id=9999)


def test_map_features(world, orders) -> None:
    collection = service.map_features(user=world.users["county"], start=START, end=TODAY)
    assert collection["type"] == "FeatureCollection"
    by_code = {f["properties"]["code"]: f for f in collection["features"]}
    assert set(by_code) == set(world.stations)
    village = by_code["PY-BY-01"]
    station = world.stations["PY-BY-01"]
    assert village["geometry"] == {"type": "Point", "coordinates": [station.lon, station.lat]}
    assert village["properties"]["fulfilment"] == 0.6 and village["properties"]["colour"] == "medium"
    assert by_code["PY-CM-01"]["properties"]["colour"] == "high"
    assert by_code["PY-BY-02"]["properties"]["colour"] == "none"

    theory = service.map_features(user=world.users["county"], start=START, end=TODAY, priority="theory")
    by_code = {f["properties"]["code"]: f["properties"] for f in theory["features"]}
    assert by_code["PY-BY-01"]["orders"] == 5 and by_code["PY-CM-01"]["orders"] == 0


@pytest.mark.parametrize("resolution", [5, 7, 9])
def test_hexagons(world, orders, resolution) -> None:
    collection = service.hexagons(user=world.users["county"], start=START, end=TODAY, resolution=resolution)
    features = collection["features"]
    assert sum(f["properties"]["stations"] for f in features) == 6
    assert sum(f["properties"]["orders"] for f in features) == 7
    for feature in features:
        assert h3.get_resolution(feature["properties"]["cell"]) == resolution
        assert feature["geometry"]["type"] == "Polygon"
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) >= 6
        assert all(100 < lon < 110 and 30 < lat < 40 for lon, lat in ring)  # [lon, lat] order
    station = world.stations["PY-BY-01"]
    home = h3.latlng_to_cell(station.lat, station.lon, resolution)
    assert "PY-BY-01" in next(f for f in features if f["id"] == home)["properties"]["station_codes"]


def test_hexagon_resolution_is_checked(world) -> None:
    with pytest.raises(ValidationFailed):
        service.hexagons(user=world.users["county"], start=START, end=TODAY, resolution=16)


def test_snapshot_is_idempotent(app, world, orders) -> None:
    assert service.take_snapshot(day=TODAY) == 30
    db.session.commit()
    assert service.take_snapshot(day=TODAY) == 30
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(CoverageSnapshot)) == 30

    orders["expired"].status = "completed"
    orders["expired"].completed_at = orders["expired"].created_at + timedelta(hours=2)
    service.take_snapshot(day=TODAY)
    service.take_snapshot(day=TODAY - timedelta(days=1))
    db.session.commit()
    rows = service.snapshot_history(
        user=world.users["staff"], start=TODAY, end=TODAY, station_id=world.stations["PY-BY-01"].id
    )
    assert len(rows) == 5
    theory = next(r for r in rows if r.priority.code == "theory")
    window = app.config["COVERAGE_SNAPSHOT_WINDOW_DAYS"]
    assert (theory.window_days, theory.orders, theory.served, theory.fulfilment) == (window, 5, 3, 0.75)
    assert theory.median_serve_minutes == 120.0
    assert len(service.snapshot_history(user=world.users["county"], start=START, end=TODAY)) == 60


@pytest.fixture()
def count_queries(db):
    """Return a context manager that counts the SQL statements run inside it."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        seen: list[str] = []

        def record(conn, cursor, statement, *args):  # noqa: ANN001
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting


def test_query_count_does_not_grow_with_orders(world, make_order, count_queries) -> None:
    def run() -> int:
        db.session.expire_all()
        with count_queries() as seen:
            service.coverage(user=world.users["county"], start=START, end=TODAY)
            service.contributions(user=world.users["county"], start=START, end=TODAY)
            service.gaps(user=world.users["county"], today=TODAY)
        return len(seen)

    make_order(crew={"v1": 30}, stars=4, tags=("信得过",), status="rated", complete_after=60, accept_after=5)
    db.session.commit()
    run()  # warms the per-request scope cache
    few = run()
    for n, key in enumerate(["v2", "v3", "v4", "v5", "v6"] * 3):
        station = ("PY-BY-01", "PY-BY-02", "PY-CM-01")[n % 3]
        make_order(station=station, crew={key: 30}, stars=5, status="rated", complete_after=60, accept_after=5)
    db.session.commit()
    assert run() == few
