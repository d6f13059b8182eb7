"""Real scheduler processes sharing one database: due jobs run once, and a standby takes over from a dead leader."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from app.core.timeutil import LOCAL_TZ, set_clock
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.orders.models import Order, OrderEvent
from app.scheduling.models import JobRun
from config import TestingConfig
from schedules import build_scheduler
from schedules.process import run_scheduler
from tests.rosters.builders import place, propose
from tests.schedules.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]
# Every job comes due once within a test: a loaded machine can take longer than the one-minute delivery cadence, and
# a second delivery run would then be right, not a double run. Seed and children share it, so the children keep the
# stored next runs.
NOTIFY_SECONDS = 3600
JOBS = ["proposal_deadlines", "order_expiry", "roster_publication", "reminders", "coverage_snapshot", "notifications"]


class Process:
    """A `python -m schedules ...` child whose output lines can be awaited."""

    def __init__(self, url: str, *args: str, jobs: list[str]) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DIANDAN_SCHEDULER_JOBS": ",".join(jobs),
            "DIANDAN_SCHEDULER_STANDBY_POLL_S": "0.2",
            "DIANDAN_SCHEDULER_HEARTBEAT_S": "0.5",
            "DIANDAN_NOTIFY_CHANNELS": "log",
            "DIANDAN_SCHEDULE_NOTIFY_SECONDS": str(NOTIFY_SECONDS),
            # The test app wrote phones under the testing data key; the child must read them with the same one.
            "DIANDAN_DATA_KEYS": ",".join(TestingConfig.DATA_KEYS),
            "PYTHONUNBUFFERED": "1",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "schedules", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def saw(self, text: str) -> bool:
        """Whether a line containing the text has been printed (without waiting)."""
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return any(text in line for line in self.seen)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self.reader.join(10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self.saw("")


def wait_for(condition, timeout: float = 60.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _seed_missed_runs(app, world) -> tuple[int, int]:
    """An overdue proposal, an order whose window passed, and every job's runs missed during downtime."""
    now = datetime.now(LOCAL_TZ)
    set_clock(now - timedelta(days=2))
    lapsed = propose(world, place(world, start=now + timedelta(days=1)), deadline=now - timedelta(hours=1))
    stale = place(world, start=now - timedelta(days=1), hours=2)
    db.session.commit()
    set_clock(None)
    app.config["SCHEDULER_JOBS"] = JOBS
    cadence = app.config["SCHEDULE_NOTIFY_SECONDS"]
    app.config["SCHEDULE_NOTIFY_SECONDS"] = NOTIFY_SECONDS
    try:
        scheduler = build_scheduler(app)
        scheduler.start(paused=True)
        for name in JOBS:
            scheduler.modify_job(name, next_run_time=now - timedelta(hours=3))
        scheduler.shutdown(wait=False)
    finally:
        app.config["SCHEDULER_JOBS"] = []
        app.config["SCHEDULE_NOTIFY_SECONDS"] = cadence
    return lapsed.order_id, stale.id


def _assert_each_job_ran_once(lapsed_order_id: int, stale_order_id: int) -> None:
    db.session.expire_all()
    runs = list(db.session.scalars(db.select(JobRun).order_by(JobRun.job)))
    assert sorted(r.job for r in runs) == sorted(JOBS)
    assert {r.outcome for r in runs} == {"ok"}, [(r.job, r.error) for r in runs]
    assert db.session.get(Order, stale_order_id).status == "expired"
    events = db.session.scalars(db.select(OrderEvent.kind).where(OrderEvent.order_id == lapsed_order_id)).all()
    assert events.count("proposal_expired") == 1
    told = db.session.scalars(db.select(OutboxMessage.kind).where(OutboxMessage.kind == "order_expired")).all()
    assert told == ["order_expired"]


def _finished_runs() -> int:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(JobRun).where(JobRun.finished_at.is_not(None)))


def test_two_processes_run_jobs_once_and_the_standby_takes_over(shared_app, shared_world) -> None:
    lapsed, stale = _seed_missed_runs(shared_app, shared_world)
    url = database_url(shared_app)
    a = Process(url, "run", jobs=JOBS)
    b = Process(url, "run", jobs=JOBS)
    try:
        wait_for(lambda: a.saw("holding the scheduler lock") or b.saw("holding the scheduler lock"))
        leader, standby = (a, b) if a.saw("holding the scheduler lock") else (b, a)
        wait_for(lambda: standby.saw("standing by"))
        wait_for(lambda: _finished_runs() == len(JOBS))
        assert not standby.saw("holding the scheduler lock")
        leader.proc.kill()  # no clean shutdown: the lock must go with the process
        leader.proc.wait(10)
        wait_for(lambda: standby.saw("holding the scheduler lock"), timeout=20)
        # The new leader keeps the stored next runs, so nothing the first one ran is due again.
        wait_for(lambda: standby.saw("jobs: " + ", ".join(f"{name} (kept)" for name in JOBS)), timeout=20)
        time.sleep(0.5)
        standby.proc.terminate()
        assert standby.proc.wait(20) == 0
    finally:
        a.stop()
        b.stop()
    assert standby.saw("scheduler stopped")
    _assert_each_job_ran_once(lapsed, stale)


def test_two_once_runs_share_the_work(shared_app, shared_world, monkeypatch) -> None:
    lapsed, stale = _seed_missed_runs(shared_app, shared_world)
    monkeypatch.setitem(shared_app.config, "SCHEDULER_STANDBY_POLL_S", 0.1)
    monkeypatch.setitem(shared_app.config, "SCHEDULE_NOTIFY_SECONDS", NOTIFY_SECONDS)
    shared_app.config["SCHEDULER_JOBS"] = JOBS
    said: list[str] = []
    ran: list[list[str]] = []
    try:
        threads = [
            threading.Thread(
                target=lambda: ran.append(
                    run_scheduler(shared_app, once=True, wait=30, say=said.append, handle_signals=False)
                )
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        shared_app.config["SCHEDULER_JOBS"] = []
    assert sorted(ran, key=len) == [[], sorted(JOBS)], said
    _assert_each_job_ran_once(lapsed, stale)
