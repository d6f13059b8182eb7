"""The public showcase of a station (no personal data) and the county display's figures, page and refresh."""

from __future__ import annotations

from datetime import timedelta

from app.activities.models import Activity, ActivitySignup, ActivitySlot
from app.core.timeutil import local_midnight, to_local, utcnow
from app.extensions import db
from app.menu.models import Skill
from app.orders.models import Resident


def _held_activity(world) -> Activity:  # noqa: ANN001
    start = utcnow() - timedelta(days=5)
    skill = db.session.scalar(db.select(Skill).where(Skill.code == "elder-care"))
    activity = Activity(
        station_id=world.stations["PY-BY-01"].id,
        title="重阳节敬老活动",
        description="联系人电话13912345678",
        location="村委会",
        start_at=start,
        end_at=start + timedelta(hours=2),
        status="published",
        slots=[ActivitySlot(skill=skill, capacity=3, filled=1)],
    )
    db.session.add(activity)
    db.session.flush()
    db.session.add(
        ActivitySignup(
            activity_id=activity.id,
            slot_id=activity.slots[0].id,
            volunteer_id=world.volunteers["v1"].id,
            status="confirmed",
        )
    )
    db.session.commit()
    return activity


def test_station_showcase_shows_activities_and_ratings_without_personal_data(client, world, serve) -> None:
    _held_activity(world)
    order = serve({"v1": 60}, stars=5)
    order.resident = Resident(name="马秀英", phone="13900001111", station_id=order.station_id)
    order.rating.comment = "服务很好，有事打我电话13900001111"
    db.session.commit()
    page = client.get("/showcase/PY-BY-01").get_data(as_text=True)  # no sign-in
    assert "活动风采" in page and "重阳节敬老活动" in page and "1名志愿者参与" in page
    assert "马**" in page and "马秀英" not in page
    assert "13900001111" not in page and "139****1111" in page
    assert "13912345678" not in page
    assert "志愿者V1" not in page  # no volunteer names either
    api = client.get("/api/v1/showcase/stations/PY-BY-01").get_json()
    assert api["ratings"][0]["resident"] == "马**" and api["activities"][0]["took_part"] == 1
    # The township's page gathers its villages'.
    assert "重阳节敬老活动" in client.get("/showcase/PY-BY").get_data(as_text=True)
    assert client.get("/showcase/NOPE").status_code == 404


def test_county_figures_count_today_and_this_month(client, world, serve) -> None:
    today = to_local(utcnow()).date()
    # Served now, but never before 03:00 local, so the stays fall inside today and this month.
    serve({"v1": 90, "v2": 30}, stars=4, at=max(utcnow(), local_midnight(today) + timedelta(hours=3)))
    figures = client.get("/api/v1/showcase/counties/PY/figures").get_json()
    # Placed yesterday, served today (its last check-out completed it).
    assert (figures["orders_today"], figures["served_today"]) == (0, 1)
    assert figures["volunteers_active"] == 2
    assert figures["hours_this_month"] == 2.0
    assert (figures["ratings_this_month"], figures["average_stars"]) == (1, 4.0)
    assert client.get("/api/v1/showcase/counties/PY-BY/figures").status_code == 404  # a township is no county


def test_the_display_refreshes_itself_from_this_site_only(client, world) -> None:
    response = client.get("/display/PY")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "彭阳县新时代文明实践中心" in page and "今日点单" in page
    assert '<script src="/static/js/display.js' in page and "<script>" not in page  # CSP: no inline script
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "http" not in page.split("<body", 1)[1].replace("http-equiv", "")  # nothing from elsewhere
    figures = client.get("/display/PY/figures.json").get_json()
    assert set(figures) >= {"orders_today", "served_today", "volunteers_active", "hours_this_month", "as_of"}
