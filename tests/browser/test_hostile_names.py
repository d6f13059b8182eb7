"""A station name holding HTML shows as text on the dashboard map and runs nothing (issue 13 row 3)."""

from __future__ import annotations

from tests.browser.conftest import DESKTOP

HOSTILE = '<img src=x onerror="window.__xss=1">阳洼村'


def test_station_name_with_html_stays_text_in_map_tooltips(open_page, live) -> None:
    from app.extensions import db
    from app.stations.models import Station

    with live.app.app_context():
        station = db.session.scalar(db.select(Station).where(Station.code == "PY-BY-01"))
        original = station.name
        station.name = HOSTILE
        db.session.commit()
    try:
        page = open_page("county", DESKTOP)
        page.goto(f"{live.url}/dashboard")
        page.wait_for_function(f"document.querySelectorAll('path.station-marker').length === {live.stations}")
        markers = page.locator("path.station-marker")
        shown = []
        for index in range(markers.count()):
            markers.nth(index).dispatch_event("mouseover")
            shown.extend(page.locator(".leaflet-tooltip").all_inner_texts())
        assert any(HOSTILE in text for text in shown), shown
        assert page.locator(".leaflet-tooltip img").count() == 0
        assert page.evaluate("window.__xss") is None
    finally:
        with live.app.app_context():
            station = db.session.scalar(db.select(Station).where(Station.code == "PY-BY-01"))
            station.name = original
            db.session.commit()
            db.session.remove()
