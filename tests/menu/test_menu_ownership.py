"""Menu items belong to a county, or are shared templates a county adopts (issue 13 row 4)."""

from __future__ import annotations

from app.extensions import db
from app.menu.models import MenuItem
from tests.factories import build_second_county


def _codes(client, headers, station_id: int) -> set[str]:
    response = client.get(f"/api/v1/menu-items?station_id={station_id}", headers=headers)
    return {i["code"] for i in response.get_json()}


def test_staff_of_another_county_cannot_change_this_countys_items(client, world, token_for) -> None:
    """Row 4: another county's staff deactivated and renamed this county's items; now 404, nothing changed."""
    build_second_county(world)
    db.session.commit()
    item = world.menu_item("MI-15")
    other = token_for("county2")
    for change in ({"active": False}, {"title": "改名"}):
        assert client.patch(f"/api/v1/menu-items/{item.id}", json=change, headers=other).status_code == 404
    db.session.expire_all()
    assert (item.active, item.title) == (True, "敬老助老上门服务")
    # Nor does the other county's menu offer it.
    assert "MI-15" not in _codes(client, other, world.stations["XJ-JQ-01"].id)


def test_a_shared_template_is_changed_by_an_admin_and_adopted_by_a_county(client, world, token_for) -> None:
    build_second_county(world)
    template = world.menu_item("MI-15")
    template.station_id = None  # a shared template, offered in both counties
    db.session.commit()
    county, county2 = token_for("county"), token_for("county2")
    village, village2 = world.stations["PY-BY-01"].id, world.stations["XJ-JQ-01"].id
    assert "MI-15" in _codes(client, county, village) and "MI-15" in _codes(client, county2, village2)
    assert client.patch(f"/api/v1/menu-items/{template.id}", json={"active": False}, headers=county2).status_code == 403

    adopted = client.post(f"/api/v1/menu-items/{template.id}/adopt", headers=county2)
    assert adopted.status_code == 201, adopted.get_json()
    copy = adopted.get_json()
    assert (copy["adopted_from_id"], copy["station_id"]) == (template.id, world.stations["XJ"].id)
    assert client.post(f"/api/v1/menu-items/{template.id}/adopt", headers=county2).status_code == 409
    # The adopting county's stations see their copy instead; the other county still sees the template.
    assert _codes(client, county2, village2) >= {copy["code"]} and "MI-15" not in _codes(client, county2, village2)
    assert "MI-15" in _codes(client, county, village)
    # The county changes its own copy; the first county's residents still order the template.
    off = client.patch(f"/api/v1/menu-items/{copy['id']}", json={"active": False}, headers=county2)
    assert off.status_code == 200
    assert "MI-15" in _codes(client, token_for("resident"), village)
    assert client.patch(f"/api/v1/menu-items/{copy['id']}", json={"active": False}, headers=county).status_code == 404
    admin = client.patch(f"/api/v1/menu-items/{template.id}", json={"title": "敬老助老"}, headers=token_for("admin"))
    assert admin.status_code == 200


def test_county_staff_add_items_to_their_own_county(client, world, token_for) -> None:
    body = {
        "code": "MI-98",
        "title": "冬季取暖安全",
        "priority": "customs",
        "mode": "lecture",
        "duration_minutes": 60,
        "needs": [{"skill": "policy-lecture", "count": 1}],
    }
    created = client.post("/api/v1/menu-items", json=body, headers=token_for("county"))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["station_id"] == world.stations["PY"].id
    assert db.session.get(MenuItem, created.get_json()["id"]).station_id == world.stations["PY"].id
