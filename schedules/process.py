"""The scheduler process: stand by until it holds the leader lock, then run jobs while it keeps the lock."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from flask import Flask

from schedules import DiandanScheduler, build_scheduler
from schedules.locks import Lock, leader_lock
from schedules.runner import close_abandoned_runs

logger = logging.getLogger("diandan.scheduler")

FINISHED = EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES


def run_due_jobs(scheduler: DiandanScheduler, *, timeout: float = 900.0) -> list[str]:
    """Start the scheduler, let every job that is due now run once (coalesced), and shut it down."""
    scheduler.start(paused=True)
    try:
        now = datetime.now(scheduler.timezone)
        due = {job.id for job in scheduler.get_jobs() if job.next_run_time is not None and job.next_run_time <= now}
        remaining = set(due)
        guard = threading.Lock()
        done = threading.Event()

        def finished(event) -> None:  # noqa: ANN001
            with guard:
                remaining.discard(event.job_id)
                if not remaining:
                    done.set()

        scheduler.add_listener(finished, FINISHED)
        if not due:
            done.set()
        scheduler.resume()
        if not done.wait(timeout):
            logger.warning("jobs still running after %.0f s: %s", timeout, sorted(remaining))
    finally:
        scheduler.shutdown(wait=True)
    return sorted(due)


def run_scheduler(
    app: Flask,
    *,
    once: bool = False,
    wait: float = 0.0,
    stop: threading.Event | None = None,
    say: Callable[[str], None] = logger.info,
    handle_signals: bool = True,
) -> list[str]:
    """Run until stopped (or, with once, run what is due and return); only the lock holder runs jobs."""
    stop = stop or threading.Event()
    if handle_signals:
        _stop_on_signals(stop)
    poll = float(app.config["SCHEDULER_STANDBY_POLL_S"])
    heartbeat = float(app.config["SCHEDULER_HEARTBEAT_S"])
    lock: Lock = leader_lock(app)
    give_up_at = time.monotonic() + wait
    announced = False
    drain: QueueDrain | None = None
    while not stop.is_set():
        if not lock.acquire():
            if once and time.monotonic() >= give_up_at:
                say("another scheduler holds the lock; nothing to do")
                return []
            if not announced:
                say("standing by: another scheduler holds the lock")
                announced = True
            stop.wait(min(poll, max(give_up_at - time.monotonic(), 0.05)) if once else poll)
            continue
        announced = False
        say("holding the scheduler lock: running jobs")
        # A leader killed mid-job left its run `running`; the new leader closes it before starting.
        closed = close_abandoned_runs(app)
        if closed:
            say(f"closed {closed} job run(s) left running by a stopped scheduler")
        scheduler = build_scheduler(app)
        try:
            if once:
                ran = run_due_jobs(scheduler)
                say(f"ran {len(ran)} due job(s): {', '.join(ran) or '-'}")
                return ran
            scheduler.start()
            say("jobs: " + ", ".join(f"{k} ({v})" for k, v in scheduler.sync_report.items()))
            if not app.config["BROKER_URL"]:
                drain = QueueDrain(app)
                drain.start()
            beat(app)
            while not stop.wait(heartbeat):
                if not lock.healthy():
                    say("lost the scheduler lock: standing by")
                    break
                beat(app)
        finally:
            if drain is not None:
                drain.stop()
                drain = None
            if scheduler.running:
                scheduler.shutdown(wait=True)
            if not once:
                beat(app, clear=True)
            lock.release()
    say("scheduler stopped")
    return []


class QueueDrain(threading.Thread):
    """The leader's worker for dispatch runs asked for through the API, when there is no broker."""

    def __init__(self, app: Flask) -> None:
        super().__init__(name="dispatch-queue", daemon=True)
        self.app = app
        self.poll = float(app.config["DISPATCH_QUEUE_POLL_S"])
        self.halt = threading.Event()

    def run(self) -> None:
        from app.dispatch.queue import execute_run, runs_to_take
        from app.extensions import db

        host = f"{socket.gethostname()}:{os.getpid()}"
        while not self.halt.is_set():
            with self.app.app_context():
                try:
                    for run_id in runs_to_take():
                        if self.halt.is_set():
                            break
                        execute_run(run_id=run_id, host=host)
                except Exception:  # noqa: BLE001 (logged by execute_run or here; the next poll tries again)
                    db.session.rollback()
                    logger.exception("dispatch queue poll failed")
                finally:
                    db.session.remove()
            self.halt.wait(self.poll)

    def stop(self) -> None:
        """Finish the run in hand, then stop."""
        self.halt.set()
        self.join()


def beat(app: Flask, *, clear: bool = False) -> None:
    """Record (or, when stopping, remove) the leader's heartbeat, which readiness checks; never fatal."""
    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.scheduling.service import clear_heartbeat, record_heartbeat

    host = f"{socket.gethostname()}:{os.getpid()}"
    with app.app_context():
        try:
            if clear:
                clear_heartbeat(host=host)
            else:
                record_heartbeat(host=host, now=utcnow())
            db.session.commit()
        except Exception:  # noqa: BLE001 (a database blip must not stop the jobs; readiness will show it)
            db.session.rollback()
            logger.exception("could not record the scheduler heartbeat")
        finally:
            db.session.remove()


def _stop_on_signals(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
