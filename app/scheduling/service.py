"""What the scheduler has done and will do next, read from the job-run log and the job store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.accounts.access import authorize
from app.accounts.models import User
from app.core.statements import rows_changed
from app.extensions import db
from app.scheduling import JOB_NAMES
from app.scheduling.models import JobRun, apscheduler_jobs


@dataclass(frozen=True)
class JobStatus:
    """One job as the status page shows it."""

    name: str
    scheduled: bool
    next_run_at: datetime | None
    last_run: JobRun | None
    last_ok_at: datetime | None
    failures_24h: int

    @property
    def overdue(self) -> bool:
        """Whether the next run is well in the past (no scheduler is running, or it is stuck)."""
        from app.core.timeutil import utcnow

        return self.next_run_at is not None and self.next_run_at < utcnow() - timedelta(minutes=5)


def next_run_times() -> dict[str, datetime | None]:
    """Each stored job's next run (None when paused), straight from the job store table."""
    rows = db.session.execute(db.select(apscheduler_jobs.c.id, apscheduler_jobs.c.next_run_time)).all()
    return {job_id: datetime.fromtimestamp(ts, UTC) if ts is not None else None for job_id, ts in rows}


def job_overview(*, now: datetime) -> list[JobStatus]:
    """Every known job with its next run, last run, last success and recent failures."""
    stored = next_run_times()
    logged = set(db.session.scalars(db.select(JobRun.job).distinct()))
    names = list(JOB_NAMES) + sorted((set(stored) | logged) - set(JOB_NAMES))
    since = now - timedelta(hours=24)
    failures: dict[str, int] = dict(
        db.session.execute(
            db.select(JobRun.job, db.func.count())
            .where(JobRun.outcome == "failed", JobRun.started_at >= since)
            .group_by(JobRun.job)
        )
        .tuples()
        .all()
    )
    last_ok: dict[str, datetime] = dict(
        db.session.execute(
            db.select(JobRun.job, db.func.max(JobRun.finished_at)).where(JobRun.outcome == "ok").group_by(JobRun.job)
        )
        .tuples()
        .all()
    )
    latest_ids = db.select(db.func.max(JobRun.id)).group_by(JobRun.job)
    last_runs = {run.job: run for run in db.session.scalars(db.select(JobRun).where(JobRun.id.in_(latest_ids)))}
    return [
        JobStatus(
            name=name,
            scheduled=name in stored,
            next_run_at=stored.get(name),
            last_run=last_runs.get(name),
            last_ok_at=last_ok.get(name),
            failures_24h=failures.get(name, 0),
        )
        for name in names
    ]


def recent_runs(*, job: str | None = None, outcome: str | None = None, limit: int = 50) -> list[JobRun]:
    """The latest job runs, newest first."""
    query = db.select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    if job is not None:
        query = query.where(JobRun.job == job)
    if outcome is not None:
        query = query.where(JobRun.outcome == outcome)
    return list(db.session.scalars(query))


def ensure_may_watch(user: User) -> None:
    """Only county staff and admins see the scheduler."""
    authorize(user, "scheduler.watch")


def prune_job_runs(*, before: datetime) -> int:
    """Forget finished job runs that started before a moment."""
    return rows_changed(db.delete(JobRun).where(JobRun.started_at < before, JobRun.outcome != "running"))


LEADER = "scheduler"


def record_heartbeat(*, name: str = LEADER, role: str = "scheduler", host: str, now: datetime) -> None:
    """Say a process is alive (the leader's row is shared: whoever leads now overwrites it)."""
    from app.scheduling.models import Heartbeat

    beat = db.session.get(Heartbeat, name)
    if beat is None:
        db.session.add(Heartbeat(name=name, role=role, host=host, beat_at=now))
    else:
        beat.role, beat.host, beat.beat_at = role, host, now
    db.session.flush()


def clear_heartbeat(*, name: str = LEADER, host: str) -> None:
    """A process stopping cleanly takes its heartbeat with it (only its own: a new leader may hold the row)."""
    from app.scheduling.models import Heartbeat

    db.session.execute(db.delete(Heartbeat).where(Heartbeat.name == name, Heartbeat.host == host))
    db.session.flush()


def leader_heartbeat() -> datetime | None:
    """When the scheduler leader last said it was alive."""
    from app.scheduling.models import Heartbeat

    return db.session.scalar(db.select(Heartbeat.beat_at).where(Heartbeat.name == LEADER))
