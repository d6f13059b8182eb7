"""Celery worker mode (when DIANDAN_BROKER_URL is set): dispatch runs and outbox deliveries as tasks.

Start workers with `celery --app schedules.worker worker`; the scheduler and the web app only send tasks.
Each task opens an app context, calls services, commits once, like a scheduled job.
"""

from __future__ import annotations

import gc
import logging
import os

from celery import Celery, signals
from flask import Flask

from app.dispatch.queue import DISPATCH_QUEUE, DISPATCH_TASK

logger = logging.getLogger("diandan.worker")

OUTBOX_QUEUE = "outbox"

celery = Celery("diandan")
celery.conf.update(
    broker_url=os.environ.get("DIANDAN_BROKER_URL", "") or "memory://",
    task_serializer="json",
    accept_content=["json"],
    # A dispatch run is long and idempotent: acknowledge it only once done, and hand it back if the worker dies.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_routes={
        DISPATCH_TASK: {"queue": DISPATCH_QUEUE},
        "diandan.deliver_message": {"queue": OUTBOX_QUEUE},
    },
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    # The app logs JSON lines to stderr itself; Celery re-logging them as WARNING lines would wrap them twice.
    worker_redirect_stdouts=False,
    # Redis re-delivers an unacknowledged task after this long; longer than any dispatch run.
    broker_transport_options={"visibility_timeout": 3600},
)

_app: Flask | None = None


def flask_app() -> Flask:
    """The worker process's app, made on first use (after the prefork pool has forked, never before)."""
    global _app
    if _app is None:
        from app import create_app

        _app = create_app(os.environ.get("DIANDAN_CONFIG", "config.Config"))
    return _app


def configure_producer(app: Flask) -> Celery:
    """Point the task sender at the app's broker (the web app and the scheduler send, workers run)."""
    if celery.conf.broker_url != app.config["BROKER_URL"]:
        celery.conf.broker_url = app.config["BROKER_URL"]
    return celery


@signals.worker_process_init.connect
def _fresh_app_per_child(**_: object) -> None:
    # A prefork child must not reuse connections opened in the parent. It builds its own app as it starts (about
    # 4 s of CPU), so its first dispatch run does not wait for that; if that fails, the first task tries again.
    global _app
    _app = None
    try:
        flask_app()
    except Exception:  # noqa: BLE001 (logged; the task that needs the app raises the error where it is seen)
        logger.exception("could not build the app in a new worker process")
        _app = None
    # What is loaded now lives as long as the process: kept out of the garbage collector's rounds, a run's
    # collections do not walk it (nor copy the pages it shares with the parent). BENCHMARKS.md: 17-26% of a county's
    # CPU in the fan-out benchmark.
    gc.freeze()


@celery.task(name=DISPATCH_TASK, bind=True, max_retries=5, default_retry_delay=5)
def dispatch_run(self, run_id: int) -> str:  # noqa: ANN001
    """Execute one queued dispatch run (one county); a run already finished is left alone."""
    from sqlalchemy.exc import OperationalError

    from app.dispatch.queue import execute_run

    app = flask_app()
    try:
        with app.app_context():
            outcome = execute_run(run_id=run_id, host=f"celery:{os.getpid()}")
            wait = app.config["DISPATCH_BORDER_WAIT_S"]
    except OperationalError as error:  # the database went away for a moment: try again
        raise self.retry(exc=error) from error
    if outcome == "waiting":  # a border run before its county runs finished: look again soon, as often as it takes
        raise self.retry(countdown=wait, max_retries=None)
    return outcome


# Not acks_late: a message may have gone out before a crash, so a lost task is not re-run. The outbox fails a
# claim left unfinished (its stale-sending rule) instead of sending twice; a provider error retries with backoff.
@celery.task(name="diandan.deliver_message", acks_late=False, reject_on_worker_lost=False)
def deliver_message(message_id: int) -> str:
    """Send one claimed outbox message and record the attempt."""
    from app.extensions import db
    from app.notifications import service as notify

    app = flask_app()
    with app.app_context():
        try:
            outcome = notify.deliver(message_id=message_id)
            db.session.commit()
            return outcome
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
