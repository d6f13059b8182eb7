"""Weekly roster publication: versions per team and volunteer, what changed, idempotent."""

from __future__ import annotations

from datetime import timedelta

from app.core.timeutil import set_clock
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.orders import service as orders
from app.rosters import service
from app.rosters.models import RosterVersion
from tests.rosters.builders import T0, W49, accepted_job, local


def _versions(owner_key: str) -> list[RosterVersion]:
    return list(
        db.session.scalars(
            db.select(RosterVersion).where(RosterVersion.owner_key == owner_key).order_by(RosterVersion.version)
        )
    )


def test_publication_versions_each_team_and_volunteer(db, at_t0) -> None:
    world = at_t0
    first = accepted_job(world, start=local(W49 + timedelta(days=3), 9))
    second = accepted_job(world, start=local(W49 + timedelta(days=4), 14))
    report = service.publish_rosters(week=W49, now=T0)
    assert (report.teams, report.volunteers, report.unchanged) == (1, 2, 0)

    team_key = f"team:{world.teams['T-V-A1'].id}"
    (v1,) = _versions(team_key)
    assert v1.version == 1
    assert [e["order_code"] for e in v1.entries] == [first.order.code, second.order.code]
    assert [c["order_code"] for c in v1.changes["added"]] == [first.order.code, second.order.code]
    (volunteer,) = _versions(f"volunteer:{world.volunteers['v1'].id}")
    assert {e["skill"] for e in volunteer.entries} == {"助老服务"}

    # Nothing changed: publishing again adds no version.
    again = service.publish_rosters(week=W49, now=T0 + timedelta(minutes=5))
    assert (again.teams, again.volunteers, again.unchanged) == (0, 0, 3)
    assert len(_versions(team_key)) == 1


def test_cancellation_makes_a_new_version_saying_what_was_removed(db, at_t0) -> None:
    world = at_t0
    kept = accepted_job(world, start=local(W49 + timedelta(days=3), 9))
    dropped = accepted_job(world, start=local(W49 + timedelta(days=4), 14))
    service.publish_rosters(week=W49, now=T0)
    orders.cancel_order(user=world.users["staff"], order_id=dropped.order_id, reason="身体不适")
    set_clock(T0 + timedelta(hours=1))
    report = service.publish_rosters(week=W49, now=T0 + timedelta(hours=1))
    assert (report.teams, report.volunteers) == (1, 2)

    latest = _versions(f"team:{world.teams['T-V-A1'].id}")[-1]
    assert latest.version == 2
    assert [e["order_code"] for e in latest.entries] == [kept.order.code]
    assert latest.changes["removed"][0]["order_code"] == dropped.order.code
    assert latest.changes["added"] == [] and latest.changes["changed"] == []


def test_a_roster_emptied_of_jobs_still_gets_a_version(db, at_t0) -> None:
    world = at_t0
    only = accepted_job(world, start=local(W49 + timedelta(days=3), 9))
    service.publish_rosters(week=W49, now=T0)
    orders.cancel_order(user=world.users["staff"], order_id=only.order_id)
    service.publish_rosters(week=W49, now=T0 + timedelta(hours=1))
    latest = _versions(f"team:{world.teams['T-V-A1'].id}")[-1]
    assert latest.version == 2 and latest.entries == []


def test_publication_tells_the_lead_and_each_volunteer_once(db, at_t0, app, monkeypatch) -> None:
    world = at_t0
    accepted_job(world, start=local(W49 + timedelta(days=3), 9))
    service.publish_rosters(week=W49, now=T0)
    service.publish_rosters(week=W49, now=T0)
    messages = list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "roster_published")))
    assert sorted(m.recipient_name for m in messages) == sorted(["lead_v", "志愿者V1", "志愿者V2"])
    assert all("2026-W49" in m.body and "第1版" in m.body for m in messages)


def test_diff_names_changed_fields() -> None:
    before = [
        {
            "uid": "a",
            "order_code": "A",
            "title": "x",
            "start_at": "1",
            "end_at": "2",
            "station_id": 1,
            "station": "s",
            "address": "",
            "team_id": 1,
            "crew": [{"code": "V1"}],
            "skill": "",
        }
    ]
    after = [dict(before[0], start_at="3", crew=[{"code": "V2"}])]
    changes = service.diff_entries(before, after)
    assert changes["changed"][0]["fields"] == ["start_at", "crew"]
    assert changes["added"] == changes["removed"] == []


def test_publication_week_follows_the_lead_time(app) -> None:
    with app.app_context():
        sunday_evening = local(W49 - timedelta(days=1), 18)
        assert service.publication_week(sunday_evening) == W49
        # A run delayed past midnight into Monday still covers the week just begun.
        assert service.publication_week(local(W49, 1)) == W49
