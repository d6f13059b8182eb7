"""An administrator's journey: a new account, a team with it as lead, 1,000 volunteers imported from XLSX."""

from __future__ import annotations

import re

from openpyxl import Workbook

from tests.browser.conftest import PHONE, shoot

DESKTOP = {"width": 1440, "height": 900}


def _register(path, count: int, team: str) -> None:  # noqa: ANN001
    """An XLSX register with Chinese headings, as a county keeps it."""
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "姓名", "电话", "站点", "队伍", "技能", "每周最多"])
    for i in range(count):
        sheet.append([f"IMP{i:04d}", f"志愿者{i}", f"139{i:08d}", "PY-BY-01", team, "elder-care、household-visit", 2])
    book.save(path)


def test_admin_creates_a_team_with_a_lead_and_imports_1000_volunteers(open_page, live, tmp_path) -> None:
    page = open_page("admin", DESKTOP)
    page.goto(f"{live.url}/admin/users/new")
    page.fill("#username", "ma.lan")
    page.fill("#display_name", "马兰")
    page.select_option("#role", "volunteer")
    page.select_option("#scope_station_id", label="白阳镇阳洼村新时代文明实践站")
    page.fill("#password", "first-pass-1")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/users/\d+$"))
    assert "账号 ma.lan 已创建" in page.locator(".flash").inner_text()

    page.goto(f"{live.url}/teams/new")
    page.fill("#code", "T-IMPORT")
    page.fill("#name", "阳洼村敬老志愿服务队")
    page.select_option("#station_id", label="白阳镇阳洼村新时代文明实践站")
    page.select_option("#lead_user_id", label="马兰 (ma.lan)")
    shoot(page, "team-new-desktop")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/teams/\d+/edit$"))
    assert "马兰" in page.locator('[data-testid="lead"]').inner_text()
    assert "队伍已创建" in page.locator('[data-testid="history"]').inner_text()
    team_url = page.url

    register = tmp_path / "花名册.xlsx"
    _register(register, 1000, "T-IMPORT")
    page.goto(f"{live.url}/volunteers/import")
    page.set_input_files("#file", str(register))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/volunteers/import/\d+$"))
    assert page.locator('[data-testid="valid"]').inner_text() == "1000"
    assert page.locator('[data-testid="invalid"]').inner_text() == "0"
    assert "139****0000" in page.locator('[data-testid="rows"]').inner_text()  # phones masked in the preview
    shoot(page, "import-preview-desktop")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "已导入 1000 名志愿者" in page.locator(".flash").first.inner_text()
    assert page.locator('[data-testid="created"]').inner_text() == "1000"

    page.goto(team_url)
    assert "(1000)" in page.locator("h2", has_text="队员").inner_text()
    page.goto(f"{live.url}/volunteers?q=IMP09")
    assert page.locator('[data-testid="total"]').inner_text().startswith("共 100 名志愿者")
    assert "第 1 页，共 2 页" in page.locator('[data-testid="total"]').inner_text()
    page.click("a[rel=next]")
    assert page.locator("table.rtable tbody tr").count() == 50
    shoot(page, "volunteers-desktop")
    page.goto(f"{live.url}/volunteers?q=IMP09&lang=en")
    assert "100 volunteers" in page.locator('[data-testid="total"]').inner_text()
    shoot(page, "volunteers-desktop-en")

    phone = open_page("admin", PHONE)
    for path, name in (
        ("/teams/new", "team-new"),
        ("/volunteers?q=IMP00", "volunteers"),
        ("/admin/users?q=ma", "users"),
        ("/volunteers/import", "import"),
    ):
        phone.goto(live.url + path)
        shoot(phone, f"{name}-phone")
    phone.goto(f"{live.url}/admin/users?q=ma&lang=en")
    assert "ma.lan" in phone.locator("table").inner_text()
    shoot(phone, "users-phone-en")
    assert page.offline_guard.external == [] and phone.offline_guard.external == []
