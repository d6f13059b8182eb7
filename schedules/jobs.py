"""The scheduled jobs: what each does (a body over services) and when (a trigger built from config).

A body takes the job's `now`, calls services and returns counts; the runner commits once after it (the two
bodies that commit more often say why). Each body is idempotent: running it twice changes nothing more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import current_app

from app.core.timeutil import iso_week_label, local_midnight, to_local
from app.extensions import db
from app.scheduling import JOB_NAMES

Counts = dict[str, Any]


class JobFailed(Exception):
    """Part of a job failed; the rest was done and committed."""

    def __init__(self, message: str, counts: Counts) -> None:
        super().__init__(message)
        self.counts = counts


class JobSkipped(Exception):
    """The job cannot run here (a missing feature, say); not a failure of the run."""


@dataclass(frozen=True)
class JobSpec:
    """A job: its name, its body and its trigger."""

    name: str
    description: str
    body: Callable[[datetime], Counts]
    trigger: Callable[[Mapping[str, Any], tzinfo], BaseTrigger]


def _clock(value: str) -> tuple[int, int]:
    hour, _, minute = value.partition(":")
    return int(hour), int(minute or 0)


def _daily(key: str) -> Callable[[Mapping[str, Any], tzinfo], BaseTrigger]:
    def trigger(config: Mapping[str, Any], tz: tzinfo) -> BaseTrigger:
        hour, minute = _clock(config[key])
        return CronTrigger(hour=hour, minute=minute, timezone=tz)

    return trigger


def _every(key: str, unit: str) -> Callable[[Mapping[str, Any], tzinfo], BaseTrigger]:
    def trigger(config: Mapping[str, Any], tz: tzinfo) -> BaseTrigger:
        return IntervalTrigger(**{unit: int(config[key])}, timezone=tz)

    return trigger


def _weekly_roster(config: Mapping[str, Any], tz: tzinfo) -> BaseTrigger:
    hour, minute = _clock(config["SCHEDULE_ROSTER_TIME"])
    return CronTrigger(day_of_week=config["SCHEDULE_ROSTER_DAY"], hour=hour, minute=minute, timezone=tz)


_SPECS: dict[str, JobSpec] = {}


def scheduled(
    description: str, trigger: Callable[[Mapping[str, Any], tzinfo], BaseTrigger]
) -> Callable[[Callable[[datetime], Counts]], Callable[[datetime], Counts]]:
    """Make the decorated body the job of its own name, which must be one the app lists, run on the trigger."""

    def register(body: Callable[[datetime], Counts]) -> Callable[[datetime], Counts]:
        if body.__name__ not in JOB_NAMES:
            raise LookupError(f"job {body.__name__} is not listed in app.scheduling.JOB_NAMES")
        _SPECS[body.__name__] = JobSpec(body.__name__, description, body, trigger)
        return body

    return register


# --- bodies ---


@scheduled("Dispatch run over open orders", _every("SCHEDULE_DISPATCH_MINUTES", "minutes"))
def dispatch(now: datetime) -> Counts:
    """Run the engine over open orders, county by county."""
    from app.accounts.access import subtree_ids
    from app.dispatch.border import run_second_passes
    from app.dispatch.runs import run_dispatch_for_counties
    from app.orders.models import Order
    from app.stations.service import counties

    counts: Counter[str] = Counter()
    errors: list[str] = []
    if current_app.config["BROKER_URL"]:
        return _dispatch_on_workers(now)
    first_runs = []
    for county in counties():
        code = county.code
        waiting = db.session.scalar(
            db.select(db.func.count())
            .select_from(Order)
            .where(Order.status == "submitted", Order.station_id.in_(subtree_ids(county.id)))
        )
        if not waiting:
            counts["counties_idle"] += 1
            continue
        # Counties are independent: each commits on its own so one county's failure does not undo another's run.
        try:
            for run in run_dispatch_for_counties(county_code=code, trigger="schedule", actor=None, now=now):
                first_runs.append(run)
                counts["runs"] += 1
                counts["considered"] += run.orders_considered
                counts["proposed"] += run.orders_proposed
                counts["unassigned"] += run.orders_unassigned
            db.session.commit()
        except Exception as error:  # noqa: BLE001 (recorded, and the other counties still run)
            db.session.rollback()
            counts["counties_failed"] += 1
            errors.append(f"{code}: {type(error).__name__}: {error}")
    # The second pass across county lines, once every county has had its own run.
    try:
        for run in run_second_passes(first_runs, actor=None, trigger="schedule", time_limit=None, now=now):
            counts["border_runs"] += 1
            counts["proposed"] += run.orders_proposed
        db.session.commit()
    except Exception as error:  # noqa: BLE001 (recorded; the county runs are stored)
        db.session.rollback()
        errors.append(f"border: {type(error).__name__}: {error}")
    if errors:
        raise JobFailed("; ".join(errors), dict(counts))
    return dict(counts)


def _waiting_counties() -> list:
    from app.accounts.access import subtree_ids
    from app.orders.models import Order
    from app.stations.service import counties

    waiting = []
    for county in counties():
        has_orders = db.session.scalar(
            db.select(db.func.count())
            .select_from(Order)
            .where(Order.status == "submitted", Order.station_id.in_(subtree_ids(county.id)))
        )
        if has_orders:
            waiting.append(county)
    return waiting


def _dispatch_on_workers(now: datetime) -> Counts:
    """Worker mode: one queued run per county with open orders, one Celery task each (the fan-out)."""
    from app.dispatch.border import queue_border_runs
    from app.dispatch.queue import queue_runs, send_to_workers

    runs = []
    for county in _waiting_counties():
        runs += queue_runs(
            county_code=county.code, actor=None, trigger="schedule", time_limit=None, now=now, second_pass=False
        )
    runs += queue_border_runs(runs, actor=None, trigger="schedule", time_limit=None, now=now)
    send_to_workers(runs)
    db.session.commit()
    return {"runs_sent": len(runs)}


@scheduled("Expire unanswered proposals", _every("SCHEDULE_PROPOSAL_DEADLINES_MINUTES", "minutes"))
def proposal_deadlines(now: datetime) -> Counts:
    """Lapse unanswered proposals: the order goes back without that team, escalating a tier per the rule."""
    from app.dispatch.models import Proposal
    from app.dispatch.proposals import expire_overdue_proposals
    from app.orders.models import Order

    overdue = db.select(Proposal.order_id).where(Proposal.status == "pending", Proposal.deadline_at <= now)
    tiers: dict[int, str] = dict(
        db.session.execute(db.select(Order.id, Order.tier).where(Order.id.in_(overdue))).tuples().all()
    )
    expired = expire_overdue_proposals(now=now)
    escalated = sum(1 for p in expired if tiers.get(p.order_id) not in (None, p.order.tier))
    return {"expired": len(expired), "escalated": escalated}


@scheduled("Expire unserved orders", _every("SCHEDULE_ORDER_EXPIRY_MINUTES", "minutes"))
def order_expiry(now: datetime) -> Counts:
    """Orders whose windows all passed unserved expire; the resident is told (through the outbox)."""
    from app.dispatch.crew import expire_stale_orders

    return {"expired": len(expire_stale_orders(now=now))}


@scheduled("Publish weekly rosters", _weekly_roster)
def roster_publication(now: datetime) -> Counts:
    """Publish the coming week's roster per team and per volunteer, where it changed."""
    from app.rosters.service import publication_week, publish_rosters

    week = publication_week(now)
    report = publish_rosters(week=week, now=now)
    return {
        "week": iso_week_label(week),
        "teams": report.teams,
        "volunteers": report.volunteers,
        "unchanged": report.unchanged,
    }


@scheduled("Remind volunteers the day before", _daily("SCHEDULE_REMINDER_TIME"))
def reminders(now: datetime) -> Counts:
    """Remind each crew member of a job, and each volunteer of a visit route, starting before the end of tomorrow."""
    from app.notifications import service as notify
    from app.notifications.messages import Words
    from app.rosters.service import jobs_starting

    until = local_midnight(to_local(now).date() + timedelta(days=2))
    counts: Counter[str] = Counter()
    for proposal in jobs_starting(start=now, end=until):
        counts["jobs"] += 1
        order = proposal.order
        for member in proposal.crew:
            # The start time is in the key so a job moved to another time is reminded again.
            queued = notify.notify(
                key=f"reminder:{proposal.id}:{member.volunteer_id}:{proposal.start_at:%Y%m%dT%H%M}",
                kind="reminder",
                recipient=notify.recipient_for_volunteer(member.volunteer),
                values={
                    "start": proposal.start_at,
                    "station": order.station.name,
                    "address": order.station.address or "",
                    "item": Words(order.menu_item.title, order.menu_item.title_en),
                    "code": order.code,
                    "skill": Words(member.skill.name_zh, member.skill.name_en),
                },
                data={"order_id": order.id, "proposal_id": proposal.id, "volunteer_id": member.volunteer_id},
                now=now,
            )
            counts["queued"] += len(queued)
    counts["queued"] += _remind_visit_routes(now, until, counts)
    return {"jobs": counts["jobs"], "routes": counts["routes"], "queued": counts["queued"]}


def _remind_visit_routes(now: datetime, until: datetime, counts: Counter[str]) -> int:
    """Remind each volunteer of a household-visit route starting before until (once per route and time)."""
    from app.notifications import service as notify
    from app.visits.service import routes_starting

    queued = 0
    for route in routes_starting(start=now, end=until):
        counts["routes"] += 1
        first = min(visit.planned_at or route.shift_start for visit in route.visits)
        # No household address in the message: the route page shows it to the volunteer signed in.
        queued += len(
            notify.notify(
                key=f"visit-reminder:{route.campaign.id}:{route.volunteer.id}:{first:%Y%m%dT%H%M}",
                kind="visit_reminder",
                recipient=notify.recipient_for_volunteer(route.volunteer),
                values={
                    "start": first,
                    "campaign": route.campaign.title,
                    "station": route.campaign.station.name,
                    "n": len(route.visits),
                },
                data={"campaign_id": route.campaign.id, "volunteer_id": route.volunteer.id},
                now=now,
            )
        )
    return queued


def take_coverage_snapshot(*, day: Any) -> int:
    """Thin wrapper over the coverage package's snapshot, so this job still loads where coverage is absent."""
    try:
        from app.coverage.service import take_snapshot
    except ImportError as error:
        raise JobSkipped(f"coverage snapshots are not available: {error}") from error
    return int(take_snapshot(day=day) or 0)


@scheduled("Nightly coverage snapshot", _daily("SCHEDULE_COVERAGE_TIME"))
def coverage_snapshot(now: datetime) -> Counts:
    """Record yesterday's coverage (the job runs after midnight, when that day is complete)."""
    day = to_local(now).date() - timedelta(days=1)
    return {"day": day.isoformat(), "rows": take_coverage_snapshot(day=day)}


@scheduled("Deliver notifications", _every("SCHEDULE_NOTIFY_SECONDS", "seconds"))
def notifications(now: datetime) -> Counts:
    """Send due outbox messages; failures are retried with backoff and every failure keeps its reason."""
    from app.notifications import service as notify

    ids = notify.claim_due(now=now)
    # The claim is committed before anything goes out, so a crash mid-send cannot send a message twice.
    db.session.commit()
    if current_app.config["BROKER_URL"]:
        from schedules.worker import configure_producer, deliver_message

        configure_producer(current_app)
        for message_id in ids:
            deliver_message.delay(message_id)
        return {"claimed": len(ids), "sent_to_workers": len(ids)}
    outcomes: Counter[str] = Counter()
    for message_id in ids:
        outcomes[notify.deliver(message_id=message_id, now=now)] += 1
        # One commit per message: a sent message is recorded as sent even if a later one crashes the job.
        db.session.commit()
    return {"claimed": len(ids), **{k: outcomes[k] for k in ("sent", "retry", "failed", "skipped") if outcomes[k]}}


@scheduled("Remind owners of deliberation demands due soon", _daily("SCHEDULE_DEMAND_REMINDER_TIME"))
def demand_reminders(now: datetime) -> Counts:
    """Remind owners of deliberation demands due soon or overdue (once per demand, due date and kind)."""
    from app.deliberation.service import remind_due

    return remind_due(now=now)


@scheduled("Prune old job runs and messages", _daily("SCHEDULE_HOUSEKEEPING_TIME"))
def housekeeping(now: datetime) -> Counts:
    """Drop old job runs, finished outbox messages and old idempotency answers, so the tables stay small."""
    from flask import current_app

    from app.idempotency.service import purge_idempotency_records
    from app.notifications.service import prune_messages
    from app.scheduling.service import prune_job_runs

    config = current_app.config
    return {
        "job_runs": prune_job_runs(before=now - timedelta(days=config["SCHEDULER_JOB_LOG_DAYS"])),
        "messages": prune_messages(before=now - timedelta(days=config["NOTIFY_KEEP_DAYS"])),
        "idempotency_keys": purge_idempotency_records(now=now),
    }


def registry() -> dict[str, JobSpec]:
    """Every job the app lists (app.scheduling.JOB_NAMES, in its order) with its body and trigger."""
    missing = [name for name in JOB_NAMES if name not in _SPECS]
    if missing:
        raise LookupError(f"listed jobs without a body: {', '.join(missing)}")
    return {name: _SPECS[name] for name in JOB_NAMES}


JOBS = registry()


def enabled_jobs(config: Mapping[str, Any]) -> list[str]:
    """Job names config turns on (SCHEDULER_JOBS; empty means all)."""
    wanted = config.get("SCHEDULER_JOBS") or list(JOBS)
    unknown = [name for name in wanted if name not in JOBS]
    if unknown:
        raise ValueError(f"unknown scheduler jobs in SCHEDULER_JOBS: {', '.join(unknown)}")
    return [name for name in JOBS if name in wanted]
