"""The open front door: the public menu, phone sign-up and sign-in, the short status link, kiosk mode."""

from __future__ import annotations

import re

import pytest

from app.accounts import phone_login
from app.accounts.models import User
from app.extensions import db as _db
from app.notifications.models import OutboxMessage
from app.orders import service as order_service
from app.orders.models import Order
from tests.views.conftest import user, window


@pytest.fixture(autouse=True)
def _dev_codes(app, db, monkeypatch):
    """Codes are read from the development list: once sent, the outbox keeps no text of them."""
    monkeypatch.setitem(app.config, "DEV_PAGES", True)
    phone_login.dev_codes().clear()


def _last_code() -> str:
    return phone_login.dev_codes()[0]["code"]


def test_the_menu_is_open_without_an_account(pages, world) -> None:
    body = pages.get("/").get_data(as_text=True)
    assert "学习实践科学理论" in body and 'data-item="MI-01"' in body
    village = world.stations["PY-BY-01"]
    chosen = pages.get(f"/?station={village.code}").get_data(as_text=True)
    assert f'value="{village.code}" selected' in chosen
    # Ordering from the open menu asks for a phone sign-in that comes back to the service.
    link = re.search(r'href="([^"]+)" data-item="MI-01"', chosen).group(1)
    assert link.startswith("/login/phone?next=")


def test_a_new_resident_signs_up_with_a_phone_code_and_returns_to_the_service(pages, world) -> None:
    item = world.menu_item("MI-01")
    village = world.stations["PY-BY-01"]
    pages.get(f"/?station={village.code}")
    target = f"/menu/{item.id}/order?station_id={village.id}"
    sent = pages.post("/login/phone", data={"phone": "139 1234 5678", "next": target})
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/login/phone/code")
    code_page = pages.get(sent.headers["Location"]).get_data(as_text=True)
    assert "139****5678" in code_page and "13912345678" not in code_page
    wrong = pages.post(sent.headers["Location"], data={"code": "abcdef"})
    assert wrong.status_code == 302 and wrong.headers["Location"].startswith("/login/phone/code")
    assert "验证码不正确" in pages.get(wrong.headers["Location"]).get_data(as_text=True)
    checked = pages.post(sent.headers["Location"], data={"code": _last_code()})
    assert checked.status_code == 302 and checked.headers["Location"].startswith("/signup")
    form = pages.get(checked.headers["Location"]).get_data(as_text=True)
    assert f'<option selected value="{village.id}">' in form or f'value="{village.id}" selected' in form
    made = pages.post(checked.headers["Location"], data={"name": "王大妈", "station_id": village.id})
    assert made.status_code == 302 and made.headers["Location"] == target
    resident = _db.session.scalar(_db.select(User).where(User.phone_digest == phone_login.phone_digest("13912345678")))
    assert resident.role == "resident" and resident.scope_station_id == village.id
    assert pages.get(target).status_code == 200


def test_a_known_phone_signs_straight_in(pages, world) -> None:
    resident = user(world, "resident")
    resident.phone = "13800001111"
    _db.session.commit()
    pages.post("/login/phone", data={"phone": "13800001111"})
    signed_in = pages.post("/login/phone/code", data={"code": _last_code()})
    assert signed_in.headers["Location"] == "/"
    assert pages.get("/").headers["Location"] == "/menu"


def test_a_bad_phone_is_refused_on_the_form(pages, world) -> None:
    body = pages.post("/login/phone", data={"phone": "12345"}).get_data(as_text=True)
    assert "请输入 11 位手机号码" in body
    assert _db.session.scalar(_db.select(_db.func.count(OutboxMessage.id))) == 0


def test_the_dev_codes_page_exists_only_in_development(app, pages, world, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "DEV_PAGES", False)
    assert pages.get("/dev/codes").status_code == 404
    monkeypatch.setitem(app.config, "DEV_PAGES", True)
    pages.post("/login/phone", data={"phone": "13912345678"})
    body = pages.get("/dev/codes").get_data(as_text=True)
    assert _last_code() in body and "139****5678" in body and "13912345678" not in body


def test_the_short_link_shows_the_status_without_an_account(pages, world, make_order) -> None:
    order = _db.session.get(Order, make_order())
    key = order_service.status_key(order)
    body = pages.get(f"/s/{order.id}/{key}").get_data(as_text=True)
    assert order.code in body and "已提交" in body and "接下来会怎样" in body
    # The walk-in's name and phone are masked on an open page.
    assert "马大爷" not in body and "马**" in body and "13900000000" not in body
    assert pages.get(f"/s/{order.id}/{'x' * len(key)}").status_code == 404
    pages.login("staff")
    assert f"/s/{order.id}/{key}" in pages.get(f"/orders/{order.id}").get_data(as_text=True)


def test_a_walk_in_rates_a_served_order_once_through_the_short_link(pages, world, make_order) -> None:
    order = _db.session.get(Order, make_order("completed"))
    key = order_service.status_key(order)
    page = pages.get(f"/s/{order.id}/{key}").get_data(as_text=True)
    assert f'action="/s/{order.id}/{key}/rate"' in page and "提交评价" in page
    rating = {"stars": "4", "tags": ["听得懂", "真点赞"], "comment": "讲得清楚"}
    response = pages.post(f"/s/{order.id}/{key}/rate", data=rating, follow_redirects=True)
    assert "感谢您的评价" in response.get_data(as_text=True) and "★★★★☆" in response.get_data(as_text=True)
    _db.session.expire_all()
    stored = _db.session.get(Order, order.id)
    assert stored.status == "rated" and stored.rating.stars == 4 and stored.rating.rated_by_id is None
    assert stored.rating.tags == ["听得懂", "真点赞"] and stored.rating.comment == "讲得清楚"
    assert stored.events[-1].to_status == "rated" and stored.events[-1].actor_id is None
    # The same form sent again (a double tap, Back and resend) is the rating already kept, not a second one.
    again = pages.post(f"/s/{order.id}/{key}/rate", data=rating, follow_redirects=True).get_data(as_text=True)
    assert "感谢您的评价" in again
    other = pages.post(f"/s/{order.id}/{key}/rate", data={"stars": "1"}, follow_redirects=True)
    assert "已经评价过" in other.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Order, order.id).rating.stars == 4
    assert sum(1 for e in _db.session.get(Order, order.id).events if e.to_status == "rated") == 1


def test_a_walk_in_cannot_rate_with_a_wrong_key_or_before_the_service(pages, world, make_order) -> None:
    served = _db.session.get(Order, make_order("completed"))
    assert pages.post(f"/s/{served.id}/{'x' * 10}/rate", data={"stars": "5"}).status_code == 404
    waiting = _db.session.get(Order, make_order())
    key = order_service.status_key(waiting)
    assert "提交评价" not in pages.get(f"/s/{waiting.id}/{key}").get_data(as_text=True)
    body = pages.post(f"/s/{waiting.id}/{key}/rate", data={"stars": "5"}, follow_redirects=True).get_data(as_text=True)
    assert "服务完成后才能评价" in body
    bad = pages.post(
        f"/s/{served.id}/{order_service.status_key(served)}/rate", data={"stars": "9"}, follow_redirects=True
    )
    assert "flash-error" in bad.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Order, waiting.id).rating is None and _db.session.get(Order, served.id).rating is None


def _kiosk(pages, world) -> None:
    pages.login("staff")
    village = world.stations["PY-BY-01"]
    started = pages.post("/kiosk/start", data={"station_id": village.id})
    assert started.status_code == 302 and started.headers["Location"] == "/menu"


def test_kiosk_mode_orders_only_for_walk_ins_at_its_station(pages, world) -> None:
    _kiosk(pages, world)
    menu = pages.get("/menu").get_data(as_text=True)
    assert 'data-testid="kiosk-bar"' in menu and "退出自助模式" in menu
    # Staff pages and other stations are out of reach.
    for path in ("/orders", "/dashboard", "/inbox", "/manage/menu", "/login"):
        response = pages.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/menu", path
    item = world.menu_item("MI-15")
    other = world.stations["PY-BY"]
    step2 = pages.get(f"/menu/{item.id}/order?station_id={other.id}").get_data(as_text=True)
    picked = re.findall(r'name="windows" value="([^"]+)"(?![^>]*disabled)', step2)[-1]
    pages.post(f"/menu/{item.id}/order", data={"windows": [picked], "resident_name": "李奶奶"})
    placed = pages.post(f"/menu/{item.id}/confirm", data={"confirm": "yes"})
    assert placed.headers["Location"].startswith("/kiosk/slip/")
    order = _db.session.scalar(_db.select(Order))
    assert order.station_id == world.stations["PY-BY-01"].id and order.resident.name == "李奶奶"
    assert order.placed_by_id == world.users["staff"].id
    slip = pages.get(placed.headers["Location"]).get_data(as_text=True)
    assert order.code in slip and f"/s/{order.id}/" in slip


def test_kiosk_times_out_to_the_menu_and_drops_the_half_filled_order(app, pages, world, monkeypatch) -> None:
    _kiosk(pages, world)
    item = world.menu_item("MI-15")
    step2 = pages.get(f"/menu/{item.id}/order").get_data(as_text=True)
    picked = re.findall(r'name="windows" value="([^"]+)"(?![^>]*disabled)', step2)[-1]
    pages.post(f"/menu/{item.id}/order", data={"windows": [picked], "resident_name": "李奶奶"})
    monkeypatch.setitem(app.config, "KIOSK_IDLE_SECONDS", -1)
    assert pages.get(f"/menu/{item.id}/confirm").headers["Location"] == "/menu"
    monkeypatch.setitem(app.config, "KIOSK_IDLE_SECONDS", 120)
    # The draft is gone: confirming now starts the service again instead of placing anything.
    assert pages.get(f"/menu/{item.id}/confirm").headers["Location"] == f"/menu/{item.id}/order"
    assert _db.session.scalar(_db.select(_db.func.count(Order.id))) == 0


def test_leaving_kiosk_mode_needs_the_staff_password(pages, world) -> None:
    _kiosk(pages, world)
    assert pages.post("/kiosk/exit", data={"password": "wrong"}).status_code == 401
    assert pages.get("/orders").headers["Location"] == "/menu"
    left = pages.post("/kiosk/exit", data={"password": "pass-1234"})
    assert left.status_code == 302
    assert pages.get("/orders").status_code == 200


def test_only_station_staff_start_a_kiosk_and_only_in_scope(pages, world) -> None:
    pages.login("resident")
    assert pages.post("/kiosk/start", data={"station_id": world.stations["PY-BY-01"].id}).status_code == 403
    pages.login("staff_b")
    assert pages.post("/kiosk/start", data={"station_id": world.stations["PY-BY-01"].id}).status_code == 404


def test_order_page_says_what_happens_next(pages, world) -> None:
    resident = user(world, "resident")
    resident.phone = "13800001111"
    _db.session.commit()
    order = order_service.place_order(
        user=resident,
        menu_item_id=world.menu_item("MI-01").id,
        station_id=resident.scope_station_id,
        windows=[window()],
    )
    _db.session.commit()
    pages.login("resident")
    body = pages.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "接下来会怎样" in body and "小时内答复" in body and "138****1111" in body


def test_menu_tiles_say_what_the_service_is_in_the_readers_language(pages, world) -> None:
    tile = re.compile(r'data-item="MI-15">.*?</a>', re.S)
    chinese = tile.search(pages.get("/").get_data(as_text=True)).group(0)
    assert 'class="tile-desc"' in chinese and "上门陪伴老人" in chinese
    english = tile.search(pages.get("/?lang=en").get_data(as_text=True)).group(0)
    assert "Home visits to older people" in english and "上门" not in english


def test_the_language_switch_becomes_the_accounts_language_for_messages(pages, world) -> None:
    pages.login("lead_v")
    assert pages.get("/inbox?lang=en").status_code == 200
    assert _db.session.get(User, world.users["lead_v"].id).locale == "en"
    pages.get("/inbox?lang=zh_Hans_CN")
    _db.session.expire_all()
    assert _db.session.get(User, world.users["lead_v"].id).locale == "zh_Hans_CN"


def test_a_language_chosen_before_signing_in_is_kept_by_the_account(pages, world) -> None:
    pages.get("/login?lang=en")
    pages.login("resident")
    pages.get("/orders")
    assert _db.session.get(User, world.users["resident"].id).locale == "en"


def test_walk_ins_switching_a_kiosks_language_leave_the_operator_alone(pages, world) -> None:
    _kiosk(pages, world)
    pages.get("/menu?lang=en")
    _db.session.expire_all()
    assert _db.session.get(User, world.users["staff"].id).locale is None


def test_leaving_a_kiosk_drops_the_walk_ins_language(pages, world) -> None:
    _kiosk(pages, world)
    pages.get("/menu?lang=en")
    pages.post("/kiosk/exit", data={"password": "pass-1234"})
    pages.get("/orders")
    _db.session.expire_all()
    assert _db.session.get(User, world.users["staff"].id).locale is None
    assert "订单" in pages.get("/orders").get_data(as_text=True)
