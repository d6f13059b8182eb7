"""The job-run log, and APScheduler's job store table declared here so migrations know about it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Float, LargeBinary, String, Table, Text, Unicode
from sqlalchemy.orm import Mapped, mapped_column

from app.core.timeutil import utcnow
from app.core.types import UTCDateTime
from app.extensions import db

OUTCOMES = ("running", "ok", "failed", "skipped")

# The same shape SQLAlchemyJobStore creates; declaring it keeps autogenerate from dropping the table.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    db.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class JobRun(db.Model):
    """One execution of a scheduled job: when, where, how it ended, what it did."""

    __tablename__ = "job_runs"
    __table_args__ = (CheckConstraint("outcome IN ('running', 'ok', 'failed', 'skipped')", name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64), index=True)
    trigger: Mapped[str] = mapped_column(String(16), default="schedule")
    host: Mapped[str] = mapped_column(String(120), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16), default="running", index=True)
    error: Mapped[str] = mapped_column(Text, default="")
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def seconds(self) -> float | None:
        """Wall time of the run, once finished."""
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)


class Heartbeat(db.Model):
    """A long-running process saying it is alive: the scheduler leader, a standby, a Celery worker."""

    __tablename__ = "heartbeats"

    # "scheduler" for the leader (one row, taken over by the next leader); "host:pid" rows for the others.
    name: Mapped[str] = mapped_column(String(160), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="scheduler")
    host: Mapped[str] = mapped_column(String(120), default="")
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
