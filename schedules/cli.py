"""`diandan scheduler ...` commands."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("scheduler")
def scheduler_group() -> None:
    """The job scheduler (one process; never inside a web worker)."""


@scheduler_group.command("run")
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then exit.")
@click.option("--wait", type=float, default=0.0, show_default=True, help="With --once: seconds to wait for the lock.")
@with_appcontext
def run_command(once: bool, wait: float) -> None:
    """Run the scheduler; a second instance stands by and takes over when the first stops or dies."""
    from schedules.process import run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    run_scheduler(app, once=once, wait=wait, say=click.echo)


@scheduler_group.command("run-job")
@click.argument("name")
@with_appcontext
def run_job_command(name: str) -> None:
    """Run one job now (it still waits its turn: a job running elsewhere is skipped)."""
    from schedules.jobs import JOBS
    from schedules.runner import run_job

    if name not in JOBS:
        raise click.BadParameter(f"choose one of: {', '.join(JOBS)}", param_hint="NAME")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    result = run_job(app, name, trigger="manual")
    click.echo(f"{name}: {result.outcome} {result.counts}")
    if result.error:
        click.echo(result.error, err=True)
    if result.outcome == "failed":
        raise SystemExit(1)


@scheduler_group.command("status")
@with_appcontext
def status_command() -> None:
    """Whether a scheduler runs, each job's next and last run, and recent failures."""
    from app.core.templating import local_time
    from app.core.timeutil import utcnow
    from app.notifications.service import outbox_counts
    from app.scheduling.service import job_overview, recent_runs
    from schedules.locks import leader_lock

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lock = leader_lock(app)
    if lock.acquire():
        lock.release()
        click.echo("scheduler: not running")
    else:
        click.echo("scheduler: running (another process holds the lock)")
    click.echo(f"{'job':<20} {'next run':<17} {'last run':<17} {'outcome':<8} {'fail/24h':>8}  counts")
    for job in job_overview(now=utcnow()):
        last = job.last_run
        next_run = local_time(job.next_run_at) if job.next_run_at else ("paused" if job.scheduled else "-")
        click.echo(
            f"{job.name:<20} {next_run:<17} {local_time(last.started_at) if last else '-':<17} "
            f"{last.outcome if last else '-':<8} {job.failures_24h:>8}  {last.counts if last else ''}"
        )
    failures = recent_runs(outcome="failed", limit=5)
    if failures:
        click.echo("recent failures:")
        for run in failures:
            first_line = (run.error or "").splitlines()[0] if run.error else ""
            click.echo(f"  {local_time(run.started_at)} {run.job}: {first_line}")
    counts = outbox_counts()
    click.echo("outbox: " + (", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "empty"))
