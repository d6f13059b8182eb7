"""Stations: the three-tier tree, scope and creation rules."""

from __future__ import annotations


def _village(world, **changes: object) -> dict:
    """A new village station's body, under the 白阳 township."""
    body = {"code": "PY-BY-03", "name": "新村站", "level": "village", "lat": 35.9, "lon": 106.6}
    return {**body, "parent_id": world.stations["PY-BY"].id, **changes}


def test_station_staff_see_their_subtree(client, world, token_for) -> None:
    codes = {s["code"] for s in client.get("/api/v1/stations", headers=token_for("town")).get_json()}
    assert codes == {"PY-BY", "PY-BY-01", "PY-BY-02"}
    county = world.stations["PY"].id
    assert client.get(f"/api/v1/stations/{county}", headers=token_for("town")).status_code == 404


def test_county_staff_add_a_village_under_a_township(client, world, token_for) -> None:
    body = _village(world)
    created = client.post("/api/v1/stations", json=body, headers=token_for("county"))
    assert created.status_code == 201
    wrong_tier = {**body, "code": "PY-X", "parent_id": world.stations["PY"].id}
    response = client.post("/api/v1/stations", json=wrong_tier, headers=token_for("county"))
    assert response.status_code == 422 and "parent_id" in response.get_json()["errors"]
    taken = client.post("/api/v1/stations", json=body, headers=token_for("county"))
    assert taken.status_code == 422 and "code" in taken.get_json()["errors"]
    assert client.post("/api/v1/stations", json={**body, "code": "Z"}, headers=token_for("staff")).status_code == 403


def test_latitude_out_of_range_is_named(client, world, token_for) -> None:
    body = _village(world, code="Q", lat=123)
    response = client.post("/api/v1/stations", json=body, headers=token_for("county"))
    assert response.status_code == 422 and "lat" in response.get_json()["errors"]
