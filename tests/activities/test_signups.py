"""Activity rules: slots by skill, waitlists in order, promotion on withdrawal, closing at start, cancelling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.activities import service
from app.activities.models import ActivitySignup, ActivitySlot
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.timeutil import set_clock
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.volunteers.models import Volunteer
from tests.activities.conftest import tomorrow_at
from tests.factories import accepted_order, make_user


def _account(world, key: str):  # noqa: ANN001, ANN202
    """A volunteer account for a test volunteer (v1 already has one: 'volunteer')."""
    if key == "v1":
        return world.users["volunteer"]
    volunteer = world.volunteers[key]
    user = make_user(f"user_{key}", "volunteer", volunteer.station, team=volunteer.team)
    volunteer.user_id = user.id
    db.session.commit()
    return user


def _outbox(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_full_slot_waitlists_in_order_and_a_withdrawal_promotes_the_first(world, publish) -> None:
    activity = publish({"elder-care": 1})
    first, second, third = (_account(world, k) for k in ("v1", "v2", "v4"))
    confirmed = service.sign_up(user=first, activity_id=activity.id, skill="elder-care")
    waiting_a = service.sign_up(user=second, activity_id=activity.id, skill="elder-care")
    waiting_b = service.sign_up(user=third, activity_id=activity.id, skill="elder-care")
    db.session.commit()
    assert [confirmed.status, waiting_a.status, waiting_b.status] == ["confirmed", "waitlisted", "waitlisted"]
    assert [service.waitlist_position(waiting_a), service.waitlist_position(waiting_b)] == [1, 2]

    service.withdraw(user=first, signup_id=confirmed.id)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ActivitySignup, confirmed.id).status == "withdrawn"
    promoted = db.session.get(ActivitySignup, waiting_a.id)
    assert promoted.status == "confirmed" and promoted.promoted_at is not None
    assert service.waitlist_position(db.session.get(ActivitySignup, waiting_b.id)) == 1
    assert db.session.get(ActivitySlot, activity.slots[0].id).filled == 1
    (message,) = _outbox("activity_promoted")
    assert message.recipient_user_id == second.id and "候补转为正式" in message.body


def test_a_waiting_volunteer_who_withdraws_leaves_the_places_alone(world, publish) -> None:
    activity = publish({"elder-care": 1})
    service.sign_up(user=_account(world, "v1"), activity_id=activity.id, skill="elder-care")
    second = _account(world, "v2")
    waiting = service.sign_up(user=second, activity_id=activity.id, skill="elder-care")
    service.withdraw(user=second, signup_id=waiting.id)
    db.session.commit()
    assert db.session.get(ActivitySlot, activity.slots[0].id).filled == 1
    assert _outbox("activity_promoted") == []


def test_a_volunteer_signs_up_only_for_a_skill_they_have_and_only_once(world, publish) -> None:
    activity = publish({"elder-care": 2, "medical": 1})
    volunteer = world.users["volunteer"]  # v1: household visits and elder care
    with pytest.raises(ValidationFailed) as refused:
        service.sign_up(user=volunteer, activity_id=activity.id, skill="medical")
    assert refused.value.field == "skill"
    with pytest.raises(ValidationFailed):
        service.sign_up(user=volunteer, activity_id=activity.id, skill="farming")  # no such slot
    service.sign_up(user=volunteer, activity_id=activity.id, skill="elder-care")
    with pytest.raises(service.AlreadySignedUp):
        service.sign_up(user=volunteer, activity_id=activity.id, skill="elder-care")


def test_signup_closes_when_the_activity_starts(world, publish) -> None:
    activity = publish({"elder-care": 3})
    signup = service.sign_up(user=world.users["volunteer"], activity_id=activity.id, skill="elder-care")
    db.session.commit()
    set_clock(activity.start_at)
    with pytest.raises(service.SignupClosed):
        service.sign_up(user=_account(world, "v2"), activity_id=activity.id, skill="elder-care")
    with pytest.raises(service.SignupClosed):
        service.withdraw(user=world.users["volunteer"], signup_id=signup.id)


def test_an_accepted_order_blocks_an_overlapping_activity(world, publish) -> None:
    start = tomorrow_at(9)
    accepted_order(world, start, [world.volunteers["v1"], world.volunteers["v2"]])
    db.session.commit()
    overlapping = publish({"elder-care": 2}, start=start + timedelta(minutes=30))
    later = publish({"elder-care": 2}, start=start + timedelta(hours=6), title="重阳敬老")
    with pytest.raises(service.Busy):
        service.sign_up(user=world.users["volunteer"], activity_id=overlapping.id, skill="elder-care")
    assert service.sign_up(user=world.users["volunteer"], activity_id=later.id, skill="elder-care").status == (
        "confirmed"
    )


def test_two_overlapping_activities_are_refused(world, publish) -> None:
    first = publish({"elder-care": 2})
    second = publish({"elder-care": 2}, start=first.start_at + timedelta(hours=1), title="广场舞")
    service.sign_up(user=world.users["volunteer"], activity_id=first.id, skill="elder-care")
    with pytest.raises(service.Busy):
        service.sign_up(user=world.users["volunteer"], activity_id=second.id, skill="elder-care")


def test_staff_cancel_and_everyone_holding_a_place_is_told(world, publish) -> None:
    activity = publish({"elder-care": 1})
    service.sign_up(user=_account(world, "v1"), activity_id=activity.id, skill="elder-care")
    service.sign_up(user=_account(world, "v2"), activity_id=activity.id, skill="elder-care")
    with pytest.raises(Forbidden):
        service.cancel_activity(user=world.users["volunteer"], activity_id=activity.id, reason="x")
    service.cancel_activity(user=world.users["staff"], activity_id=activity.id, reason="大风天气")
    db.session.commit()
    statuses = {s.status for s in db.session.scalars(db.select(ActivitySignup))}
    assert statuses == {"cancelled"}
    assert db.session.get(ActivitySlot, activity.slots[0].id).filled == 0
    assert len(_outbox("activity_cancelled")) == 2
    # Volunteers no longer see it; staff do, marked cancelled.
    with pytest.raises(NotFound):
        service.get_activity(user=world.users["volunteer"], activity_id=activity.id)
    assert service.get_activity(user=world.users["staff"], activity_id=activity.id).status == "cancelled"


def test_publishing_rules(world) -> None:
    start = tomorrow_at(19)

    def publish(user: str = "staff", **changes) -> None:  # noqa: ANN003
        values = {
            "station_id": world.stations["PY-BY-01"].id,
            "title": "村晚",
            "start_at": start,
            "end_at": start + timedelta(hours=2),
            "slots": [{"skill": "performance", "capacity": 12}, {"skill": "elder-care", "capacity": 4}],
        }
        service.publish_activity(user=world.users[user], **{**values, **changes})

    with pytest.raises(NotFound):
        publish(user="staff_b")  # another village's staff
    with pytest.raises(Forbidden):
        publish(user="volunteer")
    with pytest.raises(ValidationFailed) as refused:
        publish(start_at=start - timedelta(days=3), end_at=start - timedelta(days=3, hours=-1))
    assert refused.value.field == "start_at"
    with pytest.raises(ValidationFailed) as refused:
        publish(slots=[{"skill": "performance", "capacity": 2}, {"skill": "performance", "capacity": 2}])
    assert refused.value.field == "slots.1.skill"
    with pytest.raises(ValidationFailed):
        publish(slots=[])
    publish()


def test_the_database_keeps_a_slot_within_capacity(world, publish) -> None:
    activity = publish({"elder-care": 1})
    with pytest.raises(IntegrityError):
        db.session.execute(update(ActivitySlot).where(ActivitySlot.id == activity.slots[0].id).values(filled=2))
        db.session.flush()
    db.session.rollback()


def test_the_database_holds_one_place_per_volunteer_and_activity(world, publish) -> None:
    activity = publish({"elder-care": 2})
    slot = activity.slots[0]
    volunteer = db.session.get(Volunteer, world.volunteers["v1"].id)
    for _ in range(2):
        db.session.add(
            ActivitySignup(activity_id=activity.id, slot_id=slot.id, volunteer_id=volunteer.id, status="waitlisted")
        )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_waiting_volunteer_given_an_order_meanwhile_is_passed_over(world, publish) -> None:
    activity = publish({"elder-care": 1}, start=tomorrow_at(9))
    first, busy_later, next_free = (_account(world, k) for k in ("v1", "v2", "v4"))
    confirmed = service.sign_up(user=first, activity_id=activity.id, skill="elder-care")
    passed_over = service.sign_up(user=busy_later, activity_id=activity.id, skill="elder-care")
    promoted = service.sign_up(user=next_free, activity_id=activity.id, skill="elder-care")
    accepted_order(world, tomorrow_at(9), [world.volunteers["v2"]])
    db.session.commit()
    service.withdraw(user=first, signup_id=confirmed.id)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ActivitySignup, passed_over.id).status == "waitlisted"
    assert db.session.get(ActivitySignup, promoted.id).status == "confirmed"
