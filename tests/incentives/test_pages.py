"""Incentive pages, Chinese first: my points and the shop, the staff shop desk, rankings, rules, downloads."""

from __future__ import annotations

from app.extensions import db
from app.incentives import service
from app.incentives.models import Redemption, ShopItem


def _item(world, **values) -> ShopItem:  # noqa: ANN001
    item = service.create_item(user=world.users["staff"], station_id=world.stations["PY-BY-01"].id, **values)
    db.session.commit()
    return item


def test_volunteer_sees_points_and_redeems_in_chinese(pages, world, serve) -> None:
    serve({"v1": 120})  # 20 points
    item = _item(world, name="洗衣液", points_cost=15, stock=2)
    pages.login("volunteer")
    page = pages.get("/incentives/me").get_data(as_text=True)
    assert "我的积分" in page and "可用积分" in page and "洗衣液" in page and "志愿服务证明" in page
    done = pages.post(f"/incentives/redeem/{item.id}", follow_redirects=True).get_data(as_text=True)
    assert "兑换成功" in done and "待领取" in done
    refused = pages.post(f"/incentives/redeem/{item.id}", follow_redirects=True).get_data(as_text=True)
    assert "积分不足" in refused
    assert db.session.scalar(db.select(db.func.count(Redemption.id))) == 1
    english = pages.get("/incentives/me?lang=en").get_data(as_text=True)
    assert "Points to spend" in english and "Points shop" in english
    pdf = pages.get("/incentives/me/certificate.pdf?start=2026-11-01&end=2026-11-30")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    # The navigation leads there, and My service shows the same balance.
    me = pages.get("/me").get_data(as_text=True)
    assert "/incentives/me" in me


def test_staff_run_the_shop_desk(pages, world, serve) -> None:
    serve({"v1": 120})
    item = _item(world, name="毛巾", points_cost=5, stock=1)
    redemption = service.redeem(user=world.users["volunteer"], item_id=item.id)
    db.session.commit()
    pages.login("staff")
    page = pages.get("/incentives/shop").get_data(as_text=True)
    assert "爱心超市" in page and "待领取" in page and "毛巾" in page
    pages.post(f"/incentives/shop/items/{item.id}", data={"add_stock": "4"})
    db.session.expire_all()
    assert db.session.get(ShopItem, item.id).stock == 4
    pages.post(f"/incentives/shop/redemptions/{redemption.id}/hand-over")
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == "handed_over"
    again = pages.post(f"/incentives/shop/redemptions/{redemption.id}/hand-over", follow_redirects=True)
    assert "该兑换处于“已领取”状态" in again.get_data(as_text=True)  # the state in Chinese, not its code
    added = pages.post(
        "/incentives/shop/items",
        data={"station_id": world.stations["PY-BY-01"].id, "name": "米", "points_cost": "0", "stock": "1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "物品至少需要1积分" in added
    pages.login("volunteer")
    assert pages.get("/incentives/shop").status_code == 403


def test_rankings_rules_and_subsidy_pages(pages, world, serve) -> None:
    serve({"v1": 60})
    pages.login("county")
    page = pages.get("/incentives/rankings?month=2026-11").get_data(as_text=True)
    assert "2026-11 排行榜" in page and "志愿者V1" in page and "补贴报表" in page
    assert pages.get("/incentives/subsidy.xlsx?start=2026-11-01&end=2026-11-30").status_code == 200
    rules = pages.get("/incentives/rules").get_data(as_text=True)
    assert "积分规则" in rules and "v1" in rules and service.INITIAL_RULE_NOTE in rules
    # The first rule's note is stored in Chinese and shown in the reader's language.
    english = pages.get("/incentives/rules?lang=en").get_data(as_text=True)
    assert "Initial rule (from the settings)" in english and service.INITIAL_RULE_NOTE not in english
    pages.post(
        "/incentives/rules",
        data={"points_per_hour": "20", "rating_bonus": "5", "rating_bonus_min_stars": "5", "priority_bonus": "0"},
    )
    assert [r.version for r in service.list_rules(user=world.users["county"])] == [2, 1]
    pages.login("volunteer")
    masked = pages.get("/incentives/rankings?month=2026-11").get_data(as_text=True)
    assert "志***" in masked and "志愿者V1" not in masked
    assert pages.get("/incentives/rules").status_code == 403


def test_staff_correct_hours_on_the_ledger_page(pages, world, serve) -> None:
    serve({"v1": 60})
    v1 = world.volunteers["v1"]
    pages.login("staff")
    assert "/incentives/volunteers/" in pages.get(f"/volunteers/{v1.id}").get_data(as_text=True)
    page = pages.get(f"/incentives/volunteers/{v1.id}").get_data(as_text=True)
    assert "的服务时长" in page and "更正" in page
    line = service.hours_entries(user=world.users["staff"], volunteer_id=v1.id)[0]
    done = pages.post(
        f"/incentives/hours/{line.id}/corrections", data={"minutes": "-15", "reason": "提前离开"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "更正已记录" in done and "提前离开" in done
    assert service.balance_of(v1.id) == 10 - 2  # 15 minutes at 10 an hour, rounded
    too_much = pages.post(
        f"/incentives/hours/{line.id}/corrections", data={"minutes": "-100", "reason": "x"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "更正已记录" not in too_much
    assert len(service.hours_entries(user=world.users["staff"], volunteer_id=v1.id)) == 2
    pages.login("staff_b")
    assert pages.get(f"/incentives/volunteers/{v1.id}").status_code == 404
