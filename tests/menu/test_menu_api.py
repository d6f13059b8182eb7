"""The menu: grouped by the five priorities, scoped items, staff-only edits."""

from __future__ import annotations


def test_menu_is_ordered_by_priority(client, world, token_for) -> None:
    items = client.get("/api/v1/menu-items", headers=token_for("resident")).get_json()
    assert len(items) == 30
    order = ["theory", "policy", "values", "culture", "customs"]
    assert [order.index(i["priority"]) for i in items] == sorted(order.index(i["priority"]) for i in items)
    assert len(client.get("/api/v1/practice-priorities", headers=token_for("resident")).get_json()) == 5


def test_county_staff_add_a_station_scoped_item(client, world, token_for) -> None:
    body = {
        "code": "MI-99",
        "title": "枸杞种植技术",
        "priority": "culture",
        "mode": "help",
        "duration_minutes": 120,
        "station_id": world.stations["PY-CM"].id,
        "needs": [{"skill": "farming", "count": 1}],
    }
    created = client.post("/api/v1/menu-items", json=body, headers=token_for("county"))
    assert created.status_code == 201, created.get_json()
    at_cm = client.get(
        f"/api/v1/menu-items?station_id={world.stations['PY-CM-01'].id}", headers=token_for("county")
    ).get_json()
    at_by = client.get(
        f"/api/v1/menu-items?station_id={world.stations['PY-BY-01'].id}", headers=token_for("county")
    ).get_json()
    assert "MI-99" in {i["code"] for i in at_cm} and "MI-99" not in {i["code"] for i in at_by}


def test_menu_input_errors_name_the_field(client, world, token_for) -> None:
    body = {
        "code": "MI-98",
        "title": "x",
        "priority": "nope",
        "mode": "help",
        "duration_minutes": 60,
        "needs": [{"skill": "farming", "count": 1}, {"skill": "farming", "count": 2}],
    }
    response = client.post("/api/v1/menu-items", json=body, headers=token_for("county"))
    assert response.status_code == 422 and "needs" in response.get_json()["errors"]
    body["needs"] = [{"skill": "farming", "count": 1}]
    response = client.post("/api/v1/menu-items", json=body, headers=token_for("county"))
    assert response.status_code == 422 and "priority" in response.get_json()["errors"]


def test_only_managers_edit_the_menu(client, world, token_for) -> None:
    item = world.menu_item("MI-01").id
    assert (
        client.patch(f"/api/v1/menu-items/{item}", json={"active": False}, headers=token_for("staff")).status_code
        == 403
    )
    off = client.patch(f"/api/v1/menu-items/{item}", json={"active": False}, headers=token_for("county"))
    assert off.status_code == 200 and off.get_json()["active"] is False
    codes = {i["code"] for i in client.get("/api/v1/menu-items", headers=token_for("resident")).get_json()}
    assert "MI-01" not in codes
