"""Open activities under real concurrency on PostgreSQL: 66 sign-ups at once for 10 places, then withdrawals at
once; no slot ever passes capacity, the waitlist keeps sign-up order, and promotion fills every freed place."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from app.activities import service
from app.activities.models import ActivitySignup, ActivitySlot
from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.activities.conftest import tomorrow_at
from tests.factories import make_volunteer
from tests.races.conftest import Call, assert_doctor_clean, no_server_errors

CAPACITY = 10
VOLUNTEERS = 60


def _counts(activity_id: int) -> Counter:
    db.session.expire_all()
    return Counter(
        db.session.scalars(db.select(ActivitySignup.status).where(ActivitySignup.activity_id == activity_id))
    )


def test_concurrent_signups_never_overfill_and_withdrawals_promote_in_order(server, world, bearer) -> None:
    team, station = world.teams["T-C"], world.stations["PY"]
    crowd = [make_volunteer(f"P{i:03d}", team, station, ["performance"]) for i in range(VOLUNTEERS)]
    start = tomorrow_at(19)
    activity = service.publish_activity(
        user=world.users["county"],
        station_id=station.id,
        title="县城文化之夜",
        start_at=start,
        end_at=start + timedelta(hours=3),
        slots=[{"skill": "performance", "capacity": CAPACITY}],
    )
    db.session.commit()
    county = bearer("county")
    path = f"/api/v1/activities/{activity.id}/signups"
    calls = [Call("POST", path, county, {"skill": "performance", "volunteer_id": v.id}) for v in crowd]
    # Six volunteers sign up twice at the same moment: one of each pair is refused.
    calls += [Call("POST", path, county, {"skill": "performance", "volunteer_id": v.id}) for v in crowd[:6]]
    replies = server.fire(calls)
    no_server_errors(replies)
    assert Counter(r.status for r in replies) == {201: VOLUNTEERS, 409: 6}
    assert {r.body["code"] for r in replies if r.status == 409} == {"already_signed_up"}
    assert _counts(activity.id) == {"confirmed": CAPACITY, "waitlisted": VOLUNTEERS - CAPACITY}
    slot = db.session.get(ActivitySlot, activity.slots[0].id)
    assert slot.filled == CAPACITY

    signups = list(
        db.session.scalars(
            db.select(ActivitySignup).where(ActivitySignup.activity_id == activity.id).order_by(ActivitySignup.id)
        )
    )
    confirmed = [s for s in signups if s.status == "confirmed"]
    waiting = [s.id for s in signups if s.status == "waitlisted"]
    withdrawals = [Call("POST", f"/api/v1/activities/signups/{s.id}/withdraw", county) for s in confirmed[:5]]
    replies = server.fire(withdrawals)
    no_server_errors(replies)
    assert [r.status for r in replies] == [200] * 5
    assert _counts(activity.id) == {"confirmed": CAPACITY, "waitlisted": VOLUNTEERS - CAPACITY - 5, "withdrawn": 5}
    promoted = set(
        db.session.scalars(
            db.select(ActivitySignup.id).where(
                ActivitySignup.activity_id == activity.id, ActivitySignup.promoted_at.is_not(None)
            )
        )
    )
    assert promoted == set(waiting[:5])  # the first five in the queue, whatever order the withdrawals ran in
    assert db.session.get(ActivitySlot, slot.id).filled == CAPACITY
    told = db.session.scalars(db.select(OutboxMessage.data).where(OutboxMessage.kind == "activity_promoted"))
    assert sorted(d["signup_id"] for d in told) == sorted(promoted)  # each promoted volunteer is told once
    assert_doctor_clean()
