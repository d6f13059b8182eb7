"""Dispatch and lifecycle rules: weekly limits, escalation, crew swaps, scope of runs, races and completion."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import event

from app.core.timeutil import LOCAL_TZ, set_clock
from app.dispatch.models import Proposal
from app.orders.models import Order
from tests.factories import make_station, make_volunteer
from tests.orders.test_lifecycle_api import dispatch, place, tomorrow_window


def _pending(client, lead) -> list[dict]:
    return client.get("/api/v1/proposals?status=pending", headers=lead).get_json()


def test_weekly_limit_holds_within_the_horizon(client, world, token_for, db) -> None:
    world.volunteers["v1"].max_orders_per_week = 1
    db.session.commit()
    staff = token_for("staff")
    needs = [{"skill": "household-visit", "count": 1}]
    place(client, staff, world, item="MI-25", needs=needs, windows=[tomorrow_window(9, 12)])
    place(client, staff, world, item="MI-25", needs=needs, windows=[tomorrow_window(14, 18)])
    dispatch(client, token_for("county"))
    crews = [m["volunteer_id"] for p in _pending(client, token_for("county")) for m in p["crew"]]
    assert crews.count(world.volunteers["v1"].id) == 1


def test_redispatch_after_decline_can_reach_the_county(client, world, token_for, db) -> None:
    make_volunteer("V7", world.teams["T-C"], world.stations["PY"], ["elder-care"])
    db.session.commit()
    order = place(client, token_for("staff"), world, item="MI-15")  # two elder-care volunteers
    dispatch(client, token_for("county"))
    first = _pending(client, token_for("lead_v"))[0]
    client.post(f"/api/v1/proposals/{first['id']}/decline", json={"reason": "没空"}, headers=token_for("lead_v"))
    shown = client.get(f"/api/v1/orders/{order['id']}", headers=token_for("staff")).get_json()
    assert shown["status"] == "dispatched" and shown["tier"] == "county"
    assert _pending(client, token_for("lead_c"))[0]["order_id"] == order["id"]


def test_escalation_counts_rejections_at_the_current_tier_only(app, client, world, token_for, db) -> None:
    app.config.update(ESCALATE_AFTER_REJECTIONS=2, REDISPATCH_ON_DECLINE=False)
    try:
        order = db.session.get(Order, place(client, token_for("staff"), world, item="MI-25")["id"])
        order.tier = "township"
        db.session.commit()
        dispatch(client, token_for("county"))
        proposal = db.session.scalar(db.select(Proposal))
        client.post(
            f"/api/v1/proposals/{proposal.id}/decline",
            json={"reason": "忙"},
            headers=token_for("lead_v" if proposal.team.level == "village" else "lead_t"),
        )
        db.session.expire_all()
        assert db.session.get(Order, order.id).tier == "township"
    finally:
        app.config.update(ESCALATE_AFTER_REJECTIONS=1, REDISPATCH_ON_DECLINE=True)


def test_no_crew_swap_once_service_started(client, world, token_for, db) -> None:
    needs = [{"skill": "elder-care", "count": 1}]
    order = place(client, token_for("staff"), world, item="MI-15", needs=needs)
    dispatch(client, token_for("county"))
    lead = token_for("lead_v")
    proposal = _pending(client, lead)[0]
    client.post(f"/api/v1/proposals/{proposal['id']}/accept", headers=lead)
    member = proposal["crew"][0]["volunteer_id"]
    client.post(f"/api/v1/orders/{order['id']}/check-in", json={"volunteer_id": member}, headers=lead)
    other = next(v.id for v in world.volunteers.values() if v.code in ("V1", "V2") and v.id != member)
    swap = client.post(
        f"/api/v1/proposals/{proposal['id']}/swap",
        json={"out_volunteer_id": member, "in_volunteer_id": other},
        headers=lead,
    )
    assert swap.status_code == 409


def test_swap_respects_weekly_limit_and_accept_needs_active_crew(client, world, token_for, db) -> None:
    needs = [{"skill": "elder-care", "count": 1}]
    place(client, token_for("staff"), world, item="MI-15", needs=needs)
    dispatch(client, token_for("county"))
    lead = token_for("lead_v")
    proposal = _pending(client, lead)[0]
    member = proposal["crew"][0]["volunteer_id"]
    other = next(v for v in world.volunteers.values() if v.code in ("V1", "V2") and v.id != member)
    other.max_orders_per_week = 0
    db.session.commit()
    swap = client.post(
        f"/api/v1/proposals/{proposal['id']}/swap",
        json={"out_volunteer_id": member, "in_volunteer_id": other.id},
        headers=lead,
    )
    assert swap.status_code == 422 and "weekly limit" in swap.get_json()["message"]
    crew_member = next(v for v in world.volunteers.values() if v.id == member)
    crew_member.active = False
    db.session.commit()
    assert client.post(f"/api/v1/proposals/{proposal['id']}/accept", headers=lead).status_code == 409


def test_run_without_county_skips_counties_outside_scope(client, world, token_for, db) -> None:
    make_station("QT", "另一个县", "county", 36.5, 106.0)
    db.session.commit()
    response = client.post("/api/v1/dispatch/runs", json={}, headers=token_for("county"))
    assert response.status_code == 202
    assert [r["county"] for r in response.get_json()] == ["PY"]
    other = client.post("/api/v1/dispatch/runs", json={"county": "QT"}, headers=token_for("county"))
    assert other.status_code == 404
    town = client.post("/api/v1/dispatch/runs", json={"county": "PY-BY"}, headers=token_for("admin"))
    assert town.status_code == 422


def test_order_code_uses_the_local_date(client, world, token_for, db) -> None:
    set_clock(datetime(2026, 12, 7, 7, 0, tzinfo=LOCAL_TZ))
    start = datetime(2026, 12, 8, 9, tzinfo=LOCAL_TZ)
    order = place(
        client,
        token_for("staff"),
        world,
        windows=[{"start": start.isoformat(), "end": (start + timedelta(hours=4)).isoformat()}],
    )
    assert order["code"].startswith("DD261207")


def test_proposal_never_starts_before_the_window(client, world, token_for, db) -> None:
    day = (datetime.now(LOCAL_TZ) + timedelta(days=1)).date()
    start = datetime(day.year, day.month, day.day, 9, 0, 30, tzinfo=LOCAL_TZ)
    place(
        client,
        token_for("staff"),
        world,
        item="MI-25",
        windows=[{"start": start.isoformat(), "end": (start + timedelta(minutes=91)).isoformat()}],
    )
    dispatch(client, token_for("county"))
    proposal = db.session.scalar(db.select(Proposal))
    assert proposal.start_at >= start


def test_order_completes_only_when_the_whole_crew_has_been(client, world, token_for, db) -> None:
    order = place(client, token_for("staff"), world, item="MI-15")  # crew of two
    dispatch(client, token_for("county"))
    lead = token_for("lead_v")
    proposal = _pending(client, lead)[0]
    client.post(f"/api/v1/proposals/{proposal['id']}/accept", headers=lead)
    first, second = (m["volunteer_id"] for m in proposal["crew"])
    client.post(f"/api/v1/orders/{order['id']}/check-in", json={"volunteer_id": first}, headers=lead)
    client.post(f"/api/v1/orders/{order['id']}/check-out", json={"volunteer_id": first}, headers=lead)
    assert client.get(f"/api/v1/orders/{order['id']}", headers=lead).get_json()["status"] == "in_service"
    late = client.post(f"/api/v1/orders/{order['id']}/check-in", json={"volunteer_id": second}, headers=lead)
    assert late.status_code == 201
    client.post(f"/api/v1/orders/{order['id']}/check-out", json={"volunteer_id": second}, headers=lead)
    assert client.get(f"/api/v1/orders/{order['id']}", headers=lead).get_json()["status"] == "completed"


def test_lead_completes_when_someone_did_not_come(client, world, token_for, db) -> None:
    order = place(client, token_for("staff"), world, item="MI-15")
    dispatch(client, token_for("county"))
    lead = token_for("lead_v")
    proposal = _pending(client, lead)[0]
    client.post(f"/api/v1/proposals/{proposal['id']}/accept", headers=lead)
    first = proposal["crew"][0]["volunteer_id"]
    client.post(f"/api/v1/orders/{order['id']}/check-in", json={"volunteer_id": first}, headers=lead)
    early = client.post(f"/api/v1/orders/{order['id']}/complete", json={}, headers=lead)
    assert early.status_code == 409  # someone is still checked in
    client.post(f"/api/v1/orders/{order['id']}/check-out", json={"volunteer_id": first}, headers=lead)
    assert client.post(
        f"/api/v1/orders/{order['id']}/complete", json={}, headers=token_for("volunteer")
    ).status_code in (403, 404)
    done = client.post(f"/api/v1/orders/{order['id']}/complete", json={"reason": "一人生病"}, headers=lead)
    assert done.status_code == 200 and done.get_json()["status"] == "completed"


def test_inbox_query_count_does_not_grow_with_proposals(client, world, token_for, db) -> None:
    lead = token_for("lead_c")
    county = token_for("county")
    for hour in (8, 10, 12, 14, 16):
        place(client, token_for("staff"), world, item="MI-17", windows=[tomorrow_window(hour, hour + 2)])
    db.session.query(Order).update({"tier": "county"})
    db.session.commit()
    dispatch(client, county)
    statements: list[str] = []

    def count(*args, **kwargs) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        few = len(client.get("/api/v1/proposals?limit=1", headers=lead).get_json())
        first = len(statements)
        statements.clear()
        many = len(client.get("/api/v1/proposals", headers=lead).get_json())
        second = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert many > few
    assert second <= first + 1
