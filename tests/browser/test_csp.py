"""Pages work with the Content-Security-Policy enforced: no violation reported (issue 13 row 17)."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import DESKTOP


@pytest.mark.parametrize(
    ("username", "path"),
    [(None, "/login"), ("staff", "/menu"), ("county", "/dashboard"), ("county", "/api/v1/docs")],
)
def test_pages_work_under_the_policy(open_page, live, username, path) -> None:
    page = open_page(username, DESKTOP, enforce_csp=True)
    violations: list[str] = []

    def on_console(message) -> None:  # noqa: ANN001
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    page.goto(f"{live.url}{path}")
    page.wait_for_load_state("networkidle")
    if path == "/dashboard":
        deadline = time.monotonic() + 15
        while page.evaluate("document.querySelectorAll('path.station-marker').length") != live.stations:
            assert time.monotonic() < deadline, "the map did not draw its stations under the CSP"
            page.wait_for_timeout(100)
    if path == "/api/v1/docs":
        page.locator(".swagger-ui .opblock").first.wait_for()
    assert violations == []
