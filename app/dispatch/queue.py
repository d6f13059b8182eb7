"""Dispatch as a job: a run asked for is queued, answered at once, and executed by the scheduler or a worker.

A queued run is executed in two transactions: the claim (queued -> running, committed so pages show it), then
the run itself under the county lock, committed once with its proposals. A worker lost in between leaves the
run `running` with nothing stored; whoever takes it again starts from scratch, and a run found `done` under the
lock is never run twice.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta

from celery import Celery
from flask import current_app
from sqlalchemy import event

from app.accounts.models import User
from app.core.timeutil import utcnow
from app.dispatch import border
from app.dispatch import runs as service
from app.dispatch.models import DispatchProgress, DispatchRun
from app.dispatch.runs import target_counties
from app.extensions import db

logger = logging.getLogger("diandan.dispatch")

WAITING = ("queued", "running")


def queue_runs(
    *,
    county_code: str | None,
    actor: User | None,
    trigger: str,
    time_limit: float | None,
    now: datetime | None = None,
    second_pass: bool = True,
) -> list[DispatchRun]:
    """Queue one run per county (a county with a run already waiting keeps that one) and return them.

    Then, unless told not to, a border run for each group of counties joined by lent teams, waiting for them.
    """
    now = now or utcnow()
    runs = []
    for county in target_counties(county_code=county_code, actor=actor):
        waiting = db.session.scalar(
            db.select(DispatchRun)
            .where(DispatchRun.county_id == county.id, DispatchRun.status.in_(WAITING))
            .order_by(DispatchRun.id)
            .limit(1)
        )
        if waiting is not None:
            waiting.county = county  # the same row: the answer then names the county without reading it again
            runs.append(waiting)
            continue
        run = DispatchRun.asked_for(county=county, trigger=trigger, actor=actor, time_limit=time_limit, now=now)
        db.session.add(run)
        runs.append(run)
    db.session.flush()
    if second_pass:
        runs += border.queue_border_runs(runs, actor=actor, trigger=trigger, time_limit=time_limit, now=now)
    return runs


DISPATCH_TASK = "diandan.dispatch_run"
DISPATCH_QUEUE = "dispatch"


@functools.cache
def task_producer(broker_url: str) -> Celery:
    """A Celery client that only sends tasks to the workers' broker (one per broker URL and process)."""
    return Celery("diandan", broker=broker_url, set_as_current=False)


def send_to_workers(runs: list[DispatchRun]) -> bool:
    """Hand queued runs to Celery once the transaction that queued them commits; False when there is no broker.

    A task sent before the commit could reach a worker before the run exists. If the broker cannot be reached the
    runs stay queued, and the next scheduled dispatch sends them again (a county's waiting run is reused).
    """
    if not current_app.config["BROKER_URL"]:
        return False
    run_ids = [run.id for run in runs if run.status == "queued"]
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def send(session: object) -> None:
        try:
            producer = task_producer(app.config["BROKER_URL"])
            for run_id in run_ids:
                # Sent by name: the task lives with the workers (schedules.worker), above this layer.
                producer.send_task(DISPATCH_TASK, args=[run_id], queue=DISPATCH_QUEUE)
        except Exception:  # noqa: BLE001 (the runs are stored as queued; the next dispatch job resends them)
            logger.exception("could not send dispatch runs %s to the workers", run_ids)

    event.listen(db.session(), "after_commit", send, once=True)
    return True


def claim_run(*, run_id: int, now: datetime | None = None) -> DispatchRun | None:
    """Mark a run as running (one more attempt) and commit; None when it is finished or unknown."""
    now = now or utcnow()
    query = db.select(DispatchRun).where(DispatchRun.id == run_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    run = db.session.scalar(query)
    if run is None or run.status not in WAITING:
        db.session.rollback()
        return None
    run.status = "running"
    run.attempts += 1
    run.started_at = now
    db.session.execute(db.delete(DispatchProgress).where(DispatchProgress.run_id == run.id))
    db.session.commit()
    return run


def execute_run(*, run_id: int, host: str) -> str:
    """Run a queued run to the end: "done", "failed", "skipped" when it was already finished, or "waiting" when
    it is a border run whose county runs have not all finished (it stays queued; ask again later)."""
    pending = db.session.get(DispatchRun, run_id)
    if pending is not None and pending.kind == "border" and pending.status == "queued" and not border.ready(pending):
        db.session.rollback()
        return "waiting"
    run = claim_run(run_id=run_id)
    if run is None:
        return "skipped"
    try:
        if run.kind == "border":
            border.lock_part(run)
        else:
            service._lock_county(run.county)
        db.session.refresh(run)
        if run.status != "running":  # another worker finished it while this one waited for the lock
            db.session.rollback()
            return "skipped"
        if run.kind == "border":
            border.run_border_pass(run=run, now=planning_time(run), time_limit=run.time_limit)
        else:
            actor = db.session.get(User, run.created_by_id) if run.created_by_id else None
            service.run_dispatch(
                county=run.county,
                trigger=run.trigger,
                actor=actor,
                time_limit=run.time_limit,
                now=planning_time(run),
                run=run,
            )
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        logger.exception("dispatch run %s failed on %s", run_id, host)
        _mark_failed(run_id, f"{type(error).__name__}: {error}")
        raise
    logger.info("dispatch run %s done on %s", run_id, host)
    return "done"


def planning_time(run: DispatchRun, *, now: datetime | None = None) -> datetime:
    """The moment a run plans from: when it was asked for, if taken soon after; else when it was taken.

    Planning from the request makes the answer independent of which worker took it and when (the same as running
    it in-process then); a run taken again long after (a lost worker) plans from now so it never proposes the past.
    """
    now = now or utcnow()
    fresh = timedelta(seconds=current_app.config["DISPATCH_PLAN_FROM_REQUEST_S"])
    if run.queued_at is not None and now - run.queued_at <= fresh:
        return run.queued_at
    return now


def _mark_failed(run_id: int, error: str) -> None:
    run = db.session.get(DispatchRun, run_id)
    if run is not None and run.status == "running":
        run.status = "failed"
        run.error = error[:400]
        run.finished_at = utcnow()
        db.session.commit()


def runs_to_take(*, now: datetime | None = None, limit: int = 20) -> list[int]:
    """Queued runs, oldest first, and runs left `running` by a process that died (no broker: the scheduler's)."""
    now = now or utcnow()
    stale = now - timedelta(seconds=current_app.config["DISPATCH_RUN_STALE_S"])
    queued_earlier = DispatchRun.queued_at.is_not(None)
    abandoned = (DispatchRun.status == "running") & (DispatchRun.started_at < stale) & queued_earlier
    query = (
        db.select(DispatchRun.id)
        .where((DispatchRun.status == "queued") | abandoned)
        .order_by(DispatchRun.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))
