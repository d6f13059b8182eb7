"""Points rules per county at 60 requests at once against the served app on PostgreSQL: two counties' staff put
rules in force together (each county only its own), an admin the shared default, and another county's staff try
to write ours; every rule gets its own version number and nobody hears a 5xx."""

from __future__ import annotations

from collections import Counter

from app.extensions import db
from app.incentives.models import PointsRule
from tests.factories import build_second_county
from tests.races.conftest import Call, no_server_errors

RULE = {"points_per_hour": 12, "rating_bonus": 1}


def test_two_counties_and_the_admin_put_rules_in_force_at_once(server, world, bearer) -> None:
    build_second_county(world)
    db.session.commit()
    py, xj = world.stations["PY"].id, world.stations["XJ"].id
    county, county2, admin = bearer("county"), bearer("county2"), bearer("admin")
    own = [Call("POST", "/api/v1/incentives/rules", who, RULE) for who in (county, county2)] * 20
    shared = [Call("POST", "/api/v1/incentives/rules", admin, RULE)] * 10
    foreign = [Call("POST", "/api/v1/incentives/rules", county, {**RULE, "county": "XJ"})] * 10
    replies = server.fire(own + shared + foreign)
    no_server_errors(replies)
    assert {r.status for r in replies[:50]} == {201}
    assert {r.status for r in replies[50:]} == {404}
    db.session.remove()
    rules = db.session.execute(db.select(PointsRule.version, PointsRule.county_id)).all()
    assert len({version for version, _ in rules}) == len(rules)
    by_county = Counter(county_id for _, county_id in rules)
    # Version 1 (the shared default from the configuration) and the 10 the admin made are shared.
    assert by_county == {py: 20, xj: 20, None: 11}
