"""The engine treats confirmed volunteers as booked; the activities API (in the OpenAPI spec) and its refusals."""

from __future__ import annotations

from datetime import timedelta

from app.activities import service
from app.core.timeutil import utcnow
from app.dispatch import adapter
from app.dispatch.models import LIVE, Proposal
from app.extensions import db
from tests.activities.conftest import tomorrow_at
from tests.orders.test_lifecycle_api import dispatch as dispatch_api
from tests.orders.test_lifecycle_api import place


def test_dispatch_does_not_propose_a_volunteer_during_their_activity(client, world, token_for, publish) -> None:
    activity = publish({"elder-care": 2}, start=tomorrow_at(9), hours=3)
    service.sign_up(user=world.users["volunteer"], activity_id=activity.id, skill="elder-care")
    db.session.commit()
    v1 = world.volunteers["v1"]

    problem = adapter.build_problem(county=world.stations["PY"], now=utcnow())
    row = next((r for r in problem.instance_dict["volunteers"] if r["id"] == f"v-{v1.id}"), None)
    begins = (activity.start_at - problem.start).total_seconds() / 60
    ends = (activity.end_at - problem.start).total_seconds() / 60
    assert row is not None and all(e <= begins or s >= ends for s, e in row["available"])

    order = place(client, token_for("staff"), world, item="MI-15")  # wanted tomorrow 09:00-12:00
    dispatch_api(client, token_for("county"))
    proposals = list(db.session.scalars(db.select(Proposal).where(Proposal.order_id == order["id"])))
    crews = {m.volunteer_id for p in proposals if p.status in LIVE for m in p.crew}
    assert v1.id not in crews


def test_activities_api_publish_sign_up_list_withdraw_cancel(client, world, token_for) -> None:
    county, volunteer = token_for("county"), token_for("volunteer")
    start = tomorrow_at(19)
    body = {
        "station_id": world.stations["PY-BY-01"].id,
        "title": "重阳节文艺晚会",
        "location": "村文化广场",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "slots": [{"skill": "performance", "capacity": 12}, {"skill": "elder-care", "capacity": 4}],
    }
    created = client.post("/api/v1/activities", json=body, headers=county)
    assert created.status_code == 201, created.get_json()
    activity = created.get_json()
    assert [(s["skill"], s["capacity"], s["filled"]) for s in activity["slots"]] == [
        ("performance", 12, 0),
        ("elder-care", 4, 0),
    ]
    listed = client.get("/api/v1/activities", headers=volunteer).get_json()
    assert [a["id"] for a in listed] == [activity["id"]]
    signed = client.post(
        f"/api/v1/activities/{activity['id']}/signups", json={"skill": "elder-care"}, headers=volunteer
    )
    assert signed.status_code == 201 and signed.get_json()["status"] == "confirmed"
    again = client.post(f"/api/v1/activities/{activity['id']}/signups", json={"skill": "elder-care"}, headers=volunteer)
    assert again.status_code == 409 and again.get_json()["code"] == "already_signed_up"
    mine = client.get("/api/v1/activities/signups/mine", headers=volunteer).get_json()
    assert [s["id"] for s in mine] == [signed.get_json()["id"]]
    roster = client.get(f"/api/v1/activities/{activity['id']}/signups", headers=county).get_json()
    assert [s["volunteer_id"] for s in roster] == [world.volunteers["v1"].id]
    assert client.get(f"/api/v1/activities/{activity['id']}/signups", headers=volunteer).status_code == 403
    withdrawn = client.post(f"/api/v1/activities/signups/{signed.get_json()['id']}/withdraw", headers=volunteer)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    cancelled = client.post(f"/api/v1/activities/{activity['id']}/cancel", json={"reason": "大风"}, headers=county)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert client.get(f"/api/v1/activities/{activity['id']}", headers=volunteer).status_code == 404


def test_bad_input_names_the_field_and_stores_nothing(client, world, token_for) -> None:
    county = token_for("county")
    start = tomorrow_at(19)
    body = {
        "station_id": world.stations["PY-BY-01"].id,
        "title": "村晚",
        "start": start.isoformat(),
        "end": (start - timedelta(hours=1)).isoformat(),
        "slots": [{"skill": "performance", "capacity": 2}],
    }
    backwards = client.post("/api/v1/activities", json=body, headers=county)
    assert backwards.status_code == 422 and "end" in str(backwards.get_json()["errors"])
    unknown = client.post(
        "/api/v1/activities",
        json={**body, "end": (start + timedelta(hours=1)).isoformat(), "slots": [{"skill": "juggling", "capacity": 2}]},
        headers=county,
    )
    assert unknown.status_code == 422 and "slots.0.skill" in unknown.get_json()["errors"]
    assert client.get("/api/v1/activities", headers=county).get_json() == []


def test_activities_are_in_the_openapi_spec(client) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/activities",
        "/api/v1/activities/{activity_id}",
        "/api/v1/activities/{activity_id}/cancel",
        "/api/v1/activities/{activity_id}/signups",
        "/api/v1/activities/signups/mine",
        "/api/v1/activities/signups/{signup_id}/withdraw",
    ):
        assert path in paths, path


def test_accepting_refuses_a_crew_member_who_took_an_activity_place_after_the_run(
    client, world, token_for, publish
) -> None:
    """The run read the roster before the sign-up landed; the lead's accept is where the clash is caught."""
    from app.activities.models import ActivitySignup

    order = place(client, token_for("staff"), world, item="MI-15")  # wanted tomorrow 09:00-12:00
    dispatch_api(client, token_for("county"))
    proposal = db.session.scalar(
        db.select(Proposal).where(Proposal.order_id == order["id"], Proposal.status == "pending")
    )
    member = proposal.crew[0]
    activity = publish({"elder-care": 2}, start=proposal.start_at, hours=1)
    # As if the sign-up had raced the run: written past the sign-up's own check of pending proposals.
    slot = activity.slots[0]
    db.session.add(
        ActivitySignup(activity_id=activity.id, slot_id=slot.id, volunteer_id=member.volunteer_id, status="confirmed")
    )
    slot.filled += 1
    db.session.commit()

    refused = client.post(f"/api/v1/proposals/{proposal.id}/accept", headers=token_for("lead_v"))
    assert refused.status_code == 409, refused.get_json()
    (why,) = refused.get_json()["errors"]["crew"]
    assert "has a place in an activity at that time (村晚文艺演出)" in why
    assert client.get(f"/api/v1/orders/{order['id']}", headers=token_for("staff")).get_json()["status"] == "dispatched"
