"""Scheduled jobs: one scheduler process, started only by `diandan scheduler run`.

`build_scheduler(app)` gives an APScheduler 3 BackgroundScheduler whose job store is the service's own
database. Starting it syncs the configured jobs into the store without resetting their next run times, so
runs missed while no scheduler was up fire once (coalesced) when one comes back.
"""

from __future__ import annotations

from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from flask import Flask

from app.core.timeutil import LOCAL_TZ
from app.extensions import db
from schedules.jobs import JOBS, enabled_jobs
from schedules.runner import FUNC_REF, bind_app, run_job

__all__ = ["DiandanScheduler", "build_scheduler", "run_job", "sync_jobs"]

JOBSTORE_TABLE = "apscheduler_jobs"


class SharedEngineJobStore(SQLAlchemyJobStore):
    """The job store on the app's own engine."""

    def shutdown(self) -> None:
        # SQLAlchemyJobStore disposes its engine on shutdown; this engine is the app's, still in use.
        pass


class DiandanScheduler(BackgroundScheduler):
    """A BackgroundScheduler that syncs the configured jobs into its store when it starts."""

    def __init__(self, app: Flask, **options: Any) -> None:
        self.app = app
        self.sync_report: dict[str, str] = {}
        super().__init__(**options)

    def start(self, paused: bool = False) -> None:
        """Start, make the stored jobs match config, then run (unless asked to stay paused)."""
        super().start(paused=True)
        self.sync_report = sync_jobs(self)
        if not paused:
            self.resume()

    def _process_jobs(self) -> float | None:
        # APScheduler 3 wakes its thread for one more pass after shutdown; that pass would find due jobs, fail to
        # submit them to the stopped executor and still advance their next run, silently dropping a missed run.
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


def _grace(app: Flask) -> int | None:
    return app.config.get("SCHEDULER_MISFIRE_GRACE_S")


def build_scheduler(app: Flask) -> DiandanScheduler:
    """The scheduler for an app: job store in the app's database, local timezone, one run of a job at a time."""
    bind_app(app)
    with app.app_context():
        engine = db.engine
    return DiandanScheduler(
        app,
        jobstores={"default": SharedEngineJobStore(engine=engine, tablename=JOBSTORE_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=app.config["SCHEDULER_WORKERS"])},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": _grace(app)},
        timezone=LOCAL_TZ,
    )


def _same(job: Job, name: str, trigger: BaseTrigger, grace: int | None) -> bool:
    return (
        job.func_ref == FUNC_REF
        and tuple(job.args) == (name,)
        and str(job.trigger) == str(trigger)
        and str(getattr(job.trigger, "timezone", "")) == str(getattr(trigger, "timezone", ""))
        and job.coalesce is True
        and job.max_instances == 1
        and job.misfire_grace_time == grace
    )


def sync_jobs(scheduler: DiandanScheduler) -> dict[str, str]:
    """Add missing jobs, replace changed ones, drop disabled ones; unchanged jobs keep their next run time."""
    app = scheduler.app
    grace = _grace(app)
    wanted = enabled_jobs(app.config)
    report: dict[str, str] = {}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            scheduler.remove_job(job.id)
            report[job.id] = "removed"
    for name in wanted:
        spec = JOBS[name]
        trigger = spec.trigger(app.config, scheduler.timezone)
        existing = scheduler.get_job(name)
        if existing is not None and _same(existing, name, trigger, grace):
            report[name] = "kept"
            continue
        # Replacing recomputes the next run from now: right when the cadence changed, wrong otherwise.
        scheduler.add_job(
            FUNC_REF,
            trigger=trigger,
            args=[name],
            id=name,
            name=spec.description,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=grace,
        )
        report[name] = "replaced" if existing is not None else "added"
    return report
