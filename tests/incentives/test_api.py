"""The incentives API: rules, accounts, ledgers, corrections, the shop, rankings and documents."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from app.extensions import db
from app.incentives.models import HoursEntry


def test_account_hours_and_points_of_a_volunteer(client, world, serve, token_for) -> None:
    serve({"v1": 90}, stars=5)
    v1 = world.volunteers["v1"].id
    me = token_for("volunteer")
    assert client.get(f"/api/v1/incentives/volunteers/{v1}/account", headers=me).get_json() == {
        "volunteer_id": v1,
        "balance": 20,
        "earned": 20,
        "hours": 1.5,
    }
    hours = client.get(f"/api/v1/incentives/volunteers/{v1}/hours", headers=me).get_json()
    assert [(h["kind"], h["minutes"]) for h in hours] == [("service", 90)]
    points = client.get(f"/api/v1/incentives/volunteers/{v1}/points", headers=me).get_json()
    assert [(p["kind"], p["points"], p["rule_version"]) for p in points] == [("rating_bonus", 5, 1), ("service", 15, 1)]
    other = world.volunteers["v2"].id
    assert client.get(f"/api/v1/incentives/volunteers/{other}/account", headers=me).status_code == 404
    assert client.get(f"/api/v1/incentives/volunteers/{v1}/account", headers=token_for("staff_b")).status_code == 404


def test_rules_and_corrections(client, world, serve, token_for) -> None:
    serve({"v1": 60})
    county, staff = token_for("county"), token_for("staff")
    assert [r["version"] for r in client.get("/api/v1/incentives/rules", headers=staff).get_json()] == [1]
    made = client.post("/api/v1/incentives/rules", json={"points_per_hour": 12, "rating_bonus": 3}, headers=county)
    assert made.status_code == 201 and made.get_json()["version"] == 2
    assert (
        client.post(
            "/api/v1/incentives/rules", json={"points_per_hour": 1, "rating_bonus": 0}, headers=staff
        ).status_code
        == 403
    )
    bad = client.post("/api/v1/incentives/rules", json={"points_per_hour": -1, "rating_bonus": 0}, headers=county)
    assert bad.status_code == 422 and "points_per_hour" in bad.get_json()["errors"]

    line = db.session.scalar(db.select(HoursEntry.id))
    fixed = client.post(
        f"/api/v1/incentives/hours/{line}/corrections", json={"minutes": -15, "reason": "早退"}, headers=staff
    )
    assert fixed.status_code == 201 and fixed.get_json()["corrects_id"] == line
    empty = client.post(f"/api/v1/incentives/hours/{line}/corrections", json={"minutes": 5}, headers=staff)
    assert empty.status_code == 422 and "reason" in empty.get_json()["errors"]
    assert (
        client.post(
            f"/api/v1/incentives/hours/{line}/corrections",
            json={"minutes": 5, "reason": "x"},
            headers=token_for("staff_b"),
        ).status_code
        == 404
    )


def test_shop_through_the_api(client, world, serve, token_for) -> None:
    serve({"v1": 60})  # 10 points
    staff, me = token_for("staff"), token_for("volunteer")
    station = world.stations["PY-BY-01"].id
    made = client.post(
        "/api/v1/incentives/shop/items",
        json={"station_id": station, "name": "毛巾", "points_cost": 6, "stock": 1},
        headers=staff,
    )
    assert made.status_code == 201, made.get_json()
    item = made.get_json()["id"]
    bad = client.post(
        "/api/v1/incentives/shop/items", json={"station_id": station, "name": "x", "points_cost": 0}, headers=staff
    )
    assert bad.status_code == 422 and "points_cost" in bad.get_json()["errors"]
    assert [i["name"] for i in client.get("/api/v1/incentives/shop/items", headers=me).get_json()] == ["毛巾"]

    redeemed = client.post("/api/v1/incentives/shop/redemptions", json={"item_id": item}, headers=me)
    assert redeemed.status_code == 201 and redeemed.get_json()["points"] == 6
    empty = client.post("/api/v1/incentives/shop/redemptions", json={"item_id": item}, headers=me)
    assert empty.status_code == 409 and empty.get_json()["code"] == "out_of_stock"
    restocked = client.patch(f"/api/v1/incentives/shop/items/{item}", json={"add_stock": 2}, headers=staff)
    assert restocked.get_json()["stock"] == 2
    poor = client.post("/api/v1/incentives/shop/redemptions", json={"item_id": item}, headers=me)
    assert poor.status_code == 409 and poor.get_json()["errors"] == {"points": ["not enough points"]}
    assert client.patch(f"/api/v1/incentives/shop/items/{item}", json={}, headers=staff).status_code == 422

    listed = client.get("/api/v1/incentives/shop/redemptions", headers=staff).get_json()
    rid = listed[0]["id"]
    assert client.post(f"/api/v1/incentives/shop/redemptions/{rid}/hand-over", headers=me).status_code == 403
    assert (
        client.post(f"/api/v1/incentives/shop/redemptions/{rid}/hand-over", headers=staff).get_json()["status"]
        == "handed_over"
    )


def test_rankings_certificate_and_subsidy(client, world, serve, token_for) -> None:
    serve({"v1": 60, "v2": 30})
    county = token_for("county")
    rows = client.get("/api/v1/incentives/rankings?month=2026-11&kind=teams", headers=county).get_json()
    assert [(r["code"], r["points"]) for r in rows] == [("T-V-A1", 15)]
    assert client.get("/api/v1/incentives/rankings?month=11-2026", headers=county).status_code == 422
    v1 = world.volunteers["v1"].id
    pdf = client.get(
        f"/api/v1/incentives/volunteers/{v1}/certificate.pdf?start=2026-11-01&end=2026-11-30",
        headers=token_for("volunteer"),
    )
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    backwards = client.get(
        f"/api/v1/incentives/volunteers/{v1}/certificate.pdf?start=2026-11-30&end=2026-11-01", headers=county
    )
    assert backwards.status_code == 422
    xlsx = client.get("/api/v1/incentives/subsidy.xlsx?start=2026-11-01&end=2026-11-30", headers=county)
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["说明", "志愿者", "服务队", "站点"]
    assert client.get("/api/v1/incentives/subsidy.xlsx", headers=token_for("volunteer")).status_code == 403


def test_the_openapi_spec_lists_incentives(client, world) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/incentives/rules",
        "/api/v1/incentives/shop/redemptions",
        "/api/v1/incentives/rankings",
        "/api/v1/incentives/volunteers/{volunteer_id}/certificate.pdf",
        "/api/v1/incentives/subsidy.xlsx",
    ):
        assert path in paths
