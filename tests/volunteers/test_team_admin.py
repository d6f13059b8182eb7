"""Staff create and edit teams in their area, give them a lead and members, deactivate them; the register pages."""

from __future__ import annotations

from app.accounts.models import User
from app.extensions import db
from app.volunteers.models import Team, Volunteer


def test_staff_create_a_team_with_a_volunteer_as_lead(client, world, token_for) -> None:
    lead = world.users["volunteer"]
    body = {
        "code": "T-NEW",
        "name": "阳洼村理论宣讲队",
        "station_id": world.stations["PY-BY-01"].id,
        "specialty": None,
        "lead_user_id": lead.id,
    }
    response = client.post("/api/v1/teams", json=body, headers=token_for("town"))
    assert response.status_code == 201, response.get_json()
    team = db.session.get(Team, response.get_json()["id"])
    assert (team.level, team.lead_user_id) == ("village", lead.id)
    assert db.session.get(User, lead.id).role == "team_lead"


def test_lead_must_be_a_volunteer_or_lead_inside_the_area(client, world, token_for) -> None:
    body = {
        "code": "T-NEW",
        "name": "x",
        "station_id": world.stations["PY-BY-01"].id,
        "lead_user_id": world.users["lead_c"].id,
    }
    response = client.post("/api/v1/teams", json=body, headers=token_for("town"))
    assert response.status_code == 422
    assert "lead_user_id" in response.get_json()["errors"]
    assert db.session.scalar(db.select(Team).where(Team.code == "T-NEW")) is None


def test_team_outside_the_subtree_cannot_be_edited(client, world, token_for) -> None:
    county_team = world.teams["T-C"].id
    response = client.patch(f"/api/v1/teams/{county_team}", json={"name": "x"}, headers=token_for("town"))
    assert response.status_code == 404


def test_members_are_added_by_code_and_removed(client, world, token_for) -> None:
    team = world.teams["T-V-A1"].id
    headers = token_for("town")
    response = client.post(
        f"/api/v1/teams/{team}/members", json={"add": ["V3"], "remove": [world.volunteers["v2"].id]}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    db.session.expire_all()
    assert db.session.get(Volunteer, world.volunteers["v3"].id).team_id == team
    assert db.session.get(Volunteer, world.volunteers["v2"].id).team_id is None
    outside = client.post(f"/api/v1/teams/{team}/members", json={"add": ["V5"]}, headers=headers)
    assert outside.status_code == 422 and "add.0" in outside.get_json()["errors"]


def test_volunteer_search_pages_with_totals(client, world, token_for) -> None:
    headers = token_for("admin")
    page = client.get("/api/v1/volunteers/search?per_page=4", headers=headers).get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (6, 2, 4)
    second = client.get("/api/v1/volunteers/search?per_page=4&page=2", headers=headers).get_json()
    assert [v["code"] for v in second["items"]] == ["V5", "V6"]
    found = client.get("/api/v1/volunteers/search?q=v3", headers=headers).get_json()
    assert [v["code"] for v in found["items"]] == ["V3"]
    medical = client.get("/api/v1/volunteers/search?skill=medical", headers=headers).get_json()
    assert {v["code"] for v in medical["items"]} == {"V5", "V6"}
    town = client.get("/api/v1/volunteers/search", headers=token_for("town")).get_json()
    assert {v["code"] for v in town["items"]} == {"V1", "V2", "V3", "V4"}
