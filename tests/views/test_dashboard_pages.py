"""The staff dashboard: access, map layers as GeoJSON, figures, gaps and exports."""

from __future__ import annotations

import io
from csv import reader

import pytest
from openpyxl import load_workbook


def test_dashboard_shows_figures_map_gaps_and_exports(pages, world, make_order) -> None:
    make_order()
    pages.login("county")
    body = pages.get("/dashboard").get_data(as_text=True)
    assert 'id="map"' in body and "vendor/leaflet/leaflet.js" in body and "vendor/chartjs/chart.umd.js" in body
    assert "完成率" in body and "接单用时（中位数）" in body and 'data-testid="gap-table"' in body
    assert "/dashboard/export/coverage.xlsx" in body
    assert "http://" not in body.replace("http://localhost", "") and "https://" not in body


def test_map_layers_are_geojson_for_the_scope(pages, world) -> None:
    pages.login("town")
    stations = pages.get("/dashboard/map.geojson?priority=policy").get_json()
    codes = {f["properties"]["code"] for f in stations["features"]}
    assert codes == {"PY-BY", "PY-BY-01", "PY-BY-02"}
    hexes = pages.get("/dashboard/hexagons.geojson").get_json()
    assert hexes["type"] == "FeatureCollection" and hexes["features"][0]["geometry"]["type"] == "Polygon"


# The first column heading of each export (the exports are in Chinese).
EXPORT_HEADINGS = {"coverage": "站点编码", "gaps": "站点编码", "volunteers": "志愿者编号", "teams": "队伍编号"}


@pytest.mark.parametrize("kind", ["coverage", "gaps", "volunteers", "teams"])
def test_exports(pages, world, kind: str) -> None:
    pages.login("county")
    heading = EXPORT_HEADINGS[kind]
    csv = pages.get(f"/dashboard/export/{kind}.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.headers["Content-Disposition"].startswith(f'attachment; filename="{kind}_')
    rows = list(reader(io.StringIO(csv.data.decode("utf-8-sig"))))
    assert rows[0][0] == heading
    if kind in ("coverage", "gaps"):
        assert {row[0] for row in rows[1:]} >= {"PY-BY-01", "PY-BY-02"}  # every station in the county's scope
    xlsx = pages.get(f"/dashboard/export/{kind}.xlsx?days=365")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    assert sheet.cell(row=1, column=1).value == heading
    assert sheet.max_row == len(rows)


def test_dashboard_is_for_staff(pages, world) -> None:
    for username in ("resident", "volunteer", "lead_v"):
        pages.login(username)
        assert pages.get("/dashboard").status_code == 403
        assert pages.get("/dashboard/map.geojson").status_code == 403
