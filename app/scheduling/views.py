"""Staff page: the scheduler's jobs, next and last runs, failures."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.core.timeutil import utcnow
from app.notifications.service import outbox_counts, recent_failures
from app.scheduling import service

bp = Blueprint("scheduling_views", __name__, url_prefix="/admin/scheduler", template_folder="templates")


@bp.get("/")
@login_required
def status():
    """Jobs with their next and last runs, recent failures and the run log."""
    service.ensure_may_watch(current_user)
    job = request.args.get("job") or None
    return render_template(
        "scheduling/status.html",
        jobs=service.job_overview(now=utcnow()),
        failures=service.recent_runs(outcome="failed", limit=20),
        runs=service.recent_runs(job=job, limit=100),
        selected_job=job,
        outbox=outbox_counts(),
        failed_messages=recent_failures(limit=10),
    )
