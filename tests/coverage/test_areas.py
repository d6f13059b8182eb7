"""The map's areas: the county outline from the installed dataset, township areas derived from it, labels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.coverage import boundaries, service
from tests.coverage.conftest import TODAY
from tests.coverage.test_service import orders  # noqa: F401  (the fixture)

START = TODAY - timedelta(days=13)
SQUARE = [[[[0.0, 0.0], [4.0, 0.0], [4.0, 2.0], [0.0, 2.0], [0.0, 0.0]]]]


def test_the_installed_dataset_holds_pengyang(app) -> None:
    found = boundaries.county_outline(app.config["MAP_BOUNDARIES_DIR"], "彭阳县新时代文明实践中心")
    assert found is not None, "scripts/install_assets.sh installs the boundary dataset"
    name, polygons = found
    assert name == "彭阳县"
    assert boundaries.contains(polygons, 35.849, 106.638)  # the county seat
    assert not boundaries.contains(polygons, 36.0, 106.3)  # Guyuan's 原州区, west of it


def test_township_areas_split_the_county_by_the_nearest_institute() -> None:
    areas = boundaries.township_areas(SQUARE, [(1, 1.0, 1.0), (2, 1.0, 3.0)])  # (id, lat, lon)
    assert set(areas) == {1, 2}
    left, right = areas[1][0][0], areas[2][0][0]
    assert max(lon for lon, _ in left) == pytest.approx(2.0, abs=1e-4)
    assert min(lon for lon, _ in right) == pytest.approx(2.0, abs=1e-4)
    assert boundaries.contains(areas[1], 1.5, 0.5) and not boundaries.contains(areas[1], 1.5, 3.5)
    assert left[0] == left[-1]


def test_map_areas_pool_each_townships_stations(world, orders) -> None:  # noqa: F811
    collection = service.map_areas(user=world.users["county"], start=START, end=TODAY)
    kinds = {f["id"]: f["properties"] for f in collection["features"]}
    county = next(p for p in kinds.values() if p["kind"] == "county")
    assert (county["name"], county["source"]) == ("彭阳县", "dataset")
    towns = {p["code"]: p for p in kinds.values() if p["kind"] == "township"}
    assert set(towns) == {"PY-BY", "PY-CM"}
    assert towns["PY-BY"]["source"] == "derived"
    # 白阳镇's area holds its two villages' orders (six in the period), 草庙乡's the one at 草庙村.
    assert towns["PY-BY"]["orders"] == 6 and towns["PY-CM"]["orders"] == 1
    assert towns["PY-CM"]["colour"] == "high"
    culture = service.map_areas(user=world.users["county"], start=START, end=TODAY, priority="culture")
    by_code = {f["properties"].get("code"): f["properties"] for f in culture["features"]}
    assert by_code["PY-BY"]["orders"] == 0 and by_code["PY-CM"]["orders"] == 1


def test_village_staff_see_only_their_own_township_area(world, orders) -> None:  # noqa: F811
    collection = service.map_areas(user=world.users["town"], start=START, end=TODAY)
    towns = [f["properties"]["code"] for f in collection["features"] if f["properties"]["kind"] == "township"]
    assert towns == ["PY-BY"]


def test_station_labels_are_short() -> None:
    from app.stations.models import Station

    town = Station(code="T", name="白阳镇新时代文明实践所", level="township", lat=0, lon=0)
    village = Station(code="V", name="白阳镇阳洼村新时代文明实践站", level="village", lat=0, lon=0, parent=town)
    assert service.station_label(town) == "白阳镇"
    assert service.station_label(village) == "阳洼村"


def test_api_serves_the_areas(client, world, token_for) -> None:
    response = client.get("/api/v1/coverage/areas.geojson", headers=token_for("county"))
    assert response.status_code == 200
    assert {f["properties"]["kind"] for f in response.get_json()["features"]} == {"county", "township"}
    assert client.get("/api/v1/coverage/areas.geojson", headers=token_for("volunteer")).status_code == 403
