"""The county display refreshes its figures by itself from this site, and keeps the last ones when offline."""

from __future__ import annotations

import json

from tests.browser.conftest import DESKTOP

FIGURES = {
    "county": "彭阳县",
    "as_of": "2026-12-02T04:05:00+00:00",
    "orders_today": 4242,
    "served_today": 17,
    "volunteers_active": 99,
    "hours_this_month": 123.5,
    "ratings_this_month": 8,
    "average_stars": 4.75,
    "activities_coming": 3,
}


def test_the_display_refreshes_itself_and_says_when_it_is_offline(open_page, live) -> None:
    live.app.config["DISPLAY_REFRESH_SECONDS"] = 5
    try:
        page = open_page(None, DESKTOP)
        page.goto(f"{live.url}/display/PY")
        assert page.text_content('[data-field="orders_today"]') != "4242"
        figures_url = "**/display/PY/figures.json"
        page.route(
            figures_url,
            lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(FIGURES)),
        )
        page.wait_for_function("document.querySelector('[data-field=\"orders_today\"]').textContent === '4242'")
        assert page.text_content('[data-field="as_of_local"]') == "12:05"  # Asia/Shanghai
        assert page.text_content('[data-field="average_stars"]') == "4.75"
        assert page.locator("[data-stale]").is_hidden()
        page.unroute(figures_url)
        page.route(figures_url, lambda route: route.abort())
        page.wait_for_function("!document.querySelector('[data-stale]').hidden")
        assert page.text_content('[data-field="orders_today"]') == "4242"  # the last figures stay
        assert page.offline_guard.external == []
    finally:
        live.app.config["DISPLAY_REFRESH_SECONDS"] = 60
