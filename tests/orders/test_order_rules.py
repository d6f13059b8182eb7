"""Order rules: bad input names the field, scope and role are enforced, failures write nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.core.timeutil import LOCAL_TZ
from app.orders.models import Order, Resident
from tests.orders.test_lifecycle_api import place, tomorrow_window


def body(world, **changes) -> dict:
    base = {
        "menu_item_id": world.menu_item("MI-15").id,
        "station_id": world.stations["PY-BY-01"].id,
        "windows": [tomorrow_window()],
        "resident": {"name": "马大爷"},
    }
    base.update(changes)
    return base


def test_window_ending_before_start_names_the_field(client, world, token_for) -> None:
    window = tomorrow_window()
    response = client.post(
        "/api/v1/orders",
        json=body(world, windows=[{"start": window["end"], "end": window["start"]}]),
        headers=token_for("staff"),
    )
    assert response.status_code == 422
    assert "windows" in response.get_json()["errors"]


def test_window_shorter_than_service_is_refused(client, world, token_for) -> None:
    response = client.post(
        "/api/v1/orders", json=body(world, windows=[tomorrow_window(9, 10)]), headers=token_for("staff")
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"windows.0.end": ["the window is shorter than the service (120 minutes)"]}


def test_window_in_the_past_is_refused(client, world, token_for) -> None:
    response = client.post(
        "/api/v1/orders", json=body(world, windows=[tomorrow_window(days=-2)]), headers=token_for("staff")
    )
    assert response.status_code == 422
    assert "windows.0.end" in response.get_json()["errors"]


def test_naive_time_is_refused(client, world, token_for) -> None:
    naive = (datetime.now() + timedelta(days=1)).replace(microsecond=0)
    response = client.post(
        "/api/v1/orders",
        json=body(world, windows=[{"start": naive.isoformat(), "end": (naive + timedelta(hours=4)).isoformat()}]),
        headers=token_for("staff"),
    )
    assert response.status_code == 422


def test_unknown_menu_item_names_the_field(client, world, token_for) -> None:
    response = client.post("/api/v1/orders", json=body(world, menu_item_id=99999), headers=token_for("staff"))
    assert response.status_code == 422
    assert "menu_item_id" in response.get_json()["errors"]


def test_station_outside_scope_is_404(client, world, token_for) -> None:
    response = client.post(
        "/api/v1/orders", json=body(world, station_id=world.stations["PY-CM-01"].id), headers=token_for("staff")
    )
    assert response.status_code == 404


def test_volunteer_may_not_place_orders(client, world, token_for) -> None:
    response = client.post("/api/v1/orders", json=body(world), headers=token_for("volunteer"))
    assert response.status_code == 403


def test_resident_orders_for_themself_but_not_staff_only_items(client, world, token_for, db) -> None:
    resident = token_for("resident")
    own = client.post("/api/v1/orders", json=body(world, resident=None), headers=resident)
    assert own.status_code == 201, own.get_json()
    assert own.get_json()["resident"] == "resident"
    staff_only = client.post(
        "/api/v1/orders", json=body(world, resident=None, menu_item_id=world.menu_item("MI-10").id), headers=resident
    )
    assert staff_only.status_code == 422
    assert "menu_item_id" in staff_only.get_json()["errors"]
    raised = client.post("/api/v1/orders", json=body(world, resident=None, priority=5), headers=resident)
    assert raised.status_code == 403


def test_staff_must_say_who_the_order_is_for(client, world, token_for) -> None:
    response = client.post("/api/v1/orders", json=body(world, resident=None), headers=token_for("staff"))
    assert response.status_code == 422
    assert "resident" in response.get_json()["errors"]


def test_failed_order_writes_nothing(client, world, token_for, db) -> None:
    before = (db.session.query(Order).count(), db.session.query(Resident).count())
    response = client.post(
        "/api/v1/orders",
        json=body(world, needs=[{"skill": "elder-care", "count": 1}, {"skill": "no-such-skill", "count": 1}]),
        headers=token_for("staff"),
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"needs.1.skill": ["unknown skill no-such-skill"]}
    db.session.expire_all()
    assert (db.session.query(Order).count(), db.session.query(Resident).count()) == before


def test_unknown_field_is_refused(client, world, token_for) -> None:
    response = client.post("/api/v1/orders", json=body(world, colour="red"), headers=token_for("staff"))
    assert response.status_code == 422
    assert "colour" in response.get_json()["errors"]


def test_orders_are_seen_only_in_scope(client, world, token_for) -> None:
    order = place(client, token_for("staff"), world)
    assert client.get(f"/api/v1/orders/{order['id']}", headers=token_for("staff_b")).status_code == 404
    assert client.get(f"/api/v1/orders/{order['id']}", headers=token_for("town")).status_code == 200
    assert client.get(f"/api/v1/orders/{order['id']}", headers=token_for("resident")).status_code == 404
    assert client.get(f"/api/v1/orders/{order['id']}", headers=token_for("lead_v")).status_code == 404
    listed = client.get("/api/v1/orders", headers=token_for("staff_b")).get_json()
    assert listed == []


def test_other_station_staff_cannot_cancel(client, world, token_for) -> None:
    order = place(client, token_for("staff"), world)
    response = client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=token_for("staff_b"))
    assert response.status_code == 404


def test_rating_tags_must_be_the_six_words(client, world, token_for) -> None:
    order = place(client, token_for("staff"), world)
    response = client.post(
        f"/api/v1/orders/{order['id']}/rating", json={"stars": 5, "tags": ["nice"]}, headers=token_for("staff")
    )
    assert response.status_code == 422
    assert "tags" in response.get_json()["errors"]


def test_windows_are_stored_in_utc_and_merged(client, world, token_for) -> None:
    day = (datetime.now(LOCAL_TZ) + timedelta(days=2)).date()
    first = datetime(day.year, day.month, day.day, 9, tzinfo=LOCAL_TZ)
    windows = [
        {"start": first.isoformat(), "end": (first + timedelta(hours=3)).isoformat()},
        {"start": (first + timedelta(hours=2)).isoformat(), "end": (first + timedelta(hours=5)).isoformat()},
    ]
    order = place(client, token_for("staff"), world, windows=windows)
    assert len(order["windows"]) == 1
    assert order["windows"][0]["start"].endswith("+00:00")
