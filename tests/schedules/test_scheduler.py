"""The scheduler: job store in the database, local cadences, restarts that keep missed runs, coalescing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.core.timeutil import LOCAL_TZ, set_clock
from app.extensions import db
from app.orders.models import Order
from app.scheduling import JOB_NAMES
from app.scheduling.models import JobRun, apscheduler_jobs
from schedules import build_scheduler
from schedules.process import run_due_jobs
from tests.rosters.builders import place

ALL = list(JOB_NAMES)


def _stored(app) -> dict[str, float]:
    with app.app_context():
        rows = db.session.execute(db.select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time)).all()
        db.session.rollback()
    return dict(rows)


def test_jobs_are_stored_with_local_cadences(shared_app) -> None:
    scheduler = build_scheduler(shared_app)
    scheduler.start(paused=True)
    try:
        assert scheduler.sync_report == dict.fromkeys(ALL, "added")
        jobs = {job.id: job for job in scheduler.get_jobs()}
        roster = jobs["roster_publication"].next_run_time.astimezone(LOCAL_TZ)
        assert (roster.weekday(), roster.hour, roster.minute) == (6, 18, 0)
        assert scheduler.timezone == ZoneInfo("Asia/Shanghai")
        assert all(job.coalesce and job.max_instances == 1 for job in jobs.values())
        assert str(jobs["dispatch"].trigger) == "interval[0:15:00]"
    finally:
        scheduler.shutdown(wait=False)
    assert sorted(_stored(shared_app)) == sorted(ALL)


def test_restart_keeps_next_runs_and_replaces_changed_cadences(shared_app, monkeypatch) -> None:
    first = build_scheduler(shared_app)
    first.start(paused=True)
    missed = datetime.now(LOCAL_TZ) - timedelta(hours=5)
    first.modify_job("order_expiry", next_run_time=missed)
    first.shutdown(wait=False)

    monkeypatch.setitem(shared_app.config, "SCHEDULE_DISPATCH_MINUTES", 5)
    monkeypatch.setitem(shared_app.config, "SCHEDULER_JOBS", ["dispatch", "order_expiry"])
    second = build_scheduler(shared_app)
    second.start(paused=True)
    try:
        report = second.sync_report
        assert report["order_expiry"] == "kept" and report["dispatch"] == "replaced"
        assert report["reminders"] == "removed"
        assert second.get_job("order_expiry").next_run_time == missed
        assert str(second.get_job("dispatch").trigger) == "interval[0:05:00]"
    finally:
        second.shutdown(wait=False)
    assert sorted(_stored(shared_app)) == ["dispatch", "order_expiry"]


def test_runs_missed_during_downtime_coalesce_into_one(shared_app, shared_world, monkeypatch) -> None:
    monkeypatch.setitem(shared_app.config, "SCHEDULER_JOBS", ["order_expiry"])
    now = datetime.now(LOCAL_TZ)
    set_clock(now - timedelta(days=2))
    order = place(shared_world, start=now - timedelta(days=1), hours=2)
    db.session.commit()
    set_clock(None)

    scheduler = build_scheduler(shared_app)
    scheduler.start(paused=True)
    # The scheduler was down for three of the job's half-hour periods.
    scheduler.modify_job("order_expiry", next_run_time=now - timedelta(minutes=95))
    scheduler.shutdown(wait=False)

    assert run_due_jobs(build_scheduler(shared_app)) == ["order_expiry"]
    db.session.expire_all()
    runs = list(db.session.scalars(db.select(JobRun).where(JobRun.job == "order_expiry")))
    assert [(r.outcome, r.trigger, r.counts) for r in runs] == [("ok", "schedule", {"expired": 1})]
    assert db.session.get(Order, order.id).status == "expired"
    assert _stored(shared_app)["order_expiry"] > now.timestamp()
    # Nothing is due any more: a second pass runs nothing.
    assert run_due_jobs(build_scheduler(shared_app)) == []


def test_status_and_run_job_commands(shared_app, shared_world) -> None:
    from schedules.cli import scheduler_group

    runner = shared_app.test_cli_runner()
    ran = runner.invoke(scheduler_group, ["run-job", "order_expiry"])
    assert ran.exit_code == 0, ran.output
    assert "order_expiry: ok {'expired': 0}" in ran.output
    status = runner.invoke(scheduler_group, ["status"])
    assert status.exit_code == 0, status.output
    assert "scheduler: not running" in status.output
    assert "order_expiry" in status.output and "ok" in status.output
    assert runner.invoke(scheduler_group, ["run-job", "nope"]).exit_code == 2


def test_a_new_leader_closes_runs_a_killed_leader_left_running(shared_app) -> None:
    """Issue 13 row 19: `running` rows of a dead process are closed on start; a live process's run is left alone."""
    from schedules.locks import job_lock
    from schedules.process import run_scheduler

    with shared_app.app_context():
        dead = JobRun(job="dispatch", host="gone:1", outcome="running")
        live = JobRun(job="reminders", host="here:2", outcome="running")
        db.session.add_all([dead, live])
        db.session.commit()
        dead_id, live_id = dead.id, live.id
    with job_lock(shared_app, "reminders") as held:
        assert held
        run_scheduler(shared_app, once=True, handle_signals=False, say=lambda _: None)
    with shared_app.app_context():
        db.session.expire_all()
        closed, untouched = db.session.get(JobRun, dead_id), db.session.get(JobRun, live_id)
        assert (closed.outcome, closed.finished_at is not None) == ("failed", True)
        assert "abandoned" in closed.error
        assert untouched.outcome == "running"
        db.session.rollback()
