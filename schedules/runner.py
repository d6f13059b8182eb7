"""Run one job safely: in an app context, under the job's lock, committed once, logged in the job-run table."""

from __future__ import annotations

import logging
import os
import socket
import traceback
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from app.core.timeutil import utcnow
from app.extensions import db
from app.scheduling.models import JobRun
from schedules.jobs import JOBS, JobFailed, JobSkipped
from schedules.locks import job_lock

logger = logging.getLogger("diandan.scheduler")

# APScheduler stores this textual reference (not a pickled app) in the job store.
FUNC_REF = "schedules.runner:scheduled"

_app: Flask | None = None


@dataclass
class JobResult:
    """How one run of a job ended."""

    job: str
    outcome: str
    counts: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    run_id: int | None = None


def bind_app(app: Flask) -> None:
    """The app scheduled jobs run in (set by build_scheduler)."""
    global _app
    _app = app


def scheduled(name: str) -> None:
    """What the scheduler calls for a job."""
    app = _app
    if app is None:
        from app import create_app

        app = create_app()
        bind_app(app)
    run_job(app, name, trigger="schedule")


def _host() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _finish(run_id: int, result: JobResult) -> None:
    run = db.session.get(JobRun, run_id)
    if run is None:
        return
    run.finished_at = utcnow()
    run.outcome = result.outcome
    run.counts = result.counts
    run.error = result.error
    db.session.commit()


def run_job(app: Flask, name: str, *, trigger: str = "manual") -> JobResult:
    """Run a job now; a job already running in another process is skipped, an error is logged and rolled back."""
    spec = JOBS[name]
    with app.app_context():
        try:
            with job_lock(app, name) as got:
                if not got:
                    run = JobRun(job=name, trigger=trigger, host=_host(), started_at=utcnow(), outcome="skipped")
                    run.finished_at = run.started_at
                    run.error = "another process is running this job"
                    db.session.add(run)
                    db.session.commit()
                    return JobResult(name, "skipped", error=run.error, run_id=run.id)
                # The run is logged in its own transaction so that it survives the job's rollback.
                run = JobRun(job=name, trigger=trigger, host=_host(), started_at=utcnow(), outcome="running")
                db.session.add(run)
                db.session.commit()
                run_id = run.id
                result = _execute(app, name, spec.body)
                result.run_id = run_id
                _finish(run_id, result)
                return result
        finally:
            db.session.remove()


def close_abandoned_runs(app: Flask) -> int:
    """Close the job runs a killed process left `running` (no live process holds their job's lock); how many."""
    closed = 0
    with app.app_context():
        try:
            names = sorted(set(db.session.scalars(db.select(JobRun.job).where(JobRun.outcome == "running"))))
            db.session.rollback()
            for name in names:
                with job_lock(app, name) as got:
                    if not got:  # a live process is running this job now: its run is not abandoned
                        continue
                    now = utcnow()
                    for run in db.session.scalars(
                        db.select(JobRun).where(JobRun.job == name, JobRun.outcome == "running")
                    ):
                        run.outcome = "failed"
                        run.finished_at = now
                        run.error = "abandoned: the process running it stopped before it finished"
                        closed += 1
                    db.session.commit()
        finally:
            db.session.remove()
    if closed:
        logger.warning("closed %d job run(s) left running by a stopped process", closed)
    return closed


def _execute(app: Flask, name: str, body: Any) -> JobResult:
    try:
        counts = body(utcnow())
        db.session.commit()
    except JobSkipped as skipped:
        db.session.rollback()
        logger.info("job %s skipped: %s", name, skipped)
        return JobResult(name, "skipped", error=str(skipped))
    except JobFailed as failed:
        db.session.rollback()
        logger.error("job %s partly failed: %s", name, failed)
        return JobResult(name, "failed", counts=failed.counts, error=str(failed))
    except Exception as error:  # noqa: BLE001 (a job must never take the scheduler down)
        db.session.rollback()
        logger.exception("job %s failed", name)
        detail = "".join(traceback.format_exception(error)[-6:])
        return JobResult(name, "failed", error=f"{type(error).__name__}: {error}\n{detail}"[:4000])
    logger.info("job %s done: %s", name, counts)
    return JobResult(name, "ok", counts=counts)
