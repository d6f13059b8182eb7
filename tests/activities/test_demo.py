"""The demo county's activities: coming ones at every stage of filling, one full with a waitlist, past ones."""

from __future__ import annotations

from collections import Counter

from app.activities.models import Activity, ActivitySignup, ActivitySlot
from app.core.timeutil import utcnow
from app.demo.loader import load_demo


def test_demo_county_has_activities_with_places_taken_and_a_waitlist(db) -> None:
    summary = load_demo(volunteers=300, orders=10, seed=5)
    db.session.commit()
    assert summary["activities"] == 6 and summary["activity sign-ups"] > 0
    now = utcnow()
    coming = list(db.session.scalars(db.select(Activity).where(Activity.start_at > now)))
    assert len(coming) == 4
    states = Counter(db.session.scalars(db.select(ActivitySignup.status)))
    assert states["confirmed"] > 0 and states["waitlisted"] > 0
    # Every slot's count agrees with its confirmed sign-ups.
    for slot in db.session.scalars(db.select(ActivitySlot)):
        confirmed = sum(1 for s in slot.signups if s.status == "confirmed")
        assert slot.filled == confirmed <= slot.capacity
