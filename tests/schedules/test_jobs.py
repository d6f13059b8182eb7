"""Every job through the runner with a controlled clock: its effect, and no more effect when run twice."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import timedelta

import pytest

from app.core.timeutil import set_clock
from app.coverage.models import CoverageSnapshot
from app.dispatch.models import DispatchRun, Proposal
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.orders.models import Order, OrderEvent
from app.rosters.models import RosterVersion
from app.scheduling.models import JobRun
from schedules import jobs
from schedules.locks import make_lock
from schedules.runner import run_job
from tests.rosters.builders import T0, W49, accepted_job, local, place, propose


def _count(model, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def _runs(job: str) -> list[JobRun]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(JobRun).where(JobRun.job == job).order_by(JobRun.id)))


def test_dispatch_job_proposes_once(app, db, at_t0) -> None:
    place(at_t0, start=local(W49 + timedelta(days=3), 9))
    db.session.commit()
    first = run_job(app, "dispatch")
    assert first.outcome == "ok" and first.counts["proposed"] == 1 and first.counts["runs"] == 1
    second = run_job(app, "dispatch")
    assert second.outcome == "ok" and second.counts == {"counties_idle": 1}
    assert _count(Proposal) == 1
    assert db.session.scalar(db.select(DispatchRun.trigger)) == "schedule"
    assert [(r.outcome, r.trigger) for r in _runs("dispatch")] == [("ok", "manual"), ("ok", "manual")]


@pytest.mark.parametrize(("after_rejections", "tier"), [(1, "township"), (2, "village")])
def test_proposal_deadline_job_expires_excludes_and_escalates(app, db, at_t0, monkeypatch, after_rejections, tier):
    monkeypatch.setitem(app.config, "ESCALATE_AFTER_REJECTIONS", after_rejections)
    order = place(at_t0, start=local(W49 + timedelta(days=3), 9))
    propose(at_t0, order, deadline=T0 + timedelta(hours=1))
    db.session.commit()
    assert run_job(app, "proposal_deadlines").counts == {"expired": 0, "escalated": 0}
    set_clock(T0 + timedelta(hours=2))
    result = run_job(app, "proposal_deadlines")
    assert result.counts == {"expired": 1, "escalated": int(tier != "village")}
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert (order.status, order.tier) == ("submitted", tier)
    assert order.excluded_team_ids == {at_t0.teams["T-V-A1"].id}
    assert run_job(app, "proposal_deadlines").counts == {"expired": 0, "escalated": 0}
    assert _count(OrderEvent, OrderEvent.kind == "proposal_expired") == 1


def test_order_expiry_job_tells_the_resident_once(app, db, at_t0) -> None:
    order = place(at_t0, start=local(W49 + timedelta(days=3), 9))
    db.session.commit()
    set_clock(local(W49 + timedelta(days=3), 12, 1))
    assert run_job(app, "order_expiry").counts == {"expired": 1}
    assert run_job(app, "order_expiry").counts == {"expired": 0}
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "expired"
    assert _count(OutboxMessage, OutboxMessage.kind == "order_expired") == 1


def test_roster_publication_job_publishes_the_coming_week_once(app, db, world) -> None:
    set_clock(local(W49 - timedelta(days=2), 12))
    accepted_job(world, start=local(W49 + timedelta(days=1), 9))
    db.session.commit()
    set_clock(local(W49 - timedelta(days=1), 18))  # Sunday 18:00
    first = run_job(app, "roster_publication")
    assert first.counts == {"week": "2026-W49", "teams": 1, "volunteers": 2, "unchanged": 0}
    again = run_job(app, "roster_publication")
    assert again.counts == {"week": "2026-W49", "teams": 0, "volunteers": 0, "unchanged": 3}
    assert _count(RosterVersion) == 3


def test_reminders_go_out_the_day_before_once(app, db, at_t0) -> None:
    thursday = accepted_job(at_t0, start=local(W49 + timedelta(days=3), 10))
    accepted_job(at_t0, start=local(W49 + timedelta(days=4), 10), crew=("v1", "v2"))
    db.session.commit()
    set_clock(local(W49 + timedelta(days=2), 17))  # Wednesday 17:00
    assert run_job(app, "reminders").counts == {"jobs": 1, "routes": 0, "queued": 2}
    assert run_job(app, "reminders").counts == {"jobs": 1, "routes": 0, "queued": 0}
    reminders = list(db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.kind == "reminder")))
    assert {m.data["proposal_id"] for m in reminders} == {thursday.id}
    assert "12月03日 10:00" in reminders[0].body and "助老服务" in reminders[0].body
    set_clock(local(W49 + timedelta(days=3), 17))  # Thursday: Friday's job now
    assert run_job(app, "reminders").counts == {"jobs": 1, "routes": 0, "queued": 2}


def test_coverage_snapshot_job_records_yesterday_once(app, db, at_t0) -> None:
    first = run_job(app, "coverage_snapshot")
    assert first.outcome == "ok" and first.counts["day"] == "2026-12-01" and first.counts["rows"] > 0
    rows = _count(CoverageSnapshot)
    assert rows == first.counts["rows"]
    assert run_job(app, "coverage_snapshot").counts == first.counts
    assert _count(CoverageSnapshot) == rows


def test_coverage_snapshot_is_skipped_where_coverage_is_missing(app, db, at_t0, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "app.coverage.service", None)
    result = run_job(app, "coverage_snapshot")
    assert result.outcome == "skipped" and "not available" in result.error


def test_notifications_job_sends_each_message_once(app, db, at_t0) -> None:
    order = place(at_t0, start=local(W49 + timedelta(days=3), 9))
    propose(at_t0, order)  # the lead is told
    db.session.commit()
    assert run_job(app, "notifications").counts == {"claimed": 1, "sent": 1}
    assert run_job(app, "notifications").counts == {"claimed": 0}


def test_a_failing_job_rolls_back_and_logs_why(app, db, at_t0, monkeypatch) -> None:
    order = place(at_t0, start=local(W49 + timedelta(days=3), 9))
    db.session.commit()
    set_clock(local(W49 + timedelta(days=3), 13))

    def expire_then_break(now):  # noqa: ANN001, ANN202
        jobs.order_expiry(now)
        raise RuntimeError("disk full")

    monkeypatch.setitem(jobs.JOBS, "order_expiry", replace(jobs.JOBS["order_expiry"], body=expire_then_break))
    result = run_job(app, "order_expiry")
    assert result.outcome == "failed" and result.error.startswith("RuntimeError: disk full")
    (run,) = _runs("order_expiry")
    assert run.outcome == "failed" and "disk full" in run.error and run.finished_at is not None
    assert db.session.get(Order, order.id).status == "submitted"
    assert _count(OutboxMessage, OutboxMessage.kind == "order_expired") == 0


def test_a_job_running_elsewhere_is_skipped(app, db, at_t0) -> None:
    held = make_lock(app, "job-order_expiry")
    assert held.acquire()
    try:
        result = run_job(app, "order_expiry")
    finally:
        held.release()
    assert result.outcome == "skipped"
    assert [r.outcome for r in _runs("order_expiry")] == ["skipped"]
    assert run_job(app, "order_expiry").outcome == "ok"


def test_housekeeping_drops_old_runs_and_finished_messages(app, db, at_t0) -> None:
    from app.notifications import service as notify

    old = T0 - timedelta(days=200)
    db.session.add_all(
        [
            JobRun(job="notifications", started_at=old, finished_at=old, outcome="ok"),
            JobRun(job="notifications", started_at=T0 - timedelta(days=1), finished_at=T0, outcome="ok"),
        ]
    )
    for key, status in (("old-sent", "sent"), ("old-pending", "pending")):
        (message,) = notify.enqueue(
            key=key, kind="test", recipient=notify.Recipient(name="x"), subject="s", body="b", now=old
        )
        message.status = status
    notify.enqueue(key="recent", kind="test", recipient=notify.Recipient(name="x"), subject="s", body="b", now=T0)
    db.session.commit()
    assert run_job(app, "housekeeping").counts == {"job_runs": 1, "messages": 1, "idempotency_keys": 0}
    assert run_job(app, "housekeeping").counts == {"job_runs": 0, "messages": 0, "idempotency_keys": 0}
    db.session.expire_all()
    assert sorted(db.session.scalars(db.select(OutboxMessage.dedupe_key))) == ["old-pending:log", "recent:log"]


def test_every_listed_job_has_a_body_and_no_body_goes_unlisted(monkeypatch) -> None:
    from app.scheduling import JOB_NAMES

    assert tuple(jobs.JOBS) == JOB_NAMES
    assert all(spec.name == name and spec.body.__name__ == name for name, spec in jobs.JOBS.items())
    monkeypatch.setattr(jobs, "JOB_NAMES", (*JOB_NAMES, "nightly_audit"))
    with pytest.raises(LookupError, match="listed jobs without a body: nightly_audit"):
        jobs.registry()

    def unlisted(now):  # noqa: ANN001, ANN202
        return {}

    with pytest.raises(LookupError, match="job unlisted is not listed"):
        jobs.scheduled("An unlisted job", jobs.JOBS["housekeeping"].trigger)(unlisted)
