"""Who may change a volunteer and who may lead a team (issue 13 rows 10 and 20)."""

from __future__ import annotations

from app.extensions import db
from tests.factories import build_second_county, make_volunteer


def test_village_staff_cannot_strip_a_county_team_volunteer_living_in_their_village(client, world, token_for) -> None:
    """Row 10: seeing a volunteer (they live in your village) is not managing them (their team is the county's)."""
    volunteer = make_volunteer("V9", world.teams["T-C"], world.stations["PY-BY-01"], ["medical"])
    db.session.commit()
    staff = token_for("staff")
    assert client.get(f"/api/v1/volunteers/{volunteer.id}", headers=staff).status_code == 200
    refused = client.patch(f"/api/v1/volunteers/{volunteer.id}", json={"active": False}, headers=staff)
    assert refused.status_code == 403
    availability = {"weekly": [], "exceptions": []}
    put = client.put(f"/api/v1/volunteers/{volunteer.id}/availability", json=availability, headers=staff)
    assert put.status_code == 403
    db.session.expire_all()
    assert volunteer.active is True and volunteer.availability
    county = token_for("county")
    assert client.patch(f"/api/v1/volunteers/{volunteer.id}", json={"active": False}, headers=county).status_code == 200


def test_a_team_lead_must_be_a_user_of_the_teams_county(client, world, token_for) -> None:
    """Row 20: lead_user_id naming a user of another county is refused, naming the field."""
    build_second_county(world)
    db.session.commit()
    body = {"code": "T-NEW", "name": "新队", "station_id": world.stations["PY-BY-01"].id}
    foreign = client.post(
        "/api/v1/teams", json={**body, "lead_user_id": world.users["lead2"].id}, headers=token_for("county")
    )
    assert foreign.status_code == 422
    assert "lead_user_id" in foreign.get_json()["errors"]
    own = client.post(
        "/api/v1/teams", json={**body, "lead_user_id": world.users["lead_v"].id}, headers=token_for("county")
    )
    assert own.status_code == 201, own.get_json()
