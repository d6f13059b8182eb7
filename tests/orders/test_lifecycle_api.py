"""The whole order loop through the API: order → dispatch → accept → roster → check-in/out → rating → log."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.core.timeutil import LOCAL_TZ


def tomorrow_window(hour_from: int = 9, hour_to: int = 12, days: int = 1) -> dict:
    day = (datetime.now(LOCAL_TZ) + timedelta(days=days)).date()
    start = datetime(day.year, day.month, day.day, hour_from, tzinfo=LOCAL_TZ)
    end = datetime(day.year, day.month, day.day, hour_to, tzinfo=LOCAL_TZ)
    return {"start": start.isoformat(), "end": end.isoformat()}


def place(client, headers, world, item="MI-15", station="PY-BY-01", **extra) -> dict:
    body = {
        "menu_item_id": world.menu_item(item).id,
        "station_id": world.stations[station].id,
        "windows": [tomorrow_window()],
        "resident": {"name": "马大爷", "phone": "13900000000"},
        **extra,
    }
    response = client.post("/api/v1/orders", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def dispatch(client, headers) -> list[dict]:
    """Ask for a run (202, queued), let the queue run it as the scheduler would, and return the finished runs."""
    from app.dispatch.queue import execute_run

    response = client.post("/api/v1/dispatch/runs", json={"county": "PY", "time_limit": 2}, headers=headers)
    assert response.status_code == 202, response.get_json()
    queued = response.get_json()
    assert [r["status"] for r in queued] == ["queued"] * len(queued)
    for run in queued:
        assert execute_run(run_id=run["id"], host="test") == "done"
    return [client.get(f"/api/v1/dispatch/runs/{r['id']}", headers=headers).get_json() for r in queued]


def test_full_loop_end_to_end(client, world, token_for) -> None:
    staff, county, lead, volunteer = (token_for(u) for u in ("staff", "county", "lead_v", "volunteer"))
    order = place(client, staff, world)
    assert order["status"] == "submitted"
    assert order["needs"] == [{"skill": "elder-care", "count": 2}]

    runs = dispatch(client, county)
    assert runs[0]["orders_proposed"] == 1
    assert runs[0]["bound"] >= runs[0]["served_priority"] == order["priority"]

    inbox = client.get("/api/v1/proposals?status=pending", headers=lead).get_json()
    assert len(inbox) == 1
    proposal = inbox[0]
    assert proposal["order_id"] == order["id"]
    assert {m["skill"] for m in proposal["crew"]} == {"elder-care"}
    assert "cost_terms" in proposal["explanation"]

    accepted = client.post(f"/api/v1/proposals/{proposal['id']}/accept", headers=lead)
    assert accepted.status_code == 200, accepted.get_json()
    assert client.get(f"/api/v1/orders/{order['id']}", headers=staff).get_json()["status"] == "accepted"

    crew_ids = [m["volunteer_id"] for m in proposal["crew"]]
    assert world.volunteers["v1"].id in crew_ids  # the village team's elder-care pair
    for volunteer_id in crew_ids:
        checked = client.post(
            f"/api/v1/orders/{order['id']}/check-in", json={"volunteer_id": volunteer_id}, headers=lead
        )
        assert checked.status_code == 201, checked.get_json()
    assert client.get(f"/api/v1/orders/{order['id']}", headers=staff).get_json()["status"] == "in_service"
    # The volunteer checks themself out; the lead checks out the other.
    assert client.post(f"/api/v1/orders/{order['id']}/check-out", json={}, headers=volunteer).status_code == 200
    other = next(v for v in crew_ids if v != world.volunteers["v1"].id)
    assert (
        client.post(f"/api/v1/orders/{order['id']}/check-out", json={"volunteer_id": other}, headers=lead).status_code
        == 200
    )
    done = client.get(f"/api/v1/orders/{order['id']}", headers=staff).get_json()
    assert done["status"] == "completed"
    assert len(done["service_records"]) == 2

    rating = client.post(
        f"/api/v1/orders/{order['id']}/rating",
        json={"stars": 5, "tags": ["看得见", "真点赞"], "comment": "很好"},
        headers=staff,
    )
    assert rating.status_code == 201, rating.get_json()

    events = client.get(f"/api/v1/orders/{order['id']}/events", headers=county).get_json()
    kinds = [e["kind"] for e in events]
    assert kinds[:3] == ["submitted", "dispatched", "accepted"]
    assert kinds[-2:] == ["completed", "rated"]
    assert "in_service" in kinds and "check_out" in kinds
    assert all(e["at"] for e in events)
    assert next(e for e in events if e["kind"] == "accepted")["actor"] == "lead_v"


def test_decline_redispatches_to_another_team(client, world, token_for) -> None:
    staff, county, lead_v = token_for("staff"), token_for("county"), token_for("lead_v")
    order = place(client, staff, world, item="MI-25")  # one policy lecturer: every tier has one
    dispatch(client, county)
    first = client.get("/api/v1/proposals?status=pending", headers=lead_v).get_json()[0]
    missing_reason = client.post(f"/api/v1/proposals/{first['id']}/decline", json={"reason": ""}, headers=lead_v)
    assert missing_reason.status_code == 422
    assert "reason" in missing_reason.get_json()["errors"]
    declined = client.post(f"/api/v1/proposals/{first['id']}/decline", json={"reason": "队员外出培训"}, headers=lead_v)
    assert declined.status_code == 200
    # The order is re-placed at once, one tier up, without the declining team.
    after = client.get(f"/api/v1/orders/{order['id']}", headers=staff).get_json()
    assert after["status"] == "dispatched"
    assert after["excluded_teams"] == [world.teams["T-V-A1"].id]
    assert after["tier"] == "township"
    kinds = [e["kind"] for e in client.get(f"/api/v1/orders/{order['id']}/events", headers=county).get_json()]
    assert kinds[-3:] == ["proposal_declined", "escalated", "dispatched"]
    second = client.get("/api/v1/proposals?status=pending", headers=token_for("lead_t")).get_json()
    assert len(second) == 1 and second[0]["order_id"] == order["id"]
    assert second[0]["team_id"] == world.teams["T-T-A"].id
    # The declining team sees no new proposal.
    assert client.get("/api/v1/proposals?status=pending", headers=lead_v).get_json() == []
    # Answering twice is refused.
    again = client.post(f"/api/v1/proposals/{first['id']}/accept", headers=lead_v)
    assert again.status_code == 409


def test_cancel_withdraws_proposal(client, world, token_for) -> None:
    staff, county, lead = token_for("staff"), token_for("county"), token_for("lead_v")
    order = place(client, staff, world)
    dispatch(client, county)
    proposal = client.get("/api/v1/proposals?status=pending", headers=lead).get_json()[0]
    cancelled = client.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "身体不适"}, headers=staff)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert client.get(f"/api/v1/proposals/{proposal['id']}", headers=lead).get_json()["status"] == "withdrawn"
    assert client.post(f"/api/v1/proposals/{proposal['id']}/accept", headers=lead).status_code == 409
    assert client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=staff).status_code == 409


def test_rating_an_unserved_order_is_refused(client, world, token_for) -> None:
    staff = token_for("staff")
    order = place(client, staff, world)
    response = client.post(f"/api/v1/orders/{order['id']}/rating", json={"stars": 5}, headers=staff)
    assert response.status_code == 409
    assert response.get_json()["errors"] == {"status": ["only a served order can be rated"]}


def test_decline_without_immediate_redispatch_waits_for_next_run(app, client, world, token_for) -> None:
    app.config["REDISPATCH_ON_DECLINE"] = False
    try:
        staff, county, lead_v = token_for("staff"), token_for("county"), token_for("lead_v")
        order = place(client, staff, world, item="MI-25")
        dispatch(client, county)
        first = client.get("/api/v1/proposals?status=pending", headers=lead_v).get_json()[0]
        client.post(f"/api/v1/proposals/{first['id']}/decline", json={"reason": "没空"}, headers=lead_v)
        assert client.get(f"/api/v1/orders/{order['id']}", headers=staff).get_json()["status"] == "submitted"
        dispatch(client, county)
        assert client.get(f"/api/v1/orders/{order['id']}", headers=staff).get_json()["status"] == "dispatched"
    finally:
        app.config["REDISPATCH_ON_DECLINE"] = True
