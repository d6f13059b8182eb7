"""Rankings and points rules belong to a county: each county ranks and pays its own service, a county's own rule
overrides the shared default, and only that county's staff (or an admin) write it; the shared default is an
admin's. Two counties, through the API and the pages."""

from __future__ import annotations

from datetime import timedelta

from app.core.timeutil import set_clock
from app.extensions import db
from app.incentives import service
from app.incentives.models import PointsEntry
from tests.factories import build_second_county
from tests.incentives.conftest import SERVED

RULE = {"points_per_hour": 100, "rating_bonus": 0}


def _two_counties_served(world, serve) -> None:  # noqa: ANN001
    """An hour served in each county: V1 in 彭阳 (PY), X1 in 西吉 (XJ)."""
    build_second_county(world)
    db.session.commit()
    serve({"v1": 60})
    serve({"x1": 60}, station="XJ-JQ-01")


def _ranked(client, headers, query: str = "") -> list[str]:  # noqa: ANN001
    response = client.get(f"/api/v1/incentives/rankings?month=2026-11&kind=teams{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [row["code"] for row in response.get_json()]


def test_each_county_ranks_its_own_service(client, world, serve, token_for) -> None:
    _two_counties_served(world, serve)
    for username in ("county", "town", "staff", "lead_v", "volunteer"):
        assert _ranked(client, token_for(username)) == ["T-V-A1"], username
    for username in ("county2", "staff2", "lead2"):
        assert _ranked(client, token_for(username)) == ["T-XJ"], username
    admin = token_for("admin")
    assert _ranked(client, admin) == ["T-V-A1"]  # the first county by code until one is chosen
    assert _ranked(client, admin, "&county=XJ") == ["T-XJ"]
    assert _ranked(client, token_for("county2"), "&county=XJ") == ["T-XJ"]
    foreign = client.get("/api/v1/incentives/rankings?month=2026-11&county=XJ", headers=token_for("volunteer"))
    assert foreign.status_code == 404 and "county" in foreign.get_json()["errors"]
    unknown = client.get("/api/v1/incentives/rankings?month=2026-11&county=NOPE", headers=admin)
    assert unknown.status_code == 404 and "county" in unknown.get_json()["errors"]


def test_the_rankings_page_shows_the_callers_county_only(pages, world, serve) -> None:
    _two_counties_served(world, serve)
    pages.login("volunteer")
    own = pages.get("/incentives/rankings?month=2026-11").get_data(as_text=True)
    assert "阳洼村文明践行队" in own and "龙王坝村志愿服务队" not in own
    assert pages.get("/incentives/rankings?month=2026-11&county=XJ").status_code == 404
    pages.login("lead2")
    theirs = pages.get("/incentives/rankings?month=2026-11").get_data(as_text=True)
    assert "龙王坝村志愿服务队" in theirs and "阳洼村文明践行队" not in theirs
    pages.login("admin")
    chosen = pages.get("/incentives/rankings?month=2026-11&county=XJ").get_data(as_text=True)
    assert "龙王坝村志愿服务队" in chosen and "阳洼村文明践行队" not in chosen
    assert 'name="county"' in chosen


def test_a_countys_rule_is_its_own_staffs_and_pays_only_there(client, world, serve, token_for) -> None:
    build_second_county(world)
    db.session.commit()
    county, county2, admin = token_for("county"), token_for("county2"), token_for("admin")
    set_clock(SERVED - timedelta(days=1))
    try:
        made = client.post("/api/v1/incentives/rules", json=RULE, headers=county2)
        assert made.status_code == 201 and made.get_json()["county"] == "XJ"
        foreign = client.post("/api/v1/incentives/rules", json={**RULE, "county": "XJ"}, headers=county)
        assert foreign.status_code == 404 and "county" in foreign.get_json()["errors"]
        assert client.post("/api/v1/incentives/rules", json=RULE, headers=token_for("staff2")).status_code == 403
        # The shared default is an admin's alone: county staff naming no county write their own county's rule.
        own = client.post("/api/v1/incentives/rules", json={**RULE, "points_per_hour": 20}, headers=county)
        assert own.status_code == 201 and own.get_json()["county"] == "PY"
        shared = client.post("/api/v1/incentives/rules", json={**RULE, "points_per_hour": 50}, headers=admin)
        assert shared.status_code == 201 and shared.get_json()["county"] is None
    finally:
        set_clock(None)
    db.session.commit()

    def listed(headers) -> list[tuple[int, str | None]]:  # noqa: ANN001
        rules = client.get("/api/v1/incentives/rules", headers=headers).get_json()
        return [(r["points_per_hour"], r["county"]) for r in rules]

    assert listed(county2) == [(50, None), (100, "XJ"), (10, None)]
    assert listed(token_for("volunteer")) == [(50, None), (20, "PY"), (10, None)]
    assert client.get("/api/v1/incentives/rules?county=PY", headers=county2).status_code == 404
    assert len(listed(admin)) == 4

    serve({"x1": 60}, station="XJ-JQ-01")
    serve({"v1": 60})
    paid = dict(db.session.execute(db.select(PointsEntry.volunteer_id, PointsEntry.points)).tuples().all())
    # Each county's own rule overrides the newer shared default for service given there.
    assert paid == {world.volunteers["x1"].id: 100, world.volunteers["v1"].id: 20}


def test_the_shared_default_applies_where_a_county_has_no_rule(world, serve) -> None:
    build_second_county(world)
    set_clock(SERVED - timedelta(days=1))
    try:
        service.create_rule(user=world.users["county"], points_per_hour=20, rating_bonus=0)
    finally:
        set_clock(None)
    db.session.commit()
    serve({"x1": 60}, station="XJ-JQ-01")
    (entry,) = db.session.scalars(db.select(PointsEntry))
    assert (entry.points, entry.rule.county_id) == (10, None)


def test_the_rules_page_writes_the_callers_county_rule(pages, world) -> None:
    build_second_county(world)
    db.session.commit()
    form = {"points_per_hour": "30", "rating_bonus": "5", "rating_bonus_min_stars": "5", "priority_bonus": "0"}
    pages.login("county2")
    # A county named in the form is an admin's choice; county staff always write their own county's rule.
    pages.post("/incentives/rules", data={**form, "county": "PY"})
    rules = service.list_rules(user=world.users["admin"])
    assert [(r.points_per_hour, r.county.code if r.county else None) for r in rules] == [(30, "XJ"), (10, None)]
    page = pages.get("/incentives/rules").get_data(as_text=True)
    assert "西吉县新时代文明实践中心" in page and "现行" in page
    assert "新版本适用于西吉县新时代文明实践中心的服务" in page, "county staff are told which county the form writes"
    pages.login("county")
    own = pages.get("/incentives/rules").get_data(as_text=True)
    assert "西吉县新时代文明实践中心" not in own and "各县通用（默认）" in own
    pages.login("admin")
    pages.post("/incentives/rules", data={**form, "points_per_hour": "40", "county": ""})
    newest = service.list_rules(user=world.users["admin"])[0]
    assert (newest.points_per_hour, newest.county_id) == (40, None)
