"""The weekly availability editor on a phone: half-day toggles by tap and by keyboard, other times for a day."""

from __future__ import annotations

import re

from tests.browser.conftest import PHONE, SIZES, shoot


def test_volunteer_sets_the_week_with_half_day_toggles(open_page, live) -> None:
    page = open_page("volunteer", PHONE)
    page.goto(f"{live.url}/me/availability")
    monday = page.locator('fieldset[data-day="0"]')
    # The seeded 08:00–20:00 is no set of half-days: it shows, unchanged, under the day's other times.
    assert monday.locator("details").get_attribute("open") is not None
    assert "08:00–20:00" in monday.locator("summary").inner_text()
    morning = monday.get_by_role("checkbox", name=re.compile("上午"))
    afternoon = monday.get_by_role("checkbox", name=re.compile("下午"))
    assert not morning.is_checked()
    box = monday.locator("label.chip").first.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    monday.locator("#s-0-0").fill("")
    monday.locator("#e-0-0").fill("")
    morning.focus()
    page.keyboard.press("Space")
    monday.locator("label.chip", has_text="下午").click()
    assert morning.is_checked() and afternoon.is_checked()
    shoot(page, "availability-editing-phone")
    page.click('button:has-text("保存服务时间")')
    page.wait_for_load_state()
    assert "已保存" in page.locator(".flash").inner_text()
    monday = page.locator('fieldset[data-day="0"]')
    assert monday.get_by_role("checkbox", name=re.compile("上午")).is_checked()
    assert monday.get_by_role("checkbox", name=re.compile("下午")).is_checked()
    assert not monday.get_by_role("checkbox", name=re.compile("晚上")).is_checked()
    assert monday.locator("details").get_attribute("open") is None
    assert "08:00–20:00" in page.locator('fieldset[data-day="1"] summary').inner_text()
    for lang in ("zh", "en"):
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            page.goto(f"{live.url}/me/availability?lang={lang}")
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            shoot(page, f"availability-{size}-{lang}")
    assert "Morning" in page.locator('fieldset[data-day="0"]').inner_text()
    assert page.offline_guard.external == []
