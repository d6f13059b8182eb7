"""Teams, volunteers and availability through the API: who may see and change what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.core.timeutil import LOCAL_TZ
from app.volunteers.service import free_intervals


def test_volunteer_edits_own_availability(client, world, token_for) -> None:
    me = world.volunteers["v1"].id
    body = {
        "weekly": [
            {"weekday": 0, "start_minute": 480, "end_minute": 600},
            {"weekday": 0, "start_minute": 570, "end_minute": 720},
        ],
        "exceptions": [{"day": "2026-12-07", "available": False, "note": "探亲"}],
    }
    response = client.put(f"/api/v1/volunteers/{me}/availability", json=body, headers=token_for("volunteer"))
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["weekly"] == [{"weekday": 0, "start_minute": 480, "end_minute": 720}]
    assert result["exceptions"][0]["day"] == "2026-12-07"


def test_availability_rejects_end_before_start(client, world, token_for) -> None:
    me = world.volunteers["v1"].id
    body = {"weekly": [{"weekday": 0, "start_minute": 600, "end_minute": 480}]}
    response = client.put(f"/api/v1/volunteers/{me}/availability", json=body, headers=token_for("volunteer"))
    assert response.status_code == 422
    assert "weekly" in response.get_json()["errors"]


def test_volunteer_cannot_see_another_volunteer(client, world, token_for) -> None:
    other = world.volunteers["v3"].id
    assert client.get(f"/api/v1/volunteers/{other}", headers=token_for("volunteer")).status_code == 404
    assert client.get(f"/api/v1/volunteers/{other}/availability", headers=token_for("lead_v")).status_code == 404
    assert client.get(f"/api/v1/volunteers/{other}", headers=token_for("lead_t")).status_code == 200


def test_lead_lists_only_own_team(client, world, token_for) -> None:
    listed = client.get("/api/v1/volunteers", headers=token_for("lead_v")).get_json()
    assert {v["code"] for v in listed} == {"V1", "V2"}


def test_volunteer_may_change_phone_but_not_skills(client, world, token_for) -> None:
    me = world.volunteers["v1"].id
    headers = token_for("volunteer")
    assert client.patch(f"/api/v1/volunteers/{me}", json={"phone": "13800000000"}, headers=headers).status_code == 200
    assert client.patch(f"/api/v1/volunteers/{me}", json={"skills": ["medical"]}, headers=headers).status_code == 403
    lead = client.patch(
        f"/api/v1/volunteers/{me}", json={"skills": ["medical", "elder-care"]}, headers=token_for("lead_v")
    )
    assert lead.status_code == 200 and lead.get_json()["skills"] == ["elder-care", "medical"]


def test_staff_registers_volunteer_and_unknown_skill_is_named(client, world, token_for) -> None:
    body = {
        "code": "V9",
        "name": "新人",
        "station_id": world.stations["PY-BY-01"].id,
        "team_id": world.teams["T-V-A1"].id,
        "skills": ["elder-care", "flying"],
    }
    bad = client.post("/api/v1/volunteers", json=body, headers=token_for("staff"))
    assert bad.status_code == 422 and "skills.1" in bad.get_json()["errors"]
    body["skills"] = ["elder-care"]
    assert client.post("/api/v1/volunteers", json=body, headers=token_for("staff")).status_code == 201
    outside = {**body, "code": "V10", "station_id": world.stations["PY-CM-01"].id}
    assert client.post("/api/v1/volunteers", json=outside, headers=token_for("staff")).status_code == 404


def test_team_scope(client, world, token_for) -> None:
    teams = client.get("/api/v1/teams", headers=token_for("staff_b")).get_json()
    assert teams == []
    assert {t["code"] for t in client.get("/api/v1/teams", headers=token_for("county")).get_json()} == {
        "T-V-A1",
        "T-T-A",
        "T-C",
    }


def test_free_intervals_apply_exceptions_in_local_time(world, db) -> None:
    volunteer = world.volunteers["v1"]  # free 08:00-20:00 local every day
    day = date(2026, 12, 7)
    from app.volunteers.models import AvailabilityException

    volunteer.exceptions.append(AvailabilityException(day=day, start_minute=600, end_minute=720, available=False))
    volunteer.exceptions.append(AvailabilityException(day=day, start_minute=1260, end_minute=1380, available=True))
    start = datetime(2026, 12, 7, tzinfo=LOCAL_TZ)
    spans = free_intervals(volunteer, start, start + timedelta(days=1))
    local = [(s.astimezone(LOCAL_TZ).strftime("%H:%M"), e.astimezone(LOCAL_TZ).strftime("%H:%M")) for s, e in spans]
    assert local == [("08:00", "10:00"), ("12:00", "20:00"), ("21:00", "23:00")]
    assert all(s.tzinfo == UTC for s, _ in spans)


def test_residents_and_volunteers_see_only_their_own_team(client, world, token_for) -> None:
    assert client.get("/api/v1/teams", headers=token_for("resident")).get_json() == []
    own = client.get("/api/v1/teams", headers=token_for("volunteer")).get_json()
    assert [t["code"] for t in own] == ["T-V-A1"]
    town_team = world.teams["T-T-A"].id
    assert client.get(f"/api/v1/teams/{town_team}", headers=token_for("volunteer")).status_code == 404
