"""Bad input answered with 4xx naming the field, never 500, nothing stored (issue 13 rows 13, 16, 17)."""

from __future__ import annotations

import pytest

from app.menu.models import MenuItem
from tests.orders.test_lifecycle_api import place


def _menu_body(world, **extra) -> dict:
    body = {
        "code": "MI-NEW",
        "title": "新项目",
        "priority": "theory",
        "mode": "lecture",
        "duration_minutes": 60,
        "needs": [{"skill": "lecture", "count": 1}],
        "station_id": world.stations["PY"].id,
    }
    body.update(extra)
    return body


def test_a_body_over_the_size_limit_is_refused_unread(client, world, token_for, db) -> None:
    county = token_for("county")
    huge = "x" * (2 * 1024 * 1024)
    response = client.post("/api/v1/menu-items", json=_menu_body(world, description=huge), headers=county)
    assert response.status_code == 413
    assert response.get_json()["code"] == "request_entity_too_large"
    assert db.session.scalar(db.select(MenuItem).where(MenuItem.code == "MI-NEW")) is None


def test_a_long_description_is_refused_naming_the_field(client, world, token_for, db) -> None:
    county = token_for("county")
    response = client.post("/api/v1/menu-items", json=_menu_body(world, description="长" * 2001), headers=county)
    assert response.status_code == 422
    assert "description" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("raw", "status", "field"),
    [
        ('{"reason": ' + "[" * 1000 + "]" * 1000 + "}", 400, "body"),
        ('{"reason": ' + "[" * 40 + "]" * 40 + "}", 422, "reason"),
        ('{"reason": "\\ud800"}', 422, "reason"),
        ('{"reason": "bad\\u0007bell"}', 422, "reason"),
        ('{"reason": ["ok", {"deep": "nul\\u0000"}]}', 422, "reason.1.deep"),
    ],
)
def test_hostile_json_is_refused_naming_the_field(client, world, token_for, raw, status, field) -> None:
    staff = token_for("staff")
    order = place(client, staff, world)
    response = client.post(
        f"/api/v1/orders/{order['id']}/cancel", data=raw, content_type="application/json", headers=staff
    )
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["errors"]
    assert client.get(f"/api/v1/orders/{order['id']}", headers=staff).get_json()["status"] != "cancelled"


def test_a_control_character_in_a_form_is_refused_with_a_readable_page(app, world) -> None:
    client = app.test_client()
    response = client.post("/login", data={"username": "county\x1b[2J", "password": "x"})
    assert response.status_code == 422
    assert "控制字符" in response.get_data(as_text=True)


def test_security_headers_on_pages_api_and_static(client, world, token_for) -> None:
    responses = {
        "page": client.get("/login"),
        "api": client.get("/api/v1/auth/me", headers=token_for("county")),
        "error": client.get("/api/v1/no-such-thing"),
        "static": client.get("/static/css/app.css"),
    }
    responses["static"].close()  # a static file response holds its file open until closed
    for name, response in responses.items():
        csp = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, name
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0], name
        assert response.headers["X-Frame-Options"] == "DENY", name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Referrer-Policy"] == "no-referrer", name
    for name in ("page", "api", "error"):
        assert responses[name].headers["Cache-Control"] == "no-store", name
    assert "no-store" not in responses["static"].headers.get("Cache-Control", "")


def test_pages_with_phones_are_not_cached(app, world, token_for, client) -> None:
    staff = token_for("staff")
    order = place(client, staff, world)
    page = app.test_client()
    page.post("/login", data={"username": "staff", "password": "pass-1234"})
    response = page.get(f"/orders/{order['id']}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_only_behind_https(app, client, world, monkeypatch) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers
    monkeypatch.setitem(app.config, "HTTPS", True)
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")
