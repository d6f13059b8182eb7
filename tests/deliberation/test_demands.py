"""Deliberation: meetings, the demand lifecycle, orders from demands, due-date reminders, the public page."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from app.core.timeutil import LOCAL_TZ, set_clock
from app.deliberation import service
from app.deliberation.models import Demand
from app.extensions import db
from app.notifications.models import OutboxMessage

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=LOCAL_TZ)
TODAY = NOW.date()


@pytest.fixture()
def clock():  # noqa: ANN201
    """Freeze the clock at NOW."""
    set_clock(NOW)
    yield NOW
    set_clock(None)


@pytest.fixture()
def meeting(world, clock):  # noqa: ANN001, ANN201
    """A meeting held yesterday at the first village station, with one demand."""
    found = service.record_meeting(
        user=world.users["staff"],
        station_id=world.stations["PY-BY-01"].id,
        held_on=TODAY - timedelta(days=1),
        title="十二月议事会",
        attendees_count=23,
        topics=["楼道堆物", "冬季供暖"],
        minutes="居民提出……",
    )
    db.session.commit()
    return found


def _demand(world, meeting, title: str = "3号楼楼道堆物清理") -> Demand:  # noqa: ANN001
    return service.raise_demand(user=world.users["staff"], meeting_id=meeting.id, title=title, category="stairwell")


def test_the_whole_lifecycle_is_logged(world, meeting) -> None:
    staff = world.users["staff"]
    demand = _demand(world, meeting)
    assert (demand.status, demand.station_id) == ("collected", meeting.station_id)
    service.move(
        user=staff,
        demand_id=demand.id,
        to_status="accepted",
        owner_id=world.users["town"].id,
        due_on=TODAY + timedelta(days=10),
    )
    service.move(user=staff, demand_id=demand.id, to_status="in_progress")
    service.move(user=staff, demand_id=demand.id, to_status="done", note="已清理")
    service.move(user=staff, demand_id=demand.id, to_status="reported_back", note="楼道已清理完毕，感谢居民支持")
    assert demand.outcome == "楼道已清理完毕，感谢居民支持"
    assert [(e.kind, e.actor_id) for e in demand.events] == [
        ("collected", staff.id),
        ("accepted", staff.id),
        ("in_progress", staff.id),
        ("done", staff.id),
        ("reported_back", staff.id),
    ]
    assert demand.events[1].data == {"owner": "town", "due_on": (TODAY + timedelta(days=10)).isoformat()}
    with pytest.raises(InvalidTransition):
        service.move(user=staff, demand_id=demand.id, to_status="in_progress")


@pytest.mark.parametrize(
    ("start", "step", "field"),
    [
        ("collected", "in_progress", "to_status"),  # no skipping ahead
        ("collected", "done", "to_status"),
        ("accepted", "collected", "to_status"),  # no going back
        ("accepted", "declined", "to_status"),
        ("done", "accepted", "to_status"),
    ],
)
def test_steps_out_of_order_are_refused(world, meeting, start: str, step: str, field: str) -> None:
    demand = _demand(world, meeting)
    demand.status = start
    demand.owner_id, demand.due_on = world.users["staff"].id, TODAY
    with pytest.raises(InvalidTransition) as refused:
        service.move(user=world.users["staff"], demand_id=demand.id, to_status=step)
    assert refused.value.field == field


def test_accepting_needs_a_responsible_owner_and_a_future_due_date(world, meeting) -> None:
    staff = world.users["staff"]
    demand = _demand(world, meeting)
    with pytest.raises(ValidationFailed) as no_date:
        service.move(user=staff, demand_id=demand.id, to_status="accepted")
    assert no_date.value.field == "due_on"
    with pytest.raises(ValidationFailed):
        service.move(user=staff, demand_id=demand.id, to_status="accepted", due_on=TODAY - timedelta(days=1))
    with pytest.raises(ValidationFailed) as wrong_owner:  # staff of another township cannot own it
        service.move(
            user=staff, demand_id=demand.id, to_status="accepted", owner_id=world.users["staff_b"].id, due_on=TODAY
        )
    assert wrong_owner.value.field == "owner_id"
    with pytest.raises(ValidationFailed):  # a volunteer is not staff
        service.move(
            user=staff, demand_id=demand.id, to_status="accepted", owner_id=world.users["volunteer"].id, due_on=TODAY
        )
    accepted = service.move(user=staff, demand_id=demand.id, to_status="accepted", due_on=TODAY)
    assert accepted.owner_id == staff.id  # the one who accepts owns it unless someone else is named


def test_declining_and_reporting_back_tell_residents_something(world, meeting) -> None:
    demand = _demand(world, meeting, "小区加装电梯")
    with pytest.raises(ValidationFailed) as silent:
        service.move(user=world.users["staff"], demand_id=demand.id, to_status="declined", note=" ")
    assert silent.value.field == "note"
    service.move(user=world.users["staff"], demand_id=demand.id, to_status="declined", note="已转交住建部门统一规划")
    assert demand.status == "declined"


def test_owner_and_due_date_changes_are_events(world, meeting) -> None:
    staff = world.users["staff"]
    demand = _demand(world, meeting)
    service.move(user=staff, demand_id=demand.id, to_status="accepted", due_on=TODAY + timedelta(days=3))
    service.assign(
        user=staff,
        demand_id=demand.id,
        owner_id=world.users["county"].id,
        due_on=TODAY + timedelta(days=9),
        note="需县里协调",
    )
    assert demand.events[-1].kind == "assigned"
    assert demand.events[-1].data == {"owner": "county", "due_on": (TODAY + timedelta(days=9)).isoformat()}
    with pytest.raises(ValidationFailed):
        service.assign(user=staff, demand_id=demand.id)


def test_a_demand_becomes_orders_at_its_station(world, meeting) -> None:
    staff = world.users["staff"]
    demand = _demand(world, meeting)
    window = {"start": NOW + timedelta(days=2), "end": NOW + timedelta(days=2, hours=6)}
    with pytest.raises(InvalidTransition):  # collected: not yet accepted
        service.place_orders(
            user=staff, demand_id=demand.id, menu_item_id=world.menu_item("MI-15").id, windows=[window]
        )
    service.move(user=staff, demand_id=demand.id, to_status="accepted", due_on=TODAY + timedelta(days=7))
    first = service.place_orders(
        user=staff, demand_id=demand.id, menu_item_id=world.menu_item("MI-15").id, windows=[window]
    )
    second = service.place_orders(
        user=staff, demand_id=demand.id, menu_item_id=world.menu_item("MI-15").id, windows=[window]
    )
    assert demand.status == "in_progress"
    assert [link.order_id for link in demand.order_links] == [first.id, second.id]
    assert first.station_id == demand.station_id and first.status == "submitted"
    assert [e.kind for e in demand.events] == ["collected", "accepted", "order_placed", "in_progress", "order_placed"]


def test_scope_and_roles(world, meeting) -> None:
    demand = _demand(world, meeting)
    db.session.commit()
    with pytest.raises(NotFound):
        service.get_demand(user=world.users["staff_b"], demand_id=demand.id)
    with pytest.raises(Forbidden):
        service.list_demands(user=world.users["volunteer"])
    with pytest.raises(NotFound):
        service.record_meeting(
            user=world.users["staff"], station_id=world.stations["PY-CM-01"].id, held_on=TODAY, title="x"
        )
    with pytest.raises(ValidationFailed):
        service.record_meeting(
            user=world.users["staff"],
            station_id=world.stations["PY-BY-01"].id,
            held_on=TODAY + timedelta(days=1),
            title="未来的会",
        )
    assert [d.id for d in service.list_demands(user=world.users["county"])] == [demand.id]


def test_reminders_before_the_due_date_and_once_overdue(app, world, meeting) -> None:
    staff = world.users["staff"]
    soon, later = _demand(world, meeting, "路灯维修"), _demand(world, meeting, "停车位规划")
    service.move(user=staff, demand_id=soon.id, to_status="accepted", due_on=TODAY + timedelta(days=2))
    service.move(user=staff, demand_id=later.id, to_status="accepted", due_on=TODAY + timedelta(days=30))
    db.session.commit()
    counts = service.remind_due(now=NOW)
    assert (counts["due_soon"], counts["overdue"]) == (1, 0) and counts["queued"] >= 1
    assert service.remind_due(now=NOW)["queued"] == 0  # the same reminder is not sent twice
    counts = service.remind_due(now=NOW + timedelta(days=3))
    assert (counts["due_soon"], counts["overdue"], counts["queued"]) == (0, 1, counts["queued"])
    subjects = [m.subject for m in db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id))]
    assert subjects[0] == "议事会诉求即将到期" and subjects[-1] == "议事会诉求已逾期"
    first = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).first()
    assert first is not None and "“路灯维修”" in first.body
    assert f"{soon.due_on.month:02d}月{soon.due_on.day:02d}日" in first.body
    service.move(user=staff, demand_id=soon.id, to_status="in_progress")
    service.move(user=staff, demand_id=soon.id, to_status="done")
    assert service.remind_due(now=NOW + timedelta(days=5))["overdue"] == 0  # done: no more reminders


def test_the_reminder_job_is_registered() -> None:
    from app.scheduling import JOB_NAMES
    from schedules import jobs

    assert "demand_reminders" in JOB_NAMES and jobs.JOBS["demand_reminders"].body is jobs.demand_reminders


def test_demand_date_type(world, meeting) -> None:
    demand = _demand(world, meeting)
    service.move(user=world.users["staff"], demand_id=demand.id, to_status="accepted", due_on=TODAY)
    db.session.commit()
    db.session.expire_all()
    assert isinstance(db.session.get(Demand, demand.id).due_on, date)


def test_demo_county_has_meetings_and_demands_at_every_step(db) -> None:  # noqa: ANN001
    from app.deliberation.models import DemandOrder, Meeting
    from app.demo.loader import load_demo

    summary = load_demo(volunteers=60, orders=0, seed=5)
    db.session.commit()
    assert summary["meetings"] == db.session.scalar(db.select(db.func.count(Meeting.id))) == 6
    statuses = set(db.session.scalars(db.select(Demand.status)))
    assert statuses == {"collected", "accepted", "in_progress", "done", "reported_back", "declined"}
    assert db.session.scalar(db.select(db.func.count(DemandOrder.id))) == 3


def test_a_reminder_reads_in_the_owners_language(app, world, meeting) -> None:
    staff = world.users["staff"]
    demand = _demand(world, meeting, "路灯维修")
    service.move(user=staff, demand_id=demand.id, to_status="accepted", due_on=TODAY + timedelta(days=1))
    db.session.get(type(staff), demand.owner_id).locale = "en"
    db.session.commit()
    service.remind_due(now=NOW)
    message = db.session.scalars(db.select(OutboxMessage)).first()
    assert message is not None and message.subject == "A deliberation demand is due soon"
    assert f"is due on {demand.due_on:%m-%d}" in message.body and "议事会" not in message.body
