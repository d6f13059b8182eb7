"""The audit log and password pages at phone and desktop size, in Chinese and English, with screenshots."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, shoot


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_audit_and_password_pages(open_page, live, size: str, viewport: dict) -> None:
    page = open_page("county", viewport)
    page.goto(f"{live.url}/audit")
    assert page.locator("h1").inner_text() == "审计日志"
    assert page.locator('[data-testid="audit-table"] tbody tr').count() > 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, f"audit-{size}")
    page.goto(f"{live.url}/audit?lang=en")
    assert page.locator("h1").inner_text() == "Audit log"
    shoot(page, f"audit-{size}-en")
    page.goto(f"{live.url}/account/password?lang=zh_Hans_CN")
    assert page.locator("h1").inner_text() == "修改密码"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, f"password-{size}")
