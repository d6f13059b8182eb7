"""County staff publish their own county's rosters only (issue 13 row 20)."""

from __future__ import annotations

from app.extensions import db
from app.rosters.models import RosterVersion
from tests.factories import jobs_in_two_counties


def test_county_staff_publish_only_their_countys_rosters(client, world, token_for) -> None:
    label = jobs_in_two_counties(world)
    response = client.post("/api/v1/rosters/publish", json={"week": label}, headers=token_for("county2"))
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["teams"], response.get_json()["volunteers"]) == (1, 1)
    published = db.session.execute(db.select(RosterVersion.team_id, RosterVersion.volunteer_id)).all()
    assert set(published) == {(world.teams["T-XJ"].id, None), (None, world.volunteers["x1"].id)}
    # The first county's staff then publish theirs.
    again = client.post("/api/v1/rosters/publish", json={"week": label}, headers=token_for("county"))
    assert (again.get_json()["teams"], again.get_json()["volunteers"]) == (1, 1)
