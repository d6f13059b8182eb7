"""The app factory, configuration and the database schema."""

from __future__ import annotations

from app import create_app


def test_factory_uses_given_config() -> None:
    assert not create_app("config.Config").testing
    assert create_app("config.TestingConfig").testing


def test_overrides_win_over_config() -> None:
    app = create_app("config.TestingConfig", DISPATCH_TIME_LIMIT_S=1.5)
    assert app.config["DISPATCH_TIME_LIMIT_S"] == 1.5


def test_world_builds(world) -> None:
    assert len(world.stations) == 6
    assert world.stations["PY-BY-01"].county().code == "PY"
    assert world.menu_item("MI-15").needs[0].skill.code == "elder-care"


def test_token_and_me(client, world, token_for) -> None:
    headers = token_for("county")
    body = client.get("/api/v1/auth/me", headers=headers).get_json()
    assert body["role"] == "county_staff"


def test_api_needs_token(client, world) -> None:
    response = client.get("/api/v1/stations")
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"


def test_wrong_password_is_401(client, world) -> None:
    response = client.post("/api/v1/auth/token", json={"username": "county", "password": "nope"})
    assert response.status_code == 401


def test_missing_field_names_it(client, world) -> None:
    response = client.post("/api/v1/auth/token", json={"username": "county"})
    assert response.status_code == 422
    assert "password" in response.get_json()["errors"]


def test_pages_default_to_chinese_even_for_english_browsers(client, world) -> None:
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert page.status_code == 200
    assert 'lang="zh-Hans"' in page.get_data(as_text=True)
    english = client.get("/login?lang=en")
    assert 'lang="en"' in english.get_data(as_text=True)
