"""iCalendar feeds: token access, stable UIDs, cancelled jobs marked with a higher SEQUENCE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from app.core.timeutil import set_clock
from app.extensions import db
from tests.rosters.builders import T0, W49, accepted_job, local


def _events(data: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(data)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture()
def feed(client, token_for, db, at_t0):
    world = at_t0
    jobs = [
        accepted_job(world, start=local(W49 + timedelta(days=3), 9)),
        accepted_job(world, start=local(W49 + timedelta(days=4), 14)),
    ]
    db.session.commit()
    body = client.get("/api/v1/rosters/feed-token", headers=token_for("volunteer")).get_json()
    return world, jobs, body


def test_feed_token_links_and_round_trip(client, feed) -> None:
    world, jobs, body = feed
    (link,) = body["feeds"]
    assert link["kind"] == "volunteer" and link["owner_id"] == world.volunteers["v1"].id
    assert link["url"].endswith(f"/api/v1/rosters/volunteer/{world.volunteers['v1'].id}.ics?token={body['token']}")

    response = client.get(link["url"])  # no bearer header: calendar apps cannot send one
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = _events(response.data)
    assert len(events) == 2
    event = events[f"diandan-order-{jobs[0].order_id}@diandan.local"]
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "助老服务" in str(event["DESCRIPTION"]) and jobs[0].order.code in str(event["DESCRIPTION"])
    assert world.stations["PY-BY-01"].name in str(event["LOCATION"])

    # Unchanged feed: same ETag, so a calendar's poll costs nothing.
    again = client.get(link["url"], headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_cancelled_job_keeps_its_uid_with_status_cancelled_and_higher_sequence(client, token_for, feed) -> None:
    world, jobs, body = feed
    url = body["feeds"][0]["url"]
    before = _events(client.get(url).data)
    uid = f"diandan-order-{jobs[1].order_id}@diandan.local"
    set_clock(T0 + timedelta(hours=2))
    cancelled = client.post(f"/api/v1/orders/{jobs[1].order_id}/cancel", json={}, headers=token_for("staff"))
    assert cancelled.status_code == 200
    after = _events(client.get(url).data)
    assert set(after) == set(before)  # the same UIDs: calendar apps update, never duplicate
    assert str(after[uid]["STATUS"]) == "CANCELLED"
    assert int(after[uid]["SEQUENCE"]) > int(before[uid]["SEQUENCE"])
    assert after[uid].decoded("DTSTAMP") == T0 + timedelta(hours=2) > before[uid].decoded("DTSTAMP")
    other = f"diandan-order-{jobs[0].order_id}@diandan.local"
    assert int(after[other]["SEQUENCE"]) == int(before[other]["SEQUENCE"])
    assert str(after[other]["STATUS"]) == "CONFIRMED"


def test_team_feed_for_the_lead(client, token_for, feed) -> None:
    world, jobs, _ = feed
    body = client.post("/api/v1/rosters/feed-token", headers=token_for("lead_v")).get_json()
    (link,) = body["feeds"]
    assert link["kind"] == "team"
    assert len(_events(client.get(link["url"]).data)) == 2


def test_bad_rotated_and_foreign_tokens_are_refused(client, token_for, feed) -> None:
    world, _, body = feed
    url = body["feeds"][0]["url"]
    assert client.get(url.replace(body["token"], body["token"][:-2] + "xx")).status_code == 401
    # Someone else's valid token does not open this volunteer's feed.
    other = client.get("/api/v1/rosters/feed-token", headers=token_for("lead_t")).get_json()["token"]
    assert client.get(url.replace(body["token"], other)).status_code == 404
    # Rotating the token kills the old link.
    rotated = client.post("/api/v1/rosters/feed-token", headers=token_for("volunteer")).get_json()
    assert rotated["token"] != body["token"]
    assert client.get(url).status_code == 401
    assert client.get(rotated["feeds"][0]["url"]).status_code == 200
    assert client.delete("/api/v1/rosters/feed-token", headers=token_for("volunteer")).status_code == 204
    assert client.get(rotated["feeds"][0]["url"]).status_code == 401
    db.session.rollback()


def test_feed_refresh_interval_is_a_valid_duration_and_jobs_carry_an_alarm(client, feed) -> None:
    world, jobs, body = feed
    (link,) = body["feeds"]
    raw = client.get(link["url"]).data.decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in raw
    for event in Calendar.from_ical(raw.encode()).walk("VEVENT"):
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY" and alarm.decoded("TRIGGER") == -timedelta(hours=1)
