"""Visit campaigns under concurrent requests on PostgreSQL: outcomes recorded while a re-plan searches are kept,
and two plans at once never mix their routes (each half-day within its cap, one household per place in it)."""

from __future__ import annotations

from datetime import timedelta

from app.accounts.models import User
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.stations.models import Station
from app.visits import service
from app.visits.models import Household, Visit
from tests.races.conftest import Call, no_server_errors


def _ids(world) -> dict[str, int]:  # noqa: ANN001
    """The ids a test needs, read while the world's objects are still attached to the session."""
    return {
        "village": world.stations["PY-BY-01"].id,
        "staff": world.users["staff"].id,
        "v1": world.volunteers["v1"].id,
        "v2": world.volunteers["v2"].id,
    }


def _planned_campaign(ids: dict[str, int], prefix: str = "H") -> int:
    # Read again by id: an earlier round's session.remove() has detached the world's objects.
    village = db.session.get(Station, ids["village"])
    staff = db.session.get(User, ids["staff"])
    db.session.add_all(
        Household(station_id=village.id, code=f"{prefix}{i}", address=f"阳洼村{i}号", lat=village.lat + 0.0008 * i,
                  lon=village.lon + 0.0005 * (i % 5), tags=["fire_hazard"])
        for i in range(24)
    )  # fmt: skip
    tomorrow = to_local(utcnow()).date() + timedelta(days=1)
    campaign = service.create_campaign(
        user=staff,
        station_id=village.id,
        title="消防安全走访",
        topic="fire_safety",
        starts_on=tomorrow,
        ends_on=tomorrow + timedelta(days=1),
        volunteer_ids=[ids["v1"], ids["v2"]],
        max_visits_per_shift=4,
    )
    service.plan_campaign(user=staff, campaign_id=campaign.id)
    db.session.commit()
    return campaign.id


def _routes_hold(campaign_id: int, cap: int) -> None:
    db.session.remove()
    visits = list(db.session.scalars(db.select(Visit).where(Visit.campaign_id == campaign_id)))
    routes: dict[tuple, list[Visit]] = {}
    for v in visits:
        if v.volunteer_id is not None:
            routes.setdefault((v.volunteer_id, v.shift_start), []).append(v)
    for key, route in routes.items():
        assert len(route) <= cap, key
        in_order = sorted(route, key=lambda v: v.sequence)
        assert [v.sequence for v in in_order] == list(range(1, len(route) + 1)), key
        assert [v.planned_at for v in in_order] == sorted(v.planned_at for v in route), key


def test_outcomes_recorded_during_a_replan_are_kept(server, world, bearer) -> None:
    ids = _ids(world)
    v1 = ids["v1"]
    recorded: list[int] = []
    # Which comes first is the scheduler's choice: when the re-plan wins every race it moves all of v1's visits and
    # each outcome is refused, so rounds are repeated (fresh campaigns) until outcomes land during a re-plan.
    for round_number in range(8):
        campaign_id = _planned_campaign(ids, prefix=f"R{round_number}-")
        mine = [
            v.id
            for v in db.session.scalars(
                db.select(Visit).where(Visit.campaign_id == campaign_id, Visit.volunteer_id == v1)
            )
        ]
        assert len(mine) >= 4
        calls = [Call("POST", f"/api/v1/visits/campaigns/{campaign_id}/plan", bearer("staff"))]
        calls += [
            Call("POST", f"/api/v1/visits/visits/{v}/outcome", bearer("volunteer"), {"outcome": "visited"})
            for v in mine
        ]
        replies = server.fire(calls)
        no_server_errors(replies)
        assert replies[0].status == 200
        db.session.remove()
        visits = {v.id: v for v in db.session.scalars(db.select(Visit).where(Visit.id.in_(mine)))}
        for visit_id, reply in zip(mine, replies[1:], strict=True):
            if reply.status == 200:  # recorded: a re-plan never resets it nor moves the visit
                assert (visits[visit_id].outcome, visits[visit_id].volunteer_id) == ("visited", v1)
                recorded.append(visit_id)
            else:  # refused only because the re-plan had moved the visit to someone else first
                assert reply.status == 404 and visits[visit_id].volunteer_id != v1, (visit_id, reply.status)
                assert visits[visit_id].outcome == "pending"
        _routes_hold(campaign_id, 4)
        if recorded:
            break
    assert recorded, "in eight rounds no outcome landed during a re-plan"


def test_two_plans_at_once_never_mix_their_routes(server, world, bearer) -> None:
    campaign_id = _planned_campaign(_ids(world))
    replies = server.fire(
        [Call("POST", f"/api/v1/visits/campaigns/{campaign_id}/plan", bearer(u)) for u in ("staff", "town")]
    )
    no_server_errors(replies)
    assert [r.status for r in replies] == [200, 200]
    _routes_hold(campaign_id, 4)
