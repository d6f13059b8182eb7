"""Issue 13's races, reproduced against the served app on PostgreSQL with 50+ requests at once; afterwards every
invariant is checked in the database (the doctor)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from app.dispatch.models import Proposal
from app.dispatch.queue import execute_run
from app.extensions import db
from app.incentives.models import HoursEntry, PointsEntry, PointsRule
from app.orders.models import Order, OrderEvent
from tests.factories import accepted_order, make_volunteer, placed_order, proposed_order, slot
from tests.races.conftest import Call, assert_doctor_clean, no_server_errors

PAIRS = 25


def _crew_action_at_once(
    server, staff: dict[str, str], proposals: list[Proposal], action: str, crew: list
) -> list[int]:
    """Staff send the action (check-in, check-out) for each crew member of every order at once; all succeed.

    Returns the orders' ids."""
    calls = [
        Call("POST", f"/api/v1/orders/{p.order_id}/{action}", staff, {"volunteer_id": v.id})
        for p in proposals
        for v in crew
    ]
    replies = server.fire(calls)
    no_server_errors(replies)
    assert all(r.status in (200, 201) for r in replies), [r for r in replies if r.status >= 300][:3]
    db.session.remove()
    return [p.order_id for p in proposals]


def test_cancels_during_a_dispatch_run_are_never_overwritten(app, server, world, bearer) -> None:
    """Row 2: a dispatch run stores proposals only for orders still submitted when it writes."""
    ids = [placed_order(world, slot(i)).id for i in range(50)]
    db.session.commit()
    staff, county = bearer("staff"), bearer("county")
    queued = server.send(Call("POST", "/api/v1/dispatch/runs", county, {"county": "PY", "time_limit": 2}))
    assert queued.status == 202, queued
    (run_id,) = [run["id"] for run in queued.body]

    def run_queued() -> str:
        # What the scheduler (or a Celery worker) does with a queued run, on its own thread and session.
        with app.app_context():
            try:
                return execute_run(run_id=run_id, host="race-test")
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=1) as worker:
        outcome = worker.submit(run_queued)
        replies = server.fire(
            [Call("POST", f"/api/v1/orders/{i}/cancel", staff, {"reason": "changed my mind"}) for i in ids]
        )
        assert outcome.result(timeout=300) == "done"
    no_server_errors(replies)
    assert [r.status for r in replies] == [200] * len(ids)
    db.session.remove()
    assert set(db.session.scalars(db.select(Order.status).where(Order.id.in_(ids)))) == {"cancelled"}
    assert db.session.scalar(db.select(db.func.count()).where(Proposal.status.in_(("pending", "accepted")))) == 0
    assert_doctor_clean()


def test_accept_and_cancel_at_once_never_both_blind(server, world, bearer) -> None:
    """Row 7: the lead's accept and the resident's cancel take turns; a cancel after an accept sees it."""
    v1 = world.volunteers["v1"]
    proposals = [proposed_order(world, slot(i), [v1]) for i in range(PAIRS)]
    db.session.commit()
    lead, staff = bearer("lead_v"), bearer("staff")
    replies = server.fire_pairs(
        [
            (
                Call("POST", f"/api/v1/proposals/{proposal.id}/accept", lead),
                Call("POST", f"/api/v1/orders/{proposal.order_id}/cancel", staff, {"reason": "no longer needed"}),
            )
            for proposal in proposals
        ]
    )
    for proposal, (accept, cancel) in zip(proposals, replies, strict=True):
        assert cancel.status == 200, cancel  # a cancel is allowed before and after an accept
        assert accept.status in (200, 409), accept
        kinds = [
            e.to_status
            for e in db.session.scalars(
                db.select(OrderEvent)
                .where(OrderEvent.order_id == proposal.order_id, OrderEvent.to_status.is_not(None))
                .order_by(OrderEvent.id)
            )
        ]
        expected = (
            ["submitted", "dispatched", "accepted", "cancelled"]
            if accept.status == 200
            else ["submitted", "dispatched", "cancelled"]
        )
        assert kinds == expected
    assert_doctor_clean()


def test_the_last_two_check_outs_at_once_complete_the_order(server, world, bearer, monkeypatch) -> None:
    """Row 6: the check-out that completes an order is decided in the database (the order's row lock)."""
    from app.dispatch import crew
    from app.dispatch.crew import check_in

    # The slots lie ahead, so a real stay would clip to 0 minutes and write no ledger line to count.
    monkeypatch.setattr(crew, "clipped_minutes", lambda *_: 90)

    v1, v2 = world.volunteers["v1"], world.volunteers["v2"]
    proposals = [accepted_order(world, slot(i), [v1, v2]) for i in range(PAIRS)]
    for proposal in proposals:
        for volunteer in (v1, v2):
            check_in(user=world.users["staff"], order_id=proposal.order_id, volunteer_id=volunteer.id)
    db.session.commit()
    ids = _crew_action_at_once(server, bearer("staff"), proposals, "check-out", [v1, v2])
    assert set(db.session.scalars(db.select(Order.status).where(Order.id.in_(ids)))) == {"completed"}
    completions = db.session.scalar(
        db.select(db.func.count()).where(OrderEvent.order_id.in_(ids), OrderEvent.to_status == "completed")
    )
    assert completions == PAIRS
    # The first completions at once made the points rule once, and each stay reached the ledger once.
    assert db.session.scalar(db.select(db.func.count()).select_from(PointsRule)) == 1
    for ledger in (HoursEntry, PointsEntry):
        assert db.session.scalar(db.select(db.func.count()).where(ledger.order_id.in_(ids))) == 2 * PAIRS
    assert_doctor_clean()


def test_two_check_ins_at_once_record_one_transition(server, world, bearer) -> None:
    """Row 6: of two first check-ins at once, one puts the order in service and the other is a plain check-in."""
    v1, v2 = world.volunteers["v1"], world.volunteers["v2"]
    proposals = [accepted_order(world, slot(i), [v1, v2]) for i in range(PAIRS)]
    db.session.commit()
    ids = _crew_action_at_once(server, bearer("staff"), proposals, "check-in", [v1, v2])
    transitions = db.session.scalar(
        db.select(db.func.count()).where(OrderEvent.order_id.in_(ids), OrderEvent.to_status == "in_service")
    )
    assert transitions == PAIRS
    assert_doctor_clean()


def test_two_swaps_at_once_never_double_book_a_volunteer(server, world, bearer) -> None:
    """Row 8: the database refuses a volunteer two overlapping live jobs, whichever swap commits first."""
    team, village = world.teams["T-V-A1"], world.stations["PY-BY-01"]

    def member(code: str):
        return make_volunteer(code, team, village, ["elder-care"], hours=(0, 24), max_orders=50)

    start = slot(0)
    pairs = []
    for i in range(PAIRS):
        first, second, newcomer = member(f"A{i}"), member(f"B{i}"), member(f"C{i}")
        db.session.flush()
        pairs.append(
            (
                accepted_order(world, start, [first]),
                accepted_order(world, start + timedelta(minutes=30), [second]),
                first,
                second,
                newcomer,
            )
        )
    db.session.commit()
    lead = bearer("lead_v")
    calls = []
    for one, other, first, second, newcomer in pairs:
        calls.append(
            Call(
                "POST",
                f"/api/v1/proposals/{one.id}/swap",
                lead,
                {"out_volunteer_id": first.id, "in_volunteer_id": newcomer.id},
            )
        )
        calls.append(
            Call(
                "POST",
                f"/api/v1/proposals/{other.id}/swap",
                lead,
                {"out_volunteer_id": second.id, "in_volunteer_id": newcomer.id},
            )
        )
    replies = server.fire(calls)
    no_server_errors(replies)
    for index in range(PAIRS):
        statuses = sorted(r.status for r in replies[2 * index : 2 * index + 2])
        assert statuses[0] == 200 and statuses[1] in (409, 422), statuses
    assert_doctor_clean()


def _walk_in_order(world) -> dict:  # noqa: ANN001
    """The body of POST /orders for an elder-care visit tomorrow, ordered by station staff for a walk-in."""
    start = slot(0)
    return {
        "menu_item_id": world.menu_item("MI-15").id,
        "station_id": world.stations["PY-BY-01"].id,
        "windows": [{"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()}],
        "resident": {"name": "马大爷"},
    }


def test_fifty_retries_of_one_order_place_it_once(server, world, bearer) -> None:
    """Row 9: the same POST /orders with the same Idempotency-Key, 50 at once: one order, the same answer."""
    body = _walk_in_order(world)
    headers = {**bearer("staff"), "Idempotency-Key": "phone-retry-1"}
    replies = server.fire([Call("POST", "/api/v1/orders", headers, body) for _ in range(50)])
    no_server_errors(replies)
    assert {r.status for r in replies} == {201}
    assert all(r.body == replies[0].body for r in replies)
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 1
    assert_doctor_clean()


def test_fifty_orders_placed_at_once_each_carry_their_own_id_in_their_code(server, world, bearer) -> None:
    """The code is worked out inside each order's INSERT (the sequence's value in that session): 50 at once, on
    the served app's connections, never share or swap a number."""
    body = _walk_in_order(world)
    replies = server.fire([Call("POST", "/api/v1/orders", bearer("staff"), body) for _ in range(50)])
    no_server_errors(replies)
    assert {r.status for r in replies} == {201}
    db.session.remove()
    stored = dict(db.session.execute(db.select(Order.id, Order.code)).all())
    assert len(stored) == 50 and {r.body["id"]: r.body["code"] for r in replies} == stored
    assert all(code.startswith("DD") and code.endswith(f"{order_id:06d}") for order_id, code in stored.items())
