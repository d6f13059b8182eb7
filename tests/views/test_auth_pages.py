"""Sign in and out, the home page by role, the language switch, error pages and CSRF."""

from __future__ import annotations

import re

import pytest


def test_login_page_is_chinese_by_default(pages, world) -> None:
    body = pages.get("/login").get_data(as_text=True)
    assert "登录" in body and 'lang="zh-Hans"' in body


def test_english_is_a_switch(pages, world) -> None:
    body = pages.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in body and 'lang="en"' in body


def test_wrong_password_is_shown_on_the_form(pages, world) -> None:
    response = pages.post("/login", data={"username": "staff", "password": "nope"})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)


def test_pages_need_a_session(pages, world) -> None:
    response = pages.get("/orders")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_follows_only_local_next(pages, world) -> None:
    response = pages.post("/login?next=https://evil.example/x", data={"username": "staff", "password": "pass-1234"})
    assert response.headers["Location"] == "/"
    pages.post("/logout")
    response = pages.post("/login?next=/orders", data={"username": "staff", "password": "pass-1234"})
    assert response.headers["Location"] == "/orders"


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("resident", "/menu"),
        ("staff", "/menu"),
        ("volunteer", "/me"),
        ("lead_v", "/inbox"),
        ("county", "/dashboard"),
        ("admin", "/dashboard"),
    ],
)
def test_home_routes_each_role(pages, world, username: str, home: str) -> None:
    pages.login(username)
    assert pages.get("/").headers["Location"] == home


def test_logout(pages, world) -> None:
    pages.login("staff")
    response = pages.post("/logout")
    assert response.headers["Location"] == "/login"
    assert pages.get("/orders").status_code == 302


def test_not_found_page_is_translated(pages, world) -> None:
    pages.login("staff")
    response = pages.get("/orders/999999")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "没有找到这个订单" in body
    english = pages.get("/orders/999999?lang=en").get_data(as_text=True)
    assert "order not found" in english


def test_role_refusal_is_a_readable_403(pages, world) -> None:
    pages.login("resident")
    response = pages.get("/dashboard")
    assert response.status_code == 403
    assert "您的角色不能进行这项操作" in response.get_data(as_text=True)


def test_api_docs_are_served_offline(pages, world) -> None:
    body = pages.get("/api/v1/docs").get_data(as_text=True)
    assert "/vendor/swagger-ui/swagger-ui-bundle.js" in body
    assert "//cdn" not in body and "unpkg" not in body
    asset = pages.get("/vendor/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


def test_csrf_is_enforced_when_on(app, pages, world) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = pages.post("/login", data={"username": "staff", "password": "pass-1234"})
        assert refused.status_code == 400
        assert "表单已过期" in refused.get_data(as_text=True)
        page = pages.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        signed_in = pages.post("/login", data={"username": "staff", "password": "pass-1234", "csrf_token": token})
        assert signed_in.status_code == 302
        assert pages.post("/logout").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
