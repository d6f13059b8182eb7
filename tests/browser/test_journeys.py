"""Each role's main journey in a real browser, offline but for the app, with screenshots at phone and desktop size."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE, rate_on_page, shoot


def _no_external(page) -> None:  # noqa: ANN001
    assert page.offline_guard.external == [], page.offline_guard.external


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_login_page(open_page, size: str, viewport: dict) -> None:
    page = open_page(viewport=viewport)
    page.goto(page.offline_guard.base + "/login")
    assert page.locator("h1").inner_text() == "登录"
    check = "document.fonts.ready.then(() => document.fonts.check('700 24px \"Noto Sans SC\"', '登录'))"
    assert page.evaluate(check), "the bundled Noto Sans SC did not load"
    shoot(page, f"login-{size}")
    _no_external(page)


def test_station_staff_orders_for_a_walk_in_resident(open_page, live) -> None:
    page = open_page("staff", PHONE)
    assert page.url.endswith("/menu")
    assert page.locator(".priority-section").count() == 5
    shoot(page, "kiosk-phone")
    page.click('a.tile[data-item="MI-15"]')
    shoot(page, "order-times-phone")
    page.locator(".chip:has(input:not([disabled]))").first.click()
    page.fill("#resident_name", "马大爷")
    page.fill("#resident_phone", "13900000000")
    page.click("main button[type=submit]")
    assert page.locator("h1").inner_text() == "请核对您的订单"
    assert "马大爷" in page.locator(".facts").inner_text()
    shoot(page, "order-confirm-phone")
    page.click('button[value="yes"]')
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    assert "点单成功" in page.locator(".flash").inner_text()
    assert page.locator('[data-testid="order-status"]').inner_text() == "已提交"
    assert "已下单" in page.locator('[data-testid="timeline"]').inner_text()
    shoot(page, "order-placed-phone")
    _no_external(page)


def test_kiosk_at_desktop_size(open_page) -> None:
    page = open_page("staff", DESKTOP)
    shoot(page, "kiosk-desktop")
    _no_external(page)


def test_team_lead_accepts_a_proposal(open_page, live) -> None:
    page = open_page("lead_v", PHONE)
    assert page.url.endswith("/inbox")
    card = page.locator("article[data-proposal]")
    assert card.count() == 1
    card.locator("summary", has_text="为什么").click()
    assert "路程（公里，往返）" in card.inner_text()
    shoot(page, "inbox-phone")
    card.locator("button", has_text="接单").click()
    page.wait_for_load_state()
    assert "已接单" in page.locator(".flash").inner_text()
    assert page.locator("article[data-proposal]").count() == 0
    page.goto(f"{live.url}/team")
    assert "阳洼村文明践行队" in page.locator("h1").inner_text()
    shoot(page, "team-phone")
    _no_external(page)


def test_volunteer_checks_in_by_the_station_code_inside_the_window(open_page, live) -> None:
    page = open_page("volunteer", PHONE)
    assert page.url.endswith("/me")
    order_id = live.orders["to_serve"]
    card = page.locator(f'article[data-order-id="{order_id}"]')
    # Station staff show the station's rotating code on a screen.
    staff = open_page("staff", PHONE)
    staff.goto(f"{live.url}/station/code")
    code = staff.locator('[data-testid="station-code"]').inner_text().replace(" ", "")
    assert len(code) == 6 and staff.locator(".qr svg").count() == 1
    shoot(staff, "station-code-phone")
    # With the production window (30 minutes before the start) tomorrow's service is not open yet.
    testing_window = live.app.config["CHECK_IN_OPENS_MINUTES"]
    live.app.config["CHECK_IN_OPENS_MINUTES"] = 30
    try:
        page.reload()
        assert "签到于" in card.locator('[data-testid="check-in-opens"]').inner_text()
        assert card.locator("button", has_text="签到").count() == 0
        refused = page.request.post(
            f"{live.url}/orders/{order_id}/check-in", form={"station_code": code, "next": "/me"}, max_redirects=0
        )
        assert refused.status == 302
        page.reload()
        assert "签到尚未开放" in page.locator(".flash").inner_text()
    finally:
        live.app.config["CHECK_IN_OPENS_MINUTES"] = testing_window
    page.reload()
    card.locator('input[name="station_code"]').fill("000000")
    card.locator("button", has_text="签到").click()
    page.wait_for_load_state()
    assert "签到码不正确" in page.locator(".flash").inner_text()
    card.locator('input[name="station_code"]').fill(code)
    shoot(page, "volunteer-phone")
    card.locator("button", has_text="签到").click()
    page.wait_for_load_state()
    assert "签到成功" in page.locator(".flash").inner_text()
    assert "已签到" in card.inner_text()
    card.locator("button", has_text="签退").click()
    page.wait_for_load_state()
    assert "签退成功" in page.locator(".flash").inner_text()
    page.goto(f"{live.url}/orders/{order_id}")
    assert page.locator('[data-testid="order-status"]').inner_text() == "已完成"
    assert "等待队长确认" in page.locator('[data-testid="own-hours"]').inner_text()
    assert "志愿者已签退" in page.locator('[data-testid="timeline"]').inner_text()
    shoot(page, "volunteer-hours-phone")
    page.goto(f"{live.url}/me/availability")
    shoot(page, "availability-phone")
    _no_external(page)
    staff.goto(f"{live.url}/station/code")
    staff.set_viewport_size(DESKTOP)
    shoot(staff, "station-code-desktop")
    _no_external(staff)


def test_resident_rates_a_served_order(open_page, live) -> None:
    page = open_page("resident", PHONE)
    page.goto(f"{live.url}/orders/{live.orders['to_rate']}")
    rate_on_page(page, stars=4, words=["听得懂", "真点赞"], comment="讲得清楚，很实用", shot="rate-phone")
    assert page.locator(".shown-stars").inner_text() == "★★★★☆"
    assert "听得懂" in page.locator(".tag").all_inner_texts()
    _no_external(page)


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_county_staff_sees_the_coverage_map_offline(open_page, live, size: str, viewport: dict) -> None:
    page = open_page("county", viewport)
    assert page.url.endswith("/dashboard")
    page.wait_for_function(f"document.querySelectorAll('path.station-marker').length === {live.stations}")
    assert page.locator(".leaflet-tile").count() == 0
    page.wait_for_function("document.querySelector('#trend') && document.querySelector('#trend').width > 0")
    page.click('label.chip:has-text("移风易俗")')
    page.wait_for_function("document.getElementById('map').getAttribute('aria-busy') === 'false'")
    # The county outline from the installed dataset and a derived area per township, labelled.
    assert page.locator("path.county-outline").count() == 1
    assert page.locator("path.township-area").count() == 2
    assert {"白阳镇", "草庙乡"} <= {t.split(" ")[0] for t in page.locator(".area-label").all_inner_texts()}
    assert "县界" in page.locator(".legend").inner_text()
    page.click('label.chip:has-text("全部重点")')
    page.wait_for_function(f"document.querySelectorAll('path.station-marker').length === {live.stations}")
    page.wait_for_function("document.getElementById('map').getAttribute('aria-busy') === 'false'")
    assert page.locator('[data-testid="gap-table"] tbody tr').count() == live.stations
    shoot(page, f"dashboard-{size}")
    _no_external(page)


def test_api_docs_offline(open_page, live) -> None:
    page = open_page(viewport=DESKTOP)
    page.goto(f"{live.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Diandan API" in page.locator(".swagger-ui .info .title").inner_text()
    _no_external(page)


@pytest.mark.parametrize(("path", "user"), [("/orders", "county"), ("/dispatch", "county"), ("/manage/menu", "county")])
def test_staff_pages_render(open_page, live, path: str, user: str) -> None:
    page = open_page(user, DESKTOP)
    response = page.goto(f"{live.url}{path}")
    assert response.status == 200
    shoot(page, "staff" + path.replace("/", "-") + "-desktop")
    _no_external(page)
