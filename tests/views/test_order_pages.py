"""The kiosk menu, the three-step order, the order page, cancel, rate, check in and out."""

from __future__ import annotations

import re

from app.extensions import db as _db
from app.menu.models import MenuItem
from app.orders.models import Order
from app.stations.service import station_code


def _first_usable(body: str) -> str:
    """The last time chip on the page that is not disabled."""
    chips = re.findall(r'<input type="checkbox" name="windows" value="([^"]+)"([^>]*)>', body)
    return [value for value, rest in chips if "disabled" not in rest][-1]


def test_kiosk_groups_the_menu_by_the_five_priorities(pages, world) -> None:
    pages.login("resident")
    body = pages.get("/menu").get_data(as_text=True)
    for name in ("学习实践科学理论", "宣传宣讲党的政策", "培育践行主流价值", "丰富活跃文化生活", "持续推动移风易俗"):
        assert name in body
    assert body.count('class="picon') >= 5


def test_resident_sees_only_items_they_may_order(pages, world) -> None:
    item = _db.session.scalar(_db.select(MenuItem).where(MenuItem.orderable_by == "staff"))
    pages.login("resident")
    assert f'data-item="{item.code}"' not in pages.get("/menu").get_data(as_text=True)
    pages.login("staff")
    assert f'data-item="{item.code}"' in pages.get("/menu").get_data(as_text=True)


def test_volunteer_may_not_order(pages, world) -> None:
    pages.login("volunteer")
    assert pages.get("/menu").status_code == 403


def test_staff_orders_for_a_walk_in_in_three_steps(pages, world) -> None:
    pages.login("staff")
    item = world.menu_item("MI-15")
    step2 = pages.get(f"/menu/{item.id}/order").get_data(as_text=True)
    assert "群众姓名" in step2
    picked = _first_usable(step2)
    form = {"windows": [picked], "resident_name": "马大爷", "resident_phone": "13900000000", "notes": "腿脚不便"}
    step3 = pages.post(f"/menu/{item.id}/order", data=form)
    # Post/redirect/get: the checked form goes to the confirmation page by a redirect.
    assert step3.status_code == 302 and step3.headers["Location"] == f"/menu/{item.id}/confirm"
    confirm = pages.get(step3.headers["Location"]).get_data(as_text=True)
    assert "请核对您的订单" in confirm and "139****0000" in confirm
    assert _db.session.scalar(_db.select(_db.func.count(Order.id))) == 0
    placed = pages.post(f"/menu/{item.id}/confirm", data={"confirm": "yes"})
    assert placed.status_code == 302
    order = _db.session.scalar(_db.select(Order))
    assert placed.headers["Location"] == f"/orders/{order.id}"
    assert order.resident.name == "马大爷" and order.notes == "腿脚不便"
    page = pages.get(placed.headers["Location"]).get_data(as_text=True)
    assert order.code in page and "已提交" in page and "已下单" in page
    assert "接下来会怎样" in page and "139****0000" in page


def test_back_after_ordering_places_nothing_twice(pages, world) -> None:
    pages.login("staff")
    item = world.menu_item("MI-15")
    picked = _first_usable(pages.get(f"/menu/{item.id}/order").get_data(as_text=True))
    pages.post(f"/menu/{item.id}/order", data={"windows": [picked], "resident_name": "马大爷"})
    assert pages.post(f"/menu/{item.id}/confirm", data={"confirm": "yes"}).status_code == 302
    # Back lands on the confirmation page (a GET); with the draft spent it starts the service again.
    back = pages.get(f"/menu/{item.id}/confirm")
    assert back.status_code == 302 and back.headers["Location"] == f"/menu/{item.id}/order"
    assert pages.post(f"/menu/{item.id}/confirm", data={"confirm": "yes"}).status_code == 302
    assert _db.session.scalar(_db.select(_db.func.count(Order.id))) == 1


def test_a_second_open_order_for_the_same_service_is_warned_of(pages, world) -> None:
    pages.login("resident")
    item = world.menu_item("MI-01")

    def count() -> int:
        return _db.session.scalar(_db.select(_db.func.count(Order.id)))

    def fill_in() -> str:
        picked = _first_usable(pages.get(f"/menu/{item.id}/order").get_data(as_text=True))
        pages.post(f"/menu/{item.id}/order", data={"windows": [picked]})
        return pages.get(f"/menu/{item.id}/confirm").get_data(as_text=True)

    assert 'data-testid="duplicate-warning"' not in fill_in()
    pages.post(f"/menu/{item.id}/confirm", data={"confirm": "yes"})
    assert count() == 1
    second = fill_in()
    assert 'data-testid="duplicate-warning"' in second and "这项服务已经点过" in second
    # Without consenting to the duplicate nothing is placed; the warning is shown again.
    again = pages.post(f"/menu/{item.id}/confirm", data={"confirm": "yes"})
    assert again.status_code == 200 and count() == 1
    pages.post(f"/menu/{item.id}/confirm", data={"confirm": "yes", "duplicate_ok": "yes"})
    assert count() == 2


def test_walk_in_needs_a_name_and_a_time(pages, world) -> None:
    pages.login("staff")
    item = world.menu_item("MI-15")
    response = pages.post(f"/menu/{item.id}/order", data={"resident_name": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写群众姓名" in body and "请至少选择一个时段" in body
    assert _db.session.scalar(_db.select(_db.func.count(Order.id))) == 0


def test_resident_orders_without_walk_in_fields(pages, world) -> None:
    pages.login("resident")
    item = world.menu_item("MI-01")
    step2 = pages.get(f"/menu/{item.id}/order").get_data(as_text=True)
    assert "群众姓名" not in step2
    assert pages.post(f"/menu/{item.id}/order", data={"windows": [_first_usable(step2)]}).status_code == 302
    placed = pages.post(f"/menu/{item.id}/confirm", data={"confirm": "yes"})
    assert placed.status_code == 302 and placed.headers["Location"].startswith("/orders/")


def test_order_page_shows_timeline_and_the_engines_reason(pages, world, make_order) -> None:
    order_id = make_order()
    order = _db.session.get(Order, order_id)
    order.unassigned_code = "not_available"
    order.unassigned_reason = "no volunteer with skill elder-care in reach is free"
    _db.session.commit()
    pages.login("staff")
    body = pages.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'data-testid="timeline"' in body and "已下单" in body
    assert "所选时段没有合适的志愿者有空" in body and "no volunteer with skill elder-care" in body


def test_orders_are_seen_only_in_scope(pages, world, make_order) -> None:
    order_id = make_order()
    pages.login("staff_b")
    assert pages.get(f"/orders/{order_id}").status_code == 404
    assert f"/orders/{order_id}" not in pages.get("/orders").get_data(as_text=True)
    pages.login("town")
    assert pages.get(f"/orders/{order_id}").status_code == 200


def test_order_list_filters_by_status(pages, world, make_order) -> None:
    order_id = make_order()
    pages.login("county")
    assert f"/orders/{order_id}" in pages.get("/orders?status=submitted").get_data(as_text=True)
    assert f"/orders/{order_id}" not in pages.get("/orders?status=completed").get_data(as_text=True)


def test_cancel_is_asked_before_it_is_done(pages, world, make_order) -> None:
    order_id = make_order()
    pages.login("staff")
    detail = pages.get(f"/orders/{order_id}").get_data(as_text=True)
    assert f'action="/orders/{order_id}/cancel"' not in detail
    assert f'href="/orders/{order_id}/cancel"' in detail
    ask = pages.get(f"/orders/{order_id}/cancel").get_data(as_text=True)
    assert "要取消这张订单吗？" in ask and f'action="/orders/{order_id}/cancel"' in ask
    assert _db.session.get(Order, order_id).status == "submitted"
    response = pages.post(f"/orders/{order_id}/cancel", data={"reason": "老人住院"})
    assert response.status_code == 302
    assert _db.session.get(Order, order_id).status == "cancelled"
    again = pages.post(f"/orders/{order_id}/cancel", data={}, follow_redirects=True).get_data(as_text=True)
    assert "不能这样操作" in again


def test_rate_with_stars_tags_and_comment(pages, world, make_order) -> None:
    order_id = make_order("completed")
    pages.login("staff")
    body = pages.get(f"/orders/{order_id}").get_data(as_text=True)
    for tag in ("看得见", "听得懂", "信得过", "愿参与", "用得上", "真点赞"):
        assert tag in body
    form = {"stars": "5", "tags": ["看得见", "真点赞"], "comment": "好"}
    response = pages.post(f"/orders/{order_id}/rate", data=form)
    assert response.status_code == 302
    order = _db.session.get(Order, order_id)
    assert order.status == "rated" and order.rating.tags == ["看得见", "真点赞"]


def test_rating_refuses_unknown_tags(pages, world, make_order) -> None:
    order_id = make_order("completed")
    pages.login("staff")
    pages.post(f"/orders/{order_id}/rate", data={"stars": "5", "tags": ["不存在"]})
    assert _db.session.get(Order, order_id).status == "completed"


def test_volunteer_checks_in_and_out_from_my_service(pages, world, make_order) -> None:
    order_id = make_order("accepted")
    pages.login("volunteer")
    body = pages.get("/me").get_data(as_text=True)
    assert "我已到达，签到" in body
    order = _db.session.get(Order, order_id)
    code = station_code(station_id=order.station_id).code
    response = pages.post(f"/orders/{order_id}/check-in", data={"next": "/me", "station_code": code})
    assert response.headers["Location"] == "/me"
    assert _db.session.get(Order, order_id).status == "in_service"
    assert "服务结束，签退" in pages.get("/me").get_data(as_text=True)
    pages.post(f"/orders/{order_id}/check-out", data={"next": "https://evil.example/"})
    record = next(r for r in _db.session.get(Order, order_id).service_records if r.volunteer.user_id)
    assert record.check_out_at is not None
