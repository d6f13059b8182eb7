"""The coverage API: JSON reports, argument errors, access, GeoJSON layers and CSV/XLSX exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app.core.timeutil import set_clock
from app.extensions import db
from tests.coverage.conftest import TODAY, local

START = TODAY - timedelta(days=13)
PERIOD = {"start": START.isoformat(), "end": TODAY.isoformat()}


@pytest.fixture()
def served(world, make_order):
    """A few orders at PY-BY-01 and PY-CM-01, two of them served by crews and rated."""
    make_order(status="rated", accept_after=30, complete_after=120, crew={"v1": 60}, stars=5, tags=("真点赞",))
    make_order(status="expired")
    make_order(station="PY-CM-01", priority="culture", status="completed", complete_after=60, crew={"v5": 90})
    db.session.commit()


def _csv_rows(response) -> list[list[str]]:
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_coverage_json(client, token_for, served) -> None:
    response = client.get("/api/v1/coverage", query_string=PERIOD, headers=token_for("county"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["start"] == PERIOD["start"] and body["end"] == PERIOD["end"]
    assert body["total"]["orders"] == 3 and body["total"]["fulfilment"] == round(2 / 3, 4)
    village = next(s for s in body["stations"] if s["code"] == "PY-BY-01")
    assert village["by_priority"]["theory"]["median_accept_minutes"] == 30.0
    assert village["by_priority"]["customs"]["fulfilment"] is None
    assert len(body["stations"]) == 6


def test_coverage_defaults_to_recent_days(app, client, token_for, served) -> None:
    set_clock(local(TODAY, 12))
    body = client.get("/api/v1/coverage", headers=token_for("county")).get_json()
    assert body["end"] == TODAY.isoformat()
    assert body["start"] == (TODAY - timedelta(days=app.config["COVERAGE_DEFAULT_DAYS"] - 1)).isoformat()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": TODAY.isoformat(), "end": START.isoformat()}, "end"),
        ({"start": "yesterday"}, "start"),
        ({"station_id": "x"}, "station_id"),
        ({"station_id": 2**70}, "station_id"),
        ({"start": "0001-01-01"}, "start"),
        ({"start": "2001-01-01", "end": "2099-01-01"}, "start"),  # longer than the longest period
    ],
)
def test_bad_arguments_name_the_field(client, token_for, world, query, field) -> None:
    response = client.get("/api/v1/coverage", query_string=query, headers=token_for("county"))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_unknown_priority_and_resolution_are_422(client, token_for, world) -> None:
    headers = token_for("county")
    response = client.get("/api/v1/coverage/map.geojson", query_string={"priority": "x"}, headers=headers)
    assert response.status_code == 422 and "priority" in response.get_json()["errors"]
    response = client.get("/api/v1/coverage/hexagons.geojson", query_string={"resolution": 99}, headers=headers)
    assert response.status_code == 422 and "resolution" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/coverage",
        "/api/v1/coverage/gaps",
        "/api/v1/coverage/trends",
        "/api/v1/coverage/contributions",
        "/api/v1/coverage/map.geojson",
        "/api/v1/coverage/coverage.csv",
        "/api/v1/coverage/contributions.xlsx",
    ],
)
def test_volunteers_are_forbidden(client, token_for, world, path) -> None:
    assert client.get(path, headers=token_for("volunteer")).status_code == 403
    assert client.get(path).status_code == 401


def test_station_staff_see_their_subtree(client, token_for, served, world) -> None:
    body = client.get("/api/v1/coverage", query_string=PERIOD, headers=token_for("town")).get_json()
    assert {s["code"] for s in body["stations"]} == {"PY-BY", "PY-BY-01", "PY-BY-02"}
    outside = {**PERIOD, "station_id": world.stations["PY-CM-01"].id}
    response = client.get("/api/v1/coverage", query_string=outside, headers=token_for("town"))
    assert response.status_code == 404


def test_gaps_and_trends(client, token_for, served) -> None:
    set_clock(local(TODAY, 12))
    headers = token_for("staff")
    gaps = client.get("/api/v1/coverage/gaps", query_string={"days": 30}, headers=headers).get_json()
    assert gaps["cells"] == 5 and {g["priority"] for g in gaps["gaps"]} == {"policy", "values", "culture", "customs"}
    trends = client.get("/api/v1/coverage/trends", query_string={"weeks": 3}, headers=headers).get_json()
    assert [w["orders"] for w in trends] == [0, 2, 0]
    assert client.get("/api/v1/coverage/trends", query_string={"weeks": 0}, headers=headers).status_code == 422


def test_contributions_json(client, token_for, served) -> None:
    body = client.get("/api/v1/coverage/contributions", query_string=PERIOD, headers=token_for("county")).get_json()
    assert [v["code"] for v in body["volunteers"]] == ["V5", "V1"]
    v1 = body["volunteers"][1]
    assert (v1["hours"], v1["points"], v1["tags"]["真点赞"]) == (1.0, 15.0, 1)
    assert {t["code"] for t in body["teams"]} == {"T-V-A1", "T-C"}


def test_geojson_layers(client, token_for, served) -> None:
    headers = token_for("county")
    points = client.get("/api/v1/coverage/map.geojson", query_string=PERIOD, headers=headers).get_json()
    assert points["type"] == "FeatureCollection" and len(points["features"]) == 6
    assert {f["properties"]["colour"] for f in points["features"]} == {"none", "medium", "high"}
    hexes = client.get(
        "/api/v1/coverage/hexagons.geojson", query_string={**PERIOD, "resolution": 6}, headers=headers
    ).get_json()
    assert all(f["geometry"]["type"] == "Polygon" for f in hexes["features"])
    assert sum(f["properties"]["orders"] for f in hexes["features"]) == 3


def test_coverage_csv_and_xlsx(client, token_for, served) -> None:
    headers = token_for("county")
    response = client.get("/api/v1/coverage/coverage.csv", query_string=PERIOD, headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "coverage_2026-03-03_2026-03-16.csv" in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0][:4] == ["站点编码", "站点名称", "层级", "实践重点"]
    assert len(rows) == 1 + 6 * 6 + 6  # header, 5 priorities + total per station, then the scope
    theory = next(r for r in rows if r[0] == "PY-BY-01" and r[3] == "学习实践科学理论")
    assert theory[4:10] == ["2", "1", "0", "1", "0", "0.5"]
    assert rows[-1][0] == "合计" and rows[-1][4] == "3"

    response = client.get("/api/v1/coverage/coverage.xlsx", query_string=PERIOD, headers=headers)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][3] == "实践重点" and len(values) == len(rows)
    assert values[-1][4] == 3 and sheet.cell(row=2, column=10).number_format == "0.0%"


def test_gaps_exports(client, token_for, served) -> None:
    set_clock(local(TODAY, 12))
    headers = token_for("staff")
    rows = _csv_rows(client.get("/api/v1/coverage/gaps.csv", query_string={"days": 30}, headers=headers))
    assert len(rows) == 1 + 4
    workbook = load_workbook(io.BytesIO(client.get("/api/v1/coverage/gaps.xlsx", headers=headers).data))
    assert workbook.active.max_row == 1 + 4


def test_contribution_exports(client, token_for, served) -> None:
    headers = token_for("county")
    rows = _csv_rows(client.get("/api/v1/coverage/contributions.csv", query_string=PERIOD, headers=headers))
    assert rows[0][0] == "志愿者编号" and rows[0][-6:] == ["看得见", "听得懂", "信得过", "愿参与", "用得上", "真点赞"]
    assert [r[0] for r in rows[1:]] == ["V5", "V1"]
    teams = _csv_rows(
        client.get("/api/v1/coverage/contributions.csv", query_string={**PERIOD, "by": "team"}, headers=headers)
    )
    assert {r[0] for r in teams[1:]} == {"T-V-A1", "T-C"}

    response = client.get("/api/v1/coverage/contributions.xlsx", query_string=PERIOD, headers=headers)
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["志愿者", "队伍"]
    assert [row[0] for row in workbook["队伍"].iter_rows(min_row=2, values_only=True)] == ["T-C", "T-V-A1"]


def test_snapshots_endpoint(client, token_for, served) -> None:
    from app.coverage.service import take_snapshot

    take_snapshot(day=TODAY)
    db.session.commit()
    query = {"start": TODAY.isoformat(), "end": TODAY.isoformat()}
    rows = client.get("/api/v1/coverage/snapshots", query_string=query, headers=token_for("staff")).get_json()
    assert len(rows) == 5 and {r["priority"] for r in rows} == {"theory", "policy", "values", "culture", "customs"}


def test_exports_do_not_run_formulas(client, token_for, world) -> None:
    world.stations["PY-BY-02"].name = '=HYPERLINK("http://example.com")'
    db.session.commit()
    headers = token_for("county")
    rows = _csv_rows(client.get("/api/v1/coverage/coverage.csv", query_string=PERIOD, headers=headers))
    assert next(r for r in rows if r[0] == "PY-BY-02")[1].startswith("'=")
    response = client.get("/api/v1/coverage/coverage.xlsx", query_string=PERIOD, headers=headers)
    sheet = load_workbook(io.BytesIO(response.data)).active
    cell = next(row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == "PY-BY-02")
    assert cell.data_type == "s" and cell.value.startswith("'=")
